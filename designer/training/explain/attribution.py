"""Attribution maps with Captum: which input values the class score depends on.

* saliency — the gradient of the class score, largest magnitude over the colour channels
  (Simonyan et al. 2014);
* Integrated Gradients — the gradient averaged along the straight path from a black image,
  times the difference from it (Sundararajan et al. 2017). Its attributions add up to
  f(x) − f(black) (completeness); the convergence delta is how far they miss;
* Guided Backprop — the gradient with negative signals stopped at every ReLU on the way back
  (Springenberg et al. 2015);
* Grad-CAM — a layer's maps weighted by the mean gradient of the class score on them,
  rectified and upsampled to the input (Selvaraju et al. 2017).

Maps are [H, W] for images (channels combined as each method's paper does) and [F] for
vectors. Integrated Gradients runs in path segments so that a long one can be paced between
training steps and cancelled; the segments' attributions add up to the whole path's exactly.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..probes.events import ProbeError
from ..probes.model import node_modules
from .subject import Subject, spatial_layers

IG_STEPS = 48  # Gauss–Legendre points along the path, over all segments
IG_SEGMENTS = 8  # units of work (progress, pacing, cancel), 6 points each

NO_SPATIAL = ("Grad-CAM needs a layer with a spatial map (a convolution or pooling output of "
              "more than 1×1); this design has none (an MLP sees its input as one vector), so "
              "there is nowhere in the image for a class activation map to point")


def _map(attr, reduce: str) -> np.ndarray:
    """[1, C, H, W] → [H, W] ('sum' of channels or 'absmax'); [1, F] → [F]."""
    values = attr.detach()[0].float().cpu()
    if values.dim() == 3:
        values = values.abs().amax(0) if reduce == "absmax" else values.sum(0)
    elif reduce == "absmax":
        values = values.abs()
    return values.numpy().astype(np.float32).copy()


def saliency(subject: Subject, target: int) -> np.ndarray:
    """|∂ score / ∂ input|, the largest over colour channels."""
    from captum.attr import Saliency

    return _map(Saliency(subject.net).attribute(_leaf(subject.x), target=target, abs=True), "absmax")


def guided_backprop(subject: Subject, target: int) -> np.ndarray:
    """Guided Backprop, summed over colour channels (signed)."""
    import warnings

    from captum.attr import GuidedBackprop

    with warnings.catch_warnings():  # "Setting backward hooks on ReLU activations": that is the method
        warnings.filterwarnings("ignore", "Setting backward hooks", UserWarning)
        return _map(GuidedBackprop(subject.net).attribute(_leaf(subject.x), target=target), "sum")


def _leaf(x):
    """A copy of ``x`` that requires gradients (Captum warns when it has to set that itself)."""
    return x.detach().clone().requires_grad_(True)


def integrated_gradients(subject: Subject, target: int, steps: int = IG_STEPS,
                         segments: int = IG_SEGMENTS) -> Iterator:
    """Integrated Gradients from a black (all-zero) baseline, one path segment per unit
    (yields None after each). Returns (``yield from``) a dict: ``map`` (channels summed),
    ``total`` (sum of attributions), ``gap`` (f(x) − f(baseline)) and ``delta`` (total − gap)."""
    import torch
    from captum.attr import IntegratedGradients

    ig = IntegratedGradients(subject.net)
    x = subject.x
    baseline = torch.zeros_like(x)
    cuts = np.linspace(0.0, 1.0, segments + 1)
    total = torch.zeros_like(x)
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        attr = ig.attribute(baseline + float(hi) * (x - baseline), baselines=baseline + float(lo) * (x - baseline),
                            target=target, n_steps=max(2, steps // segments))
        total = total + attr.detach()
        yield None
    with torch.no_grad():
        gap = float(subject.net(x)[0, target] - subject.net(baseline)[0, target])
    summed = float(total.sum())
    return {"map": _map(total, "sum"), "total": summed, "gap": gap, "delta": summed - gap}


def default_layer(subject: Subject, model) -> tuple[str | None, list[str]]:
    """(Grad-CAM's default layer, every layer with a spatial map in order): the last layer
    with a spatial map (after the last convolution's activation and pooling, where the maps
    are the evidence the classifier reads), else None."""
    layers = spatial_layers(model, subject.net, subject.x)
    return (layers[-1] if layers else None), layers


def last_convolution(model, layers: list[str]) -> str | None:
    """The last of ``layers`` that is a convolution (its channels are filters), or None."""
    modules = node_modules(model)
    convs = [n for n in layers if type(modules.get(n)).__name__.startswith("Conv")]
    return convs[-1] if convs else None


def gradcam(subject: Subject, model, layer: str, target: int) -> np.ndarray:
    """Grad-CAM of ``target`` at layer ``layer`` (node id), upsampled to the input [H, W] and
    rectified (only evidence for the class)."""
    from captum.attr import LayerAttribution, LayerGradCam

    module = node_modules(model).get(layer)
    if module is None:
        raise ProbeError(f"the model has no layer {layer!r}: choose one of its convolution layers")
    cam = LayerGradCam(subject.net, module).attribute(_leaf(subject.x), target=target, relu_attributions=True)
    if cam.dim() != 4:
        raise ProbeError(f"{layer} gives no spatial map (its output is {tuple(cam.shape[1:])}): "
                         f"choose a convolution layer")
    up = LayerAttribution.interpolate(cam.detach(), tuple(subject.x.shape[-2:]), "bilinear")
    return up[0, 0].float().cpu().numpy().copy()


def share_at(attr_map: np.ndarray, where: tuple[int, ...]) -> float:
    """The fraction of a map's total |attribution| at one position (tests, reports)."""
    values = np.abs(np.asarray(attr_map, np.float64))
    total = values.sum()
    return float(values[where] / total) if total > 0 else 0.0
