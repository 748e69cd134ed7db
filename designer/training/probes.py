"""Probes: look inside a network, on the thread that owns its model, within a time budget.

Two ways in, one set of computations:

* During training the loop calls ``hook.after_step(StepContext(...))`` after each optimiser
  step and yields the events it returns. The hook samples training health every few seconds
  and serves requests that any thread queued with ``hook.submit(ProbeRequest(...))``
  (filters, activation maps, predictions). A ``Budget`` keeps the probes' average cost under
  a fraction (10 %) of the training time: work runs only while it has credit.
* After training, ``run_request(model, request, data)`` computes the same answer on a
  short-lived worker thread from a model loaded from a checkpoint.

Forward hooks are installed for one probe pass and removed afterwards, even on error. Only
numpy arrays and Python scalars leave this module. Torch is imported inside functions, so the
GUI may import the event classes without loading torch.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import numpy as np

#: Cap on the average share of training time spent in probes.
BUDGET_FRACTION = 0.10
HEALTH_INTERVAL_S = 2.0
PROBE_BATCH = 64  # validation samples of the health probe's forward pass
PREDICT_CHUNK = 256  # validation samples per unit of work of a predictions request
GALLERY = 48  # misclassified samples returned with their images
MAX_MAPS = 16  # feature maps per layer when every layer is captured
PARAM_TYPES = ("Conv1d", "Conv2d", "ConvTranspose2d", "Linear")
DEAD_TYPES = ("ReLU", "ReLU6")


class ProbeError(ValueError):
    """A request that cannot be served (unknown node, a layer without filters, no data)."""


# ----------------------------------------------------------------------------- events
@dataclass(frozen=True)
class StepContext:
    """What the loop hands the probes after an optimiser step, on its own thread.

    ``model`` is the module being trained (a compiled GraphModule with ``design_names``);
    its parameters still hold this step's gradients. ``epoch`` is 1-based, as in
    StepMetrics. ``loss`` may be a float or a 0-d tensor (read only at the first step).
    ``data`` gives validation samples: a pair (x, y) of tensors already prepared for the
    model, or a DataBundle. ``grad_scale`` undoes a GradScaler's scaling of the gradients
    (1.0 without mixed precision). ``bundle``, the run's DataBundle, lets probes show samples
    in their own colours and prepare an image file like the training data.
    """

    model: Any
    step: int
    epoch: int
    loss: Any
    data: Any = None
    classes: tuple[str, ...] = ()
    grad_scale: float = 1.0
    bundle: Any = None


@dataclass(frozen=True)
class LossCheck:
    """The first step's loss next to ln(classes), the loss of a uniform guess."""

    loss: float
    expected: float
    classes: int

    @property
    def ok(self) -> bool:
        return abs(self.loss - self.expected) <= max(0.5, 0.25 * self.expected)


@dataclass(frozen=True, eq=False)
class HealthSample:
    """Per-layer health at one step: gradient and weight norms of the layers with weights
    (``layers``), and the fraction of units that are zero for every probe sample (dead) in
    each ReLU layer (``relu_layers``)."""

    step: int
    epoch: int
    layers: tuple[str, ...]
    grad_norm: np.ndarray = field(repr=False)
    weight_norm: np.ndarray = field(repr=False)
    relu_layers: tuple[str, ...] = ()
    dead_fraction: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)


@dataclass(frozen=True)
class ProbeRequest:
    """Something to compute on the model: ``kind`` is one of REQUEST_KINDS; ``params`` are
    plain values (node ids, sample indices, a numpy image). Requests with the same ``key``
    replace each other while queued, so a view polling every few seconds never piles up."""

    kind: str
    params: dict = field(default_factory=dict)
    request_id: int = field(default_factory=lambda: next(_IDS))

    @property
    def key(self) -> tuple:
        return (self.kind, self.params.get("node_id"), self.params.get("tag"))


