"""Probe requests: the validation samples they read, and the answer to each kind.

``compute`` turns a ProbeRequest into units of work (a generator) ending in its
ProbeResult: the hook runs the units between training steps within its budget, and
``run_request`` runs them all at once on a worker thread after training.
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

from .events import GALLERY, MAX_MAPS, PROBE_BATCH, ProbeError, ProbeRequest, ProbeResult
from .model import Chunker, capture_activations, device_of, filters, health_snapshot, inference


class Samples:
    """Validation samples as the model takes them and as people see them.

    ``data`` is a pair (x, y) of tensors the model takes as they are, or a DataBundle
    (unnormalised [0, 1] images that ``finish`` prepares). With a ``bundle`` (or bundle
    data) images show in their own colours; without one they are stretched to 0..1.
    """

    def __init__(self, data: Any, bundle: Any = None) -> None:
        self.prepared = isinstance(data, (tuple, list))
        self.bundle = bundle if self.prepared else data
        self.x, self.y = data if self.prepared else (data.val_x, data.val_y)

    def __len__(self) -> int:
        return 0 if self.x is None else len(self.x)

    def model_input(self, index):
        x = self.x[index]
        return x if self.prepared else self.bundle.finish(x)

    def labels(self, index) -> np.ndarray:
        y = self.y[index]
        return y.cpu().numpy() if hasattr(y, "cpu") else np.asarray(y)

    def display(self, index) -> np.ndarray:
        """Images [n, C, H, W] in 0..1 to show (an index list or a slice)."""
        if self.bundle is not None and self.bundle.is_image:
            return self.bundle.val_x[index].float().cpu().numpy().copy()
        return display_images(self.x[index])

    def fit_image(self, image: np.ndarray):
        """(model input [1, ...], display [C, H, W]) for an image in [0, 1], [C, H, W] or [H, W],
        converted to the samples' channels and size and normalised like the training data."""
        import torch

        from ..data.prepare import convert_channels, resize

        if self.bundle is None:
            raise ProbeError("an image file can be prepared only with the dataset's "
                             "normalisation: choose a dataset first, or pick a validation sample")
        shape = tuple(self.bundle.sample_shape)
        if len(shape) != 3:
            raise ProbeError(f"the data are vectors {list(shape)}, not images: pick a validation "
                             f"sample instead")
        values = np.asarray(image, np.float32)
        x = torch.as_tensor(values[None] if values.ndim == 2 else values)[None]
        x = resize(convert_channels(x, shape[0]), shape[1:]).clamp(0, 1)
        return self.bundle.finish(x), x[0].numpy().copy()


def samples_of(data: Any, what: str, bundle: Any = None) -> Samples:
    """The validation samples of ``data``; ProbeError saying what needed them if none."""
    found = Samples(data, bundle) if data is not None else None
    if found is None or len(found) == 0:
        raise ProbeError(f"there are no validation samples to {what}: choose a dataset first")
    return found


def display_images(x) -> np.ndarray:
    """Model inputs [N, C, H, W] stretched per image to 0..1 for showing (float32)."""
    values = x.float().cpu().numpy() if hasattr(x, "cpu") else np.asarray(x, np.float32)
    flat = values.reshape(len(values), -1)
    lo, hi = flat.min(axis=1), flat.max(axis=1)
    scale = np.where(hi > lo, hi - lo, 1.0)
    return ((flat - lo[:, None]) / scale[:, None]).reshape(values.shape).astype(np.float32)


def predict(model, samples: Samples, classes: int, chunker: Chunker | None = None) -> Iterator:
    """Predictions over the samples in chunks (sized by ``chunker``), yielding None after
    each; returns (``yield from``) the prediction_report."""
    import torch

    chunker = chunker or Chunker()
    preds, confs = [], []
    start = 0
    while start < len(samples):
        n = chunker.size()
        with chunker.timed(min(n, len(samples) - start)), inference(model):
            logits = model(samples.model_input(slice(start, start + n)).to(device_of(model))).float()
        conf, pred = torch.softmax(logits, 1).max(1)
        preds.append(pred.cpu().numpy())
        confs.append(conf.cpu().numpy())
        start += n
        yield None
    return prediction_report(np.concatenate(preds), np.concatenate(confs),
                             samples.labels(slice(None)), classes, samples)


def prediction_report(pred: np.ndarray, conf: np.ndarray, true: np.ndarray, classes: int,
                      samples: Samples) -> dict:
    """Confusion matrix [classes, classes] (rows: true, columns: predicted), per-class
    accuracy, and the misclassified samples, most confident first (indices, true, predicted,
    confidence, and the images of the first GALLERY)."""
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (true.astype(np.int64), pred.astype(np.int64)), 1)
    totals = confusion.sum(axis=1)
    per_class = np.where(totals > 0, np.diag(confusion) / np.maximum(totals, 1), np.nan)
    wrong = np.flatnonzero(pred != true)
    wrong = wrong[np.argsort(-conf[wrong], kind="stable")]
    shown = wrong[:GALLERY]
    return {"confusion": confusion, "per_class": per_class, "accuracy": float(np.mean(pred == true)),
            "wrong": wrong, "wrong_true": true[wrong], "wrong_pred": pred[wrong],
            "wrong_conf": conf[wrong],
            "gallery": samples.display(shown) if len(shown) else np.zeros((0, 1, 1, 1), np.float32)}


