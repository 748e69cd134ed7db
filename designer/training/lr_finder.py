"""The learning-rate range test: train briefly while the learning rate rises exponentially.

The loss first barely moves (rate too small), then falls fastest, then blows up (rate too
large). The suggestion is the rate where the smoothed loss falls fastest against log(lr),
before its minimum: a good starting rate for a run. The model is a fresh copy built from
the design (the same seed as a run), so a test never touches a trained model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..core.graph import Graph
from .config import TrainingConfig
from .control import Control
from .devices import cpu_threads
from .optim import set_lr
from .session import SetupError, setup


class LRRangeError(ValueError):
    """The test cannot run (bad design or data) or produced too few points to judge."""


@dataclass(frozen=True, eq=False)
class LRRangeResult:
    """The rates tried, the smoothed losses, and the suggested rate (NaN if none)."""

    lrs: np.ndarray = field(repr=False)
    losses: np.ndarray = field(repr=False)
    suggested_lr: float
    stopped_early: bool = False


def _rates(start: float, end: float, steps: int) -> np.ndarray:
    return start * (end / start) ** (np.arange(steps) / max(steps - 1, 1))


def suggest(lrs: np.ndarray, losses: np.ndarray) -> float:
    """The rate of steepest descent of ``losses`` against log10(lrs), before their minimum."""
    lrs, losses = np.asarray(lrs, float), np.asarray(losses, float)
    finite = np.isfinite(losses)
    lrs, losses = lrs[finite], losses[finite]
    if len(losses) < 5:
        return math.nan
    stop = int(np.argmin(losses)) + 1
    skip = max(1, stop // 10)  # the first points are noise around the initial loss
    if stop - skip < 3:
        return float(lrs[max(stop - 1, 0)] / 10)
    slope = np.gradient(losses[skip:stop], np.log10(lrs[skip:stop]))
    return float(lrs[skip + int(np.argmin(slope))])


def lr_range_test(graph: Graph, config: TrainingConfig | None = None, *, start_lr: float = 1e-7,
                  end_lr: float = 10.0, steps: int = 100, smoothing: float = 0.98,
                  diverge: float = 4.0, control: Control | None = None) -> LRRangeResult:
    """Run the test with ``config``'s data, batch size and optimiser; stops early once the
    smoothed loss exceeds ``diverge`` × its best, or when ``control`` asks."""
    if not 0 < start_lr < end_lr:
        raise LRRangeError(f"the rates must rise: start_lr {start_lr} must be below end_lr {end_lr}")
    # eager steps: a hundred of them would not repay torch.compile's first step
    config = (config or TrainingConfig.from_dict(graph.training)).updated(augment=(), compile="off")
    try:
        s = setup(graph.copy(), config)
    except SetupError as exc:
        raise LRRangeError(exc.message) from None
    with cpu_threads(s.device, config.threads):
        tried, smoothed, early = _sweep(s, _rates(start_lr, end_lr, steps), smoothing, diverge,
                                        control or Control())
    return _result(tried, smoothed, early)


def _sweep(s, rates: np.ndarray, smoothing: float, diverge: float, control: Control):
    """Step through ``rates``; (rates tried, smoothed losses, whether it diverged)."""
    tried, smoothed = [], []
    avg, best, epoch = 0.0, math.inf, 0
    s.model.train()
    while len(tried) < len(rates) and not control.stop_requested:
        for x, y in s.train.epoch(epoch):
            i = len(tried)
            if i >= len(rates) or control.stop_requested:
                break
            set_lr(s.optimizer, float(rates[i]))
            s.optimizer.zero_grad(set_to_none=True)
            loss = s.objective.loss(s.model(x), y)
            loss.backward()
            s.optimizer.step()
            value = float(loss.detach())
            avg = smoothing * avg + (1 - smoothing) * value
            debiased = avg / (1 - smoothing ** (i + 1))
            tried.append(rates[i])
            smoothed.append(debiased)
            best = min(best, debiased)
            if not math.isfinite(value) or debiased > diverge * best:
                return tried, smoothed, True
        epoch += 1
    return tried, smoothed, False


def _result(lrs: list, losses: list, early: bool) -> LRRangeResult:
    lrs_a, losses_a = np.asarray(lrs, float), np.asarray(losses, float)
    if len(lrs_a) < 5:
        raise LRRangeError(f"only {len(lrs_a)} steps ran before the loss diverged; lower start_lr")
    return LRRangeResult(lrs_a, losses_a, suggest(lrs_a, losses_a), early)