_IDS = itertools.count(1)


@dataclass(frozen=True, eq=False)
class ProbeResult:
    """The answer to a request: numpy arrays and scalars in ``data``, or an ``error`` text."""

    request_id: int
    kind: str
    data: dict = field(default_factory=dict, repr=False)
    step: int = -1  # training step it was computed at; -1 after training
    error: str = ""


# ----------------------------------------------------------------------------- budget
class Budget:
    """Credit-based pacing: every second of training earns ``fraction`` s of probe time,
    capped at ``burst_s``; work runs while the credit is positive and is charged its cost,
    so the long-run probe time stays under ``fraction`` of the training time."""

    def __init__(self, fraction: float = BUDGET_FRACTION, burst_s: float = 0.5) -> None:
        self.fraction, self.burst_s = fraction, burst_s
        self.credit = 0.0
        self.train_s = self.probe_s = 0.0
        self._mark: float | None = None

    def start(self) -> None:
        """Account the training time since the probes last returned."""
        now = time.perf_counter()
        if self._mark is not None:
            elapsed = now - self._mark
            self.train_s += elapsed
            self.credit = min(self.credit + self.fraction * elapsed, self.burst_s)

    def spend(self, seconds: float) -> None:
        self.credit -= seconds
        self.probe_s += seconds

    def stop(self) -> None:
        self._mark = time.perf_counter()

    @property
    def overhead(self) -> float:
        """Probe time as a fraction of training time so far."""
        return self.probe_s / self.train_s if self.train_s else 0.0


# ----------------------------------------------------------------------------- hook
class Probe:
    """What the loop calls: ``after_step`` returns the events to yield (may be empty)."""

    def after_step(self, ctx: StepContext) -> list:
        return []


class ProbeHook(Probe):
    """The standard probe: first-loss check, periodic health, and queued requests, paced by
    a Budget. ``submit`` is thread-safe; everything else runs on the loop's thread."""

    def __init__(self, fraction: float = BUDGET_FRACTION, health_interval_s: float = HEALTH_INTERVAL_S,
                 health: bool = True) -> None:
        self.budget = Budget(fraction)
        self.health_interval_s = health_interval_s
        self.health = health
        self._lock = threading.Lock()
        self._queued: OrderedDict[tuple, ProbeRequest] = OrderedDict()
        self._work: list[Iterator] = []
        self._last_health = -math.inf
        self._checked_loss = False

    def submit(self, request: ProbeRequest) -> None:
        """Queue ``request`` (from any thread); it replaces a queued one with the same key."""
        if request.kind not in REQUEST_KINDS:
            raise ProbeError(f"unknown probe request {request.kind!r}; choose one of {', '.join(REQUEST_KINDS)}")
        with self._lock:
            self._queued.pop(request.key, None)
            self._queued[request.key] = request

    def after_step(self, ctx: StepContext) -> list:
        self.budget.start()
        events: list = []
        if not self._checked_loss:
            self._checked_loss = True
            check = loss_check(ctx.loss, len(ctx.classes))
            events += [check] if check else []
        self._schedule(ctx)
        while self._work and self.budget.credit > 0:
            began = time.perf_counter()
            events += self._run_unit()
            self.budget.spend(time.perf_counter() - began)
        self.budget.stop()
        return events

    def _schedule(self, ctx: StepContext) -> None:
        now = time.perf_counter()
        due = now - self._last_health >= self.health_interval_s
        if self.health and due and not self._work and self.budget.credit > 0:
            self._last_health = now
            self._work.append(_health_work(ctx))
        with self._lock:
            requests, self._queued = list(self._queued.values()), OrderedDict()
        self._work += [_request_work(ctx, r) for r in requests]

    def _run_unit(self) -> list:
        work = self._work[0]
        try:
            event = next(work)
        except StopIteration:
            self._work.pop(0)
            return []
        except Exception:  # noqa: BLE001 - a failing probe must never end the run
            self._work.pop(0)
            self.health = False  # only the health work raises: requests report their errors
            return []
        return [event] if event is not None else []


