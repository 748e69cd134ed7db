"""Reading a compiled model: its layers by node id, forward hooks, norms, dead units,
filters and feature maps. Torch is imported inside the functions.

Forward hooks live only for one probe pass and are removed afterwards, even on error; the
model's train/eval mode is restored after every pass.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .events import DEAD_TYPES, MAX_MAPS, PARAM_TYPES, PREDICT_CHUNK, HealthSample, ProbeError


class Chunker:
    """Sizes the chunks of a probe's forward passes so that each takes about ``target_s()``
    seconds, from the cost per sample measured on the previous chunk. Without a target
    (after training, nothing to pace) chunks are ``most`` samples."""

    def __init__(self, target_s: Callable[[], float] | None = None, first: int = 2,
                 most: int = PREDICT_CHUNK) -> None:
        self._target, self._first, self._most = target_s, first, most
        self._per_sample: float | None = None

    def size(self) -> int:
        if self._target is None:
            return self._most
        if self._per_sample is None:
            return self._first
        return int(max(1, min(self._most, self._target() / max(self._per_sample, 1e-9))))

    @contextmanager
    def timed(self, samples: int) -> Iterator[None]:
        began = time.perf_counter()
        yield
        self._per_sample = (time.perf_counter() - began) / max(samples, 1)


def node_modules(model) -> dict[str, Any]:
    """Node id -> the torch module that runs it (layers only; merges have no module)."""
    names = getattr(model, "design_names", None) or {}
    modules = dict(model.named_children())
    return {nid: modules[attr] for nid, attr in names.items() if attr in modules}


def _module(model, node_id: str):
    module = node_modules(model).get(node_id)
    if module is None:
        raise ProbeError(f"the model has no layer {node_id!r}: select a layer of the trained design")
    return module


def device_of(model):
    import torch

    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


@contextmanager
def inference(model):
    """Eval mode and no gradients for a probe pass; the previous mode comes back after."""
    import torch

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


@contextmanager
def forward_hooks(modules: dict[str, Any], record) -> Iterator[None]:
    """Call ``record(node_id, output)`` for each module's forward; hooks go away on exit."""
    handles = []
    try:
        for nid, module in modules.items():
            handles.append(module.register_forward_hook(
                lambda _m, _args, out, nid=nid: record(nid, out)))
        yield
    finally:
        for handle in handles:
            handle.remove()


def _type_name(module) -> str:
    return type(module).__name__


def gradient_norms(model, grad_scale: float = 1.0) -> dict[str, float]:
    """L2 norm of each weight layer's gradient (weights and bias together); NaN if none."""
    out = {}
    for nid, module in node_modules(model).items():
        if _type_name(module) in PARAM_TYPES:
            grads = [p.grad for p in module.parameters() if p.grad is not None]
            norm = float(sum(float(g.float().pow(2).sum()) for g in grads) ** 0.5) if grads else math.nan
            out[nid] = norm / grad_scale
    return out


def weight_norms(model) -> dict[str, float]:
    """L2 norm of each weight layer's weight tensor."""
    return {nid: float(m.weight.detach().float().norm())
            for nid, m in node_modules(model).items() if _type_name(m) in PARAM_TYPES}


def dead_units(model, x, chunker: Chunker | None = None) -> Iterator:
    """Fraction of the units of each ReLU layer that output 0 for every sample of ``x``
    (a unit: a channel of a feature map, or one feature of a vector). Yields None after
    each chunk of samples; returns (``yield from``) (ReLU node ids, fractions)."""
    relus = {nid: m for nid, m in node_modules(model).items() if _type_name(m) in DEAD_TYPES}
    alive: dict[str, Any] = {}

    def record(nid, out):
        active = (out > 0).reshape(out.shape[0], out.shape[1], -1).any(dim=2).any(dim=0)
        alive[nid] = active if nid not in alive else alive[nid] | active

    chunker = chunker or Chunker()
    start = 0
    while start < len(x) and relus:
        n = chunker.size()
        with chunker.timed(min(n, len(x) - start)), inference(model), forward_hooks(relus, record):
            model(x[start:start + n].to(device_of(model)))
        start += n
        yield None
    ids = tuple(n for n in relus if n in alive)
    return ids, np.array([1.0 - float(alive[n].float().mean()) for n in ids])


def run_all(work: Iterator):
    """Run a generator of probe work to its end; its return value."""
    while True:
        try:
            next(work)
        except StopIteration as done:
            return done.value


def health_snapshot(model, x, y) -> HealthSample:
    """Health of a model outside training (from a checkpoint): gradients of the loss on
    (x, y) in eval mode, weight norms and dead units. The gradients are cleared afterwards."""
    import torch

    was_training = model.training
    model.eval()
    try:
        model.zero_grad(set_to_none=True)
        logits = model(x.to(device_of(model)))
        torch.nn.functional.cross_entropy(logits.float(), y.to(logits.device)).backward()
        grads, weights = gradient_norms(model), weight_norms(model)
    finally:
        model.zero_grad(set_to_none=True)
        model.train(was_training)
    relus, dead = run_all(dead_units(model, x))
    layers = tuple(grads)
    return HealthSample(-1, -1, layers, np.array([grads[n] for n in layers]),
                        np.array([weights[n] for n in layers]), relus, dead)


def filters(model, node_id: str) -> dict:
    """The kernels of a convolution: weight [out, in, kh, kw] (and bias) as float32 numpy."""
    module = _module(model, node_id)
    weight = getattr(module, "weight", None)
    if weight is None or weight.dim() < 3:
        raise ProbeError(f"{node_id} ({_type_name(module)}) has no convolution filters: select a "
                         f"convolution layer")
    out = {"node_id": node_id, "weight": weight.detach().float().cpu().numpy().copy()}
    if getattr(module, "bias", None) is not None:
        out["bias"] = module.bias.detach().float().cpu().numpy().copy()
    return out


def capture_activations(model, x, node_ids: Sequence[str] | None = None, max_maps: int = MAX_MAPS,
                        first_map: int = 0) -> dict:
    """Feature maps of one input ``x`` [1, ...] at each layer (all layers when ``node_ids`` is
    None), channels [first_map, first_map + max_maps), plus the model's output and softmax.

    Vectors (a Linear layer's output, or 1×1 maps after global pooling) are kept whole.
    Returns
    {"maps": {node_id: float32 [k, H, W] or [features]}, "channels": {node_id: total},
    "output": logits, "probabilities": softmax (classifiers)}.
    """
    import torch

    modules = node_modules(model)
    if node_ids is not None:
        missing = [n for n in node_ids if n not in modules]
        if missing:
            raise ProbeError(f"the model has no layer {missing[0]!r} to capture")
        modules = {n: modules[n] for n in node_ids}
    maps: dict[str, np.ndarray] = {}
    channels: dict[str, int] = {}

    def record(nid, out):
        if isinstance(out, torch.Tensor) and out.dim() >= 2:
            sample = out[0]
            channels[nid] = int(sample.shape[0])
            spatial = sample.dim() > 1 and sample[0].numel() > 1  # 1×1 maps are a vector
            kept = sample[first_map:first_map + max_maps] if spatial else sample
            maps[nid] = kept.float().cpu().numpy().copy()

    with inference(model), forward_hooks(modules, record):
        output = model(x.to(device_of(model)))
    logits = output[0].float().cpu()
    result = {"maps": maps, "channels": channels, "output": logits.numpy().copy()}
    if logits.dim() == 1 and logits.numel() > 1:
        result["probabilities"] = torch.softmax(logits, 0).numpy().copy()
    return result
