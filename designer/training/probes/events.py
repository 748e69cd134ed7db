"""The probes' vocabulary: what the loop hands them and what they hand back.

Small, immutable, numpy and Python scalars only (``StepContext`` excepted: it holds the
model and stays on the training thread), so events may cross to the GUI thread.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The probes' share of training time. 8 %, so that with the bookkeeping around them (and
#: caches the probe passes disturb) a run slows down by less than 10 % on average.
BUDGET_FRACTION = 0.08
HEALTH_INTERVAL_S = 2.0
PROBE_BATCH = 64  # validation samples of the health probe's forward pass
PREDICT_CHUNK = 256  # validation samples per unit of a predictions request (no budget)
GALLERY = 48  # misclassified samples returned with their images
MAX_MAPS = 16  # feature maps per layer when every layer is captured
PARAM_TYPES = ("Conv1d", "Conv2d", "ConvTranspose2d", "Linear")
DEAD_TYPES = ("ReLU", "ReLU6")
REQUEST_KINDS = ("filters", "activations", "predictions", "health", "augmentations", "explain")


class ProbeError(ValueError):
    """A request that cannot be served (unknown node, a layer without filters, no data)."""


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