def loss_check(loss: Any, classes: int) -> LossCheck | None:
    """The first-loss check for a classifier with ``classes`` classes (None otherwise)."""
    if classes < 2:
        return None
    value = float(loss.detach().float().item() if hasattr(loss, "detach") else loss)
    return LossCheck(value, math.log(classes), classes)


def _health_work(ctx: StepContext) -> Iterator:
    """Gradient norms now (this step's gradients), then a probe forward for dead units."""
    grads = gradient_norms(ctx.model, ctx.grad_scale)
    yield None
    probe = Samples(ctx.data, ctx.bundle) if ctx.data is not None else None
    x = probe.model_input(slice(0, PROBE_BATCH)) if probe is not None and len(probe) else None
    relus, dead = dead_units(ctx.model, x) if x is not None else ((), np.zeros(0))
    layers = tuple(grads)
    weights = weight_norms(ctx.model)
    yield HealthSample(ctx.step, ctx.epoch, layers, np.array([grads[n] for n in layers]),
                       np.array([weights[n] for n in layers]), relus, dead)


def _request_work(ctx: StepContext, request: ProbeRequest) -> Iterator:
    try:
        for item in compute(ctx.model, request, ctx.data, ctx.classes, ctx.bundle):
            if isinstance(item, ProbeResult):
                item = ProbeResult(item.request_id, item.kind, item.data, ctx.step, item.error)
            yield item
    except ProbeError as exc:
        yield ProbeResult(request.request_id, request.kind, {}, ctx.step, str(exc))
    except Exception as exc:  # noqa: BLE001 - a failing probe must never end the run
        yield ProbeResult(request.request_id, request.kind, {}, ctx.step, f"the probe failed: {exc}")


# ----------------------------------------------------------------------------- model access
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


def _device(model):
    import torch

    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


@contextmanager
def _inference(model):
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


def dead_units(model, x) -> tuple[tuple[str, ...], np.ndarray]:
    """(ReLU node ids, fraction of their units that output 0 for every sample of ``x``).
    A unit is a channel of a feature map, or one feature of a vector."""
    relus = {nid: m for nid, m in node_modules(model).items() if _type_name(m) in DEAD_TYPES}
    alive: dict[str, Any] = {}

    def record(nid, out):
        active = (out > 0).reshape(out.shape[0], out.shape[1], -1).any(dim=2).any(dim=0)
        alive[nid] = float(active.float().mean())

    with _inference(model), forward_hooks(relus, record):
        model(x.to(_device(model)))
    ids = tuple(n for n in relus if n in alive)
    return ids, np.array([1.0 - alive[n] for n in ids])


def health_snapshot(model, x, y) -> HealthSample:
    """Health of a model outside training (from a checkpoint): gradients of the loss on
    (x, y) in eval mode, weight norms and dead units. The gradients are cleared afterwards."""
    import torch

    was_training = model.training
    model.eval()
    try:
        model.zero_grad(set_to_none=True)
        logits = model(x.to(_device(model)))
        torch.nn.functional.cross_entropy(logits.float(), y.to(logits.device)).backward()
        grads, weights = gradient_norms(model), weight_norms(model)
    finally:
        model.zero_grad(set_to_none=True)
        model.train(was_training)
    relus, dead = dead_units(model, x)
    layers = tuple(grads)
    return HealthSample(-1, -1, layers, np.array([grads[n] for n in layers]),
                        np.array([weights[n] for n in layers]), relus, dead)


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

        from .data.prepare import convert_channels, resize

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


