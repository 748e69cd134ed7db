"""The ``explain`` probe request: one method on one input, as units of work.

``explain_work`` is what ``designer.training.probes.compute`` runs for ``kind="explain"``:
during a run the ProbeHook runs its units between training steps within the probes' budget;
otherwise the viewers' worker (or ``designer figure``) runs them at once. It yields a
``Progress`` after each unit, stops with a "cancelled" result if its request was cancelled,
and ends with a ProbeResult holding numpy arrays and plain values only.

Parameters (``request.params``): ``method`` (one of METHODS), the input (``sample`` N or
``image`` [C, H, W] in 0..1), ``target`` (a class; default the predicted one), ``layer`` (a
node id: Grad-CAM's layer, default the last spatial one; the layer whose channels are
maximised), and per method: ``patch``/``stride`` (occlusion), ``attack``/``epsilon``/
``search`` (adversarial), ``channels``/``steps``/``patches`` and the layer's receptive field and jump in input
pixels, as ``field``/``jump`` or ``fields`` {node: (field, jump)} (maximise).
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ..probes.events import ProbeError, ProbeRequest, ProbeResult
from ..probes.model import Chunker
from ..probes.requests import samples_of
from . import adversarial, attribution, maximise, occlusion
from .progress import CANCELLED, Progress, take_cancelled
from .subject import Subject, explaining, probabilities, subject_of, target_of, top_classes

METHODS = ("attributions", "counterfactual", "occlusion", "adversarial", "maximise")
ATTRIBUTIONS = ("saliency", "ig", "guided", "gradcam")
KIND = "explain"


def explain_work(model, request: ProbeRequest, data: Any = None, classes: Sequence[str] = (),
                 bundle: Any = None, chunker: Chunker | None = None) -> Iterator:
    """The units of an explain request; Progress after each, the ProbeResult last."""
    p, rid = request.params, request.request_id
    method = p.get("method", "attributions")
    if method not in METHODS:
        raise ProbeError(f"unknown explanation {method!r}; choose one of {', '.join(METHODS)}")
    with explaining(model):
        subject = subject_of(model, p, data, classes, bundle)
        probs = probabilities(subject.net, subject.x)[0]
        target = target_of(p, probs)
        layer, layers = attribution.default_layer(subject, model) if subject.is_image else (None, [])
    base = {"method": method, "input": subject.shown, "label": subject.label, "sample": subject.index,
            "classes": subject.classes, "probabilities": probs, "predicted": int(np.argmax(probs)),
            "target": target, "top3": top_classes(probs), "layers": layers, "subject": subject.describe(),
            "pixels": subject.pixels}
    if method == "maximise":  # a filter's wish: the last convolution's channels by default
        layer = attribution.last_convolution(model, layers) or layer
    chosen = p.get("layer") or layer
    if chosen and chosen not in layers and method in ("attributions", "counterfactual", "maximise"):
        raise ProbeError(f"{chosen} has no spatial map for this input; choose one of: "
                         f"{', '.join(layers) or 'none (the design has no convolution)'}")
    work = _METHODS[method](model, subject, p, target, chosen, data, bundle, chunker)
    while True:
        if take_cancelled(rid):
            yield ProbeResult(rid, KIND, {}, -1, CANCELLED)
            return
        try:
            with explaining(model):
                done, total, text = next(work)
        except StopIteration as end:
            yield ProbeResult(rid, KIND, base | end.value)
            return
        yield Progress(rid, done, total, text)


# ----------------------------------------------------------------- methods (generators)
def _attributions(model, subject: Subject, p: dict, target: int, layer, _data, _bundle, _chunker):
    wanted = [m for m in p.get("which", ATTRIBUTIONS) if m in ATTRIBUTIONS]
    steps = len(wanted) + (attribution.IG_SEGMENTS - 1 if "ig" in wanted else 0)
    out: dict = {"maps": {}, "layer": layer}
    done = 0
    for name in wanted:
        if name == "ig":
            work = attribution.integrated_gradients(subject, target)
            result = yield from _counted(work, lambda: (done + 1, steps, "Integrated Gradients"))
            out["maps"]["ig"] = result.pop("map")
            out["ig"] = result
            done += attribution.IG_SEGMENTS
            continue
        if name == "saliency":
            out["maps"]["saliency"] = attribution.saliency(subject, target)
        elif name == "guided":
            out["maps"]["guided"] = attribution.guided_backprop(subject, target)
        elif layer is None:
            out["gradcam_error"] = attribution.NO_SPATIAL
        else:
            out["maps"]["gradcam"] = attribution.gradcam(subject, model, layer, target)
        done += 1
        yield done, steps, _TITLES[name]
    return out


def _counted(work: Iterator, progress: Callable[[], tuple]) -> Iterator:
    """Run a sub-generator that yields None per unit, reporting ``progress()`` for each."""
    count = 0
    while True:
        try:
            next(work)
        except StopIteration as end:
            return end.value
        count += 1
        done, total, text = progress()
        yield done + count - 1, total, text


def _counterfactual(model, subject: Subject, p: dict, _target, layer, _data, _bundle, _chunker):
    if layer is None:
        return {"counterfactual_error": attribution.NO_SPATIAL, "layer": None, "cams": [], "cam_classes": []}
    probs = probabilities(subject.net, subject.x)[0]
    top = top_classes(probs, int(p.get("count", 3)))
    cams = []
    for i, (cls, _prob) in enumerate(top):
        cams.append(attribution.gradcam(subject, model, layer, cls))
        yield i + 1, len(top), f"Grad-CAM for {subject.name(cls)}"
    return {"layer": layer, "cams": np.stack(cams), "cam_classes": top}


def _occlusion(_model, subject: Subject, p: dict, target: int, _layer, _data, _bundle, chunker):
    patch, stride = int(p.get("patch", 4)), int(p.get("stride", 2))
    result = yield from _steps(occlusion.occlusion(subject, target, patch, stride, chunker), "Occlusion")
    return result | {"patch": patch, "stride": stride}


def _adversarial(_model, subject: Subject, p: dict, _target, _layer, _data, _bundle, _chunker):
    attack, eps = str(p.get("attack", "fgsm")).lower(), float(p.get("epsilon", 0.03))
    out = adversarial.example(subject, attack, eps)
    yield 1, 1, f"{attack.upper()} at ε = {eps:g}"
    if p.get("search"):
        most = 1.0 if subject.pixels else 10.0
        found, new = yield from _steps(adversarial.smallest_flip(subject, attack, most), "Searching ε")
        before = subject.name(out["predicted"])
        out |= {"smallest": found, "smallest_class": new,
                "sentence": adversarial.in_words(found, before, subject.name(new) if new is not None else None,
                                                 attack, most)}
    return out


def _maximise(model, subject: Subject, p: dict, _target, layer, data, bundle, chunker):
    if layer is None:
        raise ProbeError("preferred stimuli need a layer with channels of a spatial map (a "
                         "convolution); this design has none")
    channels = [int(c) for c in p.get("channels", range(8))]
    result = yield from _steps(maximise.maximise(subject, model, layer, channels,
                                                 int(p.get("steps", maximise.STEPS))), "Optimising")
    out = {"layer": layer, "channels": channels} | result
    if p.get("patches", True):
        found = samples_of(data if data is not None else bundle, "search for exciting patches", bundle)
        known = (p.get("fields") or {}).get(layer) or (None, None)  # from the design's analysis
        field, jump = p.get("field") or known[0], p.get("jump") or known[1]
        patches = yield from _steps(maximise.top_patches(model, found, layer, channels, field, jump, chunker),
                                    "Top patches")
        out |= patches
    return out


def _steps(work: Iterator, text: str) -> Iterator:
    """Pass on a generator's (done, total) yields with a label; its return value."""
    while True:
        try:
            done, total = next(work)
        except StopIteration as end:
            return end.value
        yield done, total, text


_TITLES = {"saliency": "saliency", "ig": "Integrated Gradients", "guided": "Guided Backprop",
           "gradcam": "Grad-CAM"}
_METHODS: dict[str, Callable] = {"attributions": _attributions, "counterfactual": _counterfactual,
                                 "occlusion": _occlusion, "adversarial": _adversarial, "maximise": _maximise}