def _activations_input(params: dict, data, bundle):
    """(model input, display image, true label, sample index) of an activations request: a
    given image [C, H, W] in [0, 1] (label and index None), a validation sample by index, or
    the ``sample``-th one of class ``of_class``."""
    if params.get("image") is not None:
        source = data if data is not None else bundle
        if source is None:
            raise ProbeError("choose a dataset first: an image file is prepared like its images")
        model_x, shown = Samples(source, bundle).fit_image(params["image"])
        return model_x, shown, None, None
    found = samples_of(data, "show", bundle)
    index = int(params.get("sample", 0))
    if params.get("of_class") is not None:
        index = _index_of_class(found, int(params["of_class"]), index)
    if not 0 <= index < len(found):
        raise ProbeError(f"sample {index} does not exist: the validation set has {len(found)} "
                         f"samples (0 to {len(found) - 1})")
    return (found.model_input(slice(index, index + 1)), found.display([index])[0],
            int(found.labels(index)), index)


def _index_of_class(found: Samples, label: int, nth: int) -> int:
    """The index of the ``nth`` validation sample of class ``label`` (wrapping around)."""
    matches = np.flatnonzero(found.labels(slice(None)) == label)
    if not len(matches):
        raise ProbeError(f"the validation set has no sample of class {label}")
    return int(matches[nth % len(matches)])


def _augmentations(params: dict, bundle) -> dict:
    """The augmentation preview of the first ``count`` training images."""
    from ..augment import AugmentStep, augment_preview

    if bundle is None or not bundle.is_image:
        raise ProbeError("augmentations apply to image datasets: choose one first")
    source = bundle.train_x if len(bundle.train_x) else bundle.val_x
    steps = [AugmentStep.from_dict(s) if isinstance(s, dict) else s for s in params.get("steps", ())]
    grid = augment_preview(source[:int(params.get("count", 6))], steps,
                           int(params.get("draws", 5)), int(params.get("seed", 0)))
    return {"grid": grid, "steps": [s.name for s in steps]}


def compute(model, request: ProbeRequest, data: Any = None, classes: Sequence[str] = (),
            bundle: Any = None, chunker: Chunker | None = None) -> Iterator:
    """The units of work of ``request``; the last item is its ProbeResult. ProbeError for
    requests that cannot be served (the hook turns it into a result with ``error``).
    ``chunker`` sizes forward passes over many samples (during training, to the budget)."""
    p, kind, rid = request.params, request.kind, request.request_id
    if kind == "filters":
        yield ProbeResult(rid, kind, filters(model, p["node_id"]))
    elif kind == "activations":
        x, shown, label, index = _activations_input(p, data, bundle)
        ids = [p["node_id"]] if p.get("node_id") else None
        result = capture_activations(model, x, ids, int(p.get("max_maps", MAX_MAPS)),
                                     int(p.get("first_map", 0)))
        yield ProbeResult(rid, kind, result | {"input": shown, "label": label, "sample": index,
                                               "classes": tuple(classes)})
    elif kind == "predictions":
        found = samples_of(data, "evaluate", bundle)
        count = max(len(classes), int(found.labels(slice(None)).max()) + 1)
        report = yield from predict(model, found, count, chunker)
        yield ProbeResult(rid, kind, report | {"classes": tuple(classes)})
    elif kind == "health":
        found = samples_of(data, "probe the network's health with", bundle)
        part = slice(0, PROBE_BATCH)
        sample = health_snapshot(model, found.model_input(part), found.y[part])
        yield ProbeResult(rid, kind, sample.__dict__)
    elif kind == "augmentations":
        yield ProbeResult(rid, kind, _augmentations(p, bundle if bundle is not None else
                                                    (None if isinstance(data, (tuple, list)) else data)))
    elif kind == "explain":  # designer.training.explain: attributions, occlusion, adversarial, ...
        from ..explain import explain_work

        yield from explain_work(model, request, data, classes, bundle, chunker)


def run_request(model, request: ProbeRequest, data: Any = None, classes: Sequence[str] = (),
                bundle: Any = None, report=None) -> ProbeResult:
    """Serve ``request`` at once (after training, on a worker thread): the ProbeResult.
    ``data`` is a DataBundle or a pair (x, y) of prepared validation tensors; ``report``,
    if given, is called with every other event the work yields (progress)."""
    result = ProbeResult(request.request_id, request.kind, {}, -1, "nothing was computed")
    try:
        for item in compute(model, request, data, classes, bundle):
            if report is not None and item is not None and not isinstance(item, ProbeResult):
                report(item)
            result = item if isinstance(item, ProbeResult) else result
    except ProbeError as exc:
        result = ProbeResult(request.request_id, request.kind, {}, -1, str(exc))
    except (RuntimeError, ValueError) as exc:  # an image that does not fit, bad settings
        result = ProbeResult(request.request_id, request.kind, {}, -1, f"the probe failed: {exc}")
    return result