# ----------------------------------------------------------------------------- requests
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

    Vectors (a Linear layer's output) are kept whole. Returns
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
            kept = sample[first_map:first_map + max_maps] if sample.dim() > 1 else sample
            maps[nid] = kept.float().cpu().numpy().copy()

    with _inference(model), forward_hooks(modules, record):
        output = model(x.to(_device(model)))
    logits = output[0].float().cpu()
    result = {"maps": maps, "channels": channels, "output": logits.numpy().copy()}
    if logits.dim() == 1 and logits.numel() > 1:
        result["probabilities"] = torch.softmax(logits, 0).numpy().copy()
    return result


def display_images(x) -> np.ndarray:
    """Model inputs [N, C, H, W] stretched per image to 0..1 for showing (float32)."""
    values = x.float().cpu().numpy() if hasattr(x, "cpu") else np.asarray(x, np.float32)
    flat = values.reshape(len(values), -1)
    lo, hi = flat.min(axis=1), flat.max(axis=1)
    scale = np.where(hi > lo, hi - lo, 1.0)
    return ((flat - lo[:, None]) / scale[:, None]).reshape(values.shape).astype(np.float32)


def predict(model, samples: Samples, classes: int, chunk: int = PREDICT_CHUNK) -> Iterator:
    """Predictions over the samples, yielding None after each chunk; returns (``yield from``)
    the prediction_report."""
    import torch

    preds, confs = [], []
    for start in range(0, len(samples), chunk):
        with _inference(model):
            logits = model(samples.model_input(slice(start, start + chunk)).to(_device(model))).float()
        conf, pred = torch.softmax(logits, 1).max(1)
        preds.append(pred.cpu().numpy())
        confs.append(conf.cpu().numpy())
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
    from .augment import AugmentStep, augment_preview

    if bundle is None or not bundle.is_image:
        raise ProbeError("augmentations apply to image datasets: choose one first")
    source = bundle.train_x if len(bundle.train_x) else bundle.val_x
    steps = [AugmentStep.from_dict(s) if isinstance(s, dict) else s for s in params.get("steps", ())]
    grid = augment_preview(source[:int(params.get("count", 6))], steps,
                           int(params.get("draws", 5)), int(params.get("seed", 0)))
    return {"grid": grid, "steps": [s.name for s in steps]}


def compute(model, request: ProbeRequest, data: Any = None, classes: Sequence[str] = (),
            bundle: Any = None) -> Iterator:
    """The units of work of ``request``; the last item is its ProbeResult. ProbeError for
    requests that cannot be served (the hook turns it into a result with ``error``)."""
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
        report = yield from predict(model, found, count)
        yield ProbeResult(rid, kind, report | {"classes": tuple(classes)})
    elif kind == "health":
        found = samples_of(data, "probe the network's health with", bundle)
        part = slice(0, PROBE_BATCH)
        sample = health_snapshot(model, found.model_input(part), found.y[part])
        yield ProbeResult(rid, kind, sample.__dict__)
    elif kind == "augmentations":
        yield ProbeResult(rid, kind, _augmentations(p, bundle if bundle is not None else
                                                    (None if isinstance(data, (tuple, list)) else data)))


REQUEST_KINDS = ("filters", "activations", "predictions", "health", "augmentations")


def run_request(model, request: ProbeRequest, data: Any = None, classes: Sequence[str] = (),
                bundle: Any = None) -> ProbeResult:
    """Serve ``request`` at once (after training, on a worker thread): the ProbeResult.
    ``data`` is a DataBundle or a pair (x, y) of prepared validation tensors."""
    result = ProbeResult(request.request_id, request.kind, {}, -1, "nothing was computed")
    try:
        for item in compute(model, request, data, classes, bundle):
            result = item if isinstance(item, ProbeResult) else result
    except ProbeError as exc:
        result = ProbeResult(request.request_id, request.kind, {}, -1, str(exc))
    except (RuntimeError, ValueError) as exc:  # an image that does not fit, bad settings
        result = ProbeResult(request.request_id, request.kind, {}, -1, f"the probe failed: {exc}")
    return result
