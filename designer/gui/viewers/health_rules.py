"""Training health over time and the warnings read from it (pure numpy, no Qt, no torch).

``HealthHistory`` keeps the probes' HealthSamples as [layer, time] matrices for the heat
maps (thinned to every other sample when full, so a long run stays small). ``diagnose``
reads the latest samples and the first-loss check and says what looks wrong, each problem
with a fix to try.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

VANISHING_RATIO = 1e-3  # a layer's gradient this much smaller than the largest layer's
VANISHING_ABS = 1e-7  # every gradient below this: nothing learns
EXPLODING = 1e2  # a layer's gradient norm above this
DEAD = 0.5  # fraction of dead ReLU units worth a warning
GROWTH = 10.0  # weight norm grown this many times since the first sample


@dataclass(frozen=True)
class HealthWarning:
    """A problem seen in training health, and what to try."""

    problem: str
    fix: str
    layer: str = ""


class HealthHistory:
    """HealthSamples of one run, as [layer, time] matrices."""

    def __init__(self, max_samples: int = 512) -> None:
        self.max_samples = max_samples
        self.clear()

    def clear(self) -> None:
        self.layers: tuple[str, ...] = ()
        self.relu_layers: tuple[str, ...] = ()
        self._steps: list[int] = []
        self._grad: list[np.ndarray] = []
        self._weight: list[np.ndarray] = []
        self._dead: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self._steps)

    def add(self, sample) -> None:
        """Append a HealthSample (a new layer set starts the history afresh)."""
        if sample.layers != self.layers or (sample.relu_layers and sample.relu_layers != self.relu_layers):
            self.clear()
            self.layers, self.relu_layers = tuple(sample.layers), tuple(sample.relu_layers)
        self._steps.append(int(sample.step))
        self._grad.append(np.asarray(sample.grad_norm, np.float64))
        self._weight.append(np.asarray(sample.weight_norm, np.float64))
        dead = np.asarray(sample.dead_fraction, np.float64)
        self._dead.append(dead if dead.size == len(self.relu_layers) else np.full(len(self.relu_layers), np.nan))
        if len(self._steps) > self.max_samples:
            for buffer in (self._steps, self._grad, self._weight, self._dead):
                del buffer[1:-1:2]  # keep the first and the newest, thin the middle

    @property
    def steps(self) -> np.ndarray:
        return np.asarray(self._steps, np.int64)

    def matrix(self, name: str) -> np.ndarray:
        """[layers, samples] of "grad_norm", "weight_norm" or "dead_fraction"."""
        rows = {"grad_norm": (self._grad, self.layers), "weight_norm": (self._weight, self.layers),
                "dead_fraction": (self._dead, self.relu_layers)}[name]
        values, layers = rows
        if not values:
            return np.zeros((len(layers), 0))
        return np.stack(values, axis=1)


def log_gradients(grad: np.ndarray) -> np.ndarray:
    """log10 of gradient norms for the heat map; zero becomes -12, NaN stays NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(grad > 0, np.log10(np.maximum(grad, 1e-12)), np.where(grad == 0, -12.0, np.nan))


def diagnose(history: HealthHistory, loss_check=None) -> list[HealthWarning]:
    """Warnings about the latest health sample and the first loss, each with a fix."""
    found = _loss_warnings(loss_check)
    if not len(history):
        return found
    grad = history.matrix("grad_norm")[:, -1]
    found += _gradient_warnings(history.layers, grad)
    found += _dead_warnings(history.relu_layers, history.matrix("dead_fraction")[:, -1])
    weights = history.matrix("weight_norm")
    if weights.shape[1] > 1:
        found += _growth_warnings(history.layers, weights[:, 0], weights[:, -1])
    return found


def _loss_warnings(check) -> list[HealthWarning]:
    if check is None or check.ok:
        return []
    if not math.isfinite(check.loss):
        return [HealthWarning(f"The first loss is {check.loss}: the network produces NaN or "
                              f"infinite outputs before training.",
                              "Check the inputs for NaN values and normalise them; lower the "
                              "initial weights.")]
    if check.loss > check.expected:
        return [HealthWarning(
            f"The first loss is {check.loss:.3g}, far above ln({check.classes}) = "
            f"{check.expected:.3g} (the loss of a uniform guess): the untrained network is "
            f"confidently wrong.",
            "Normalise the inputs (mean 0, std 1), use the default (Kaiming) initialisation or "
            "smaller initial weights in the last layer, and make sure the last layer outputs "
            "logits (no Softmax before a cross-entropy loss).")]
    return [HealthWarning(
        f"The first loss is {check.loss:.3g}, far below ln({check.classes}) = {check.expected:.3g}: "
        f"the untrained network already predicts well, which is suspicious.",
        "Check that the labels do not leak into the inputs and that the validation data are not "
        "copies of the training data.")]


def _gradient_warnings(layers, grad: np.ndarray) -> list[HealthWarning]:
    if not np.isfinite(grad).all():
        bad = layers[int(np.flatnonzero(~np.isfinite(grad))[0])] if len(grad) else ""
        return [HealthWarning(f"Gradients are NaN or infinite in {bad}: training is diverging.",
                              "Lower the learning rate, add gradient clipping or batch "
                              "normalisation, and check the data for NaN values.", bad)]
    out = []
    top = float(grad.max()) if grad.size else 0.0
    if grad.size and top < VANISHING_ABS:
        out.append(HealthWarning(f"All gradients are below {VANISHING_ABS:g}: nothing is learning.",
                                 "Raise the learning rate, check that the loss depends on the "
                                 "outputs, and look for dead ReLUs."))
        return out
    for name, value in zip(layers, grad):
        if value > EXPLODING:
            out.append(HealthWarning(f"{name}: the gradient norm is {value:.3g} (exploding).",
                                     "Lower the learning rate, add gradient clipping or batch "
                                     "normalisation.", name))
        elif top > 0 and value < VANISHING_RATIO * top:
            out.append(HealthWarning(
                f"{name}: the gradient is {top / max(value, 1e-30):.0f}× smaller than the largest "
                f"layer's (vanishing): this layer hardly learns.",
                "Use ReLU instead of sigmoid/tanh, add batch normalisation or residual "
                "connections, and use He (Kaiming) initialisation.", name))
    return out


def _dead_warnings(layers, dead: np.ndarray) -> list[HealthWarning]:
    return [HealthWarning(f"{name}: {value:.0%} of the ReLU units output zero for every probe "
                          f"sample (dead units).",
                          "Lower the learning rate, use LeakyReLU, put batch normalisation "
                          "before the ReLU, or check the initialisation.", name)
            for name, value in zip(layers, dead) if np.isfinite(value) and value >= DEAD]


def _growth_warnings(layers, first: np.ndarray, last: np.ndarray) -> list[HealthWarning]:
    return [HealthWarning(f"{name}: the weight norm grew {b / a:.0f}× since the start "
                          f"({a:.3g} → {b:.3g}).",
                          "Add weight decay or lower the learning rate.", name)
            for name, a, b in zip(layers, first, last) if a > 0 and b / a >= GROWTH]
