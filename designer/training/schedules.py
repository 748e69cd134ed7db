"""Learning-rate schedules as pure arithmetic (no torch), shared by the loop and the preview plot.

Time ``t`` counts epochs (fractional: step / steps_per_epoch), from the end of the warm-up:

- constant      α₀
- time          α₀ / (1 + k·t)
- exponential   α₀ · e^(−k·t)
- step          α₀ · γ^⌊t / step_size⌋
- cosine        α_min + (α₀ − α_min) · (1 + cos(π · t / T)) / 2, T = epochs − warm-up

A warm-up of W epochs rises linearly to α₀ over its steps: α₀ · (s + 1) / (W · steps_per_epoch).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

SCHEDULES: dict[str, str] = {
    "constant": "the same learning rate throughout",
    "time": "time decay: α₀ / (1 + k·t)",
    "exponential": "exponential decay: α₀ · e^(−k·t)",
    "step": "multiply by γ every step_size epochs",
    "cosine": "cosine annealing from α₀ down to min_lr at the last epoch",
}


class ScheduleError(ValueError):
    """A schedule setting out of range; the message says which and what is allowed."""


@dataclass(frozen=True)
class Schedule:
    """Which schedule, and its settings (unused ones are ignored by the other schedules)."""

    name: str = "constant"
    k: float = 0.1
    step_size: float = 10.0
    gamma: float = 0.1
    min_lr: float = 0.0
    warmup_epochs: float = 0.0

    def __post_init__(self) -> None:
        if self.name not in SCHEDULES:
            raise ScheduleError(f"unknown schedule {self.name!r}; choose one of {', '.join(SCHEDULES)}")
        _check(self.k >= 0, "k (decay rate) must be 0 or more", self.k)
        _check(self.step_size > 0, "step_size must be more than 0 epochs", self.step_size)
        _check(0 < self.gamma <= 1, "gamma must be in (0, 1]", self.gamma)
        _check(self.min_lr >= 0, "min_lr must be 0 or more", self.min_lr)
        _check(self.warmup_epochs >= 0, "warmup_epochs must be 0 or more", self.warmup_epochs)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Schedule":
        if not isinstance(data, dict):
            raise ScheduleError(f"a schedule is an object like {{'name': 'cosine'}}, got {data!r}")
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ScheduleError(f"unknown key {unknown[0]!r} in the schedule (allowed: "
                                f"{', '.join(sorted(allowed))})")
        values = {k: (v if k == "name" else _number(k, v)) for k, v in data.items()}
        return cls(**values)


def _number(key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ScheduleError(f"schedule {key} must be a finite number, got {value!r}")
    return float(value)


def _check(ok: bool, message: str, value) -> None:
    if not ok:
        raise ScheduleError(f"{message}, got {value!r}")


def warmup_steps(schedule: Schedule, steps_per_epoch: int) -> int:
    return int(round(schedule.warmup_epochs * steps_per_epoch))


def lr_at(schedule: Schedule, lr0: float, step: int, steps_per_epoch: int, epochs: float) -> float:
    """The learning rate of optimiser step ``step`` (0-based) of a run of ``epochs`` epochs."""
    steps_per_epoch = max(1, int(steps_per_epoch))
    warm = warmup_steps(schedule, steps_per_epoch)
    if step < warm:
        return lr0 * (step + 1) / warm
    t = (step - warm) / steps_per_epoch
    name = schedule.name
    if name == "time":
        return lr0 / (1.0 + schedule.k * t)
    if name == "exponential":
        return lr0 * math.exp(-schedule.k * t)
    if name == "step":
        return lr0 * schedule.gamma ** math.floor(t / schedule.step_size + 1e-9)
    if name == "cosine":
        span = max(epochs - warm / steps_per_epoch, 1e-12)
        cos = (1.0 + math.cos(math.pi * min(t / span, 1.0))) / 2.0
        return schedule.min_lr + (lr0 - schedule.min_lr) * cos
    return lr0


def schedule_values(schedule: Schedule, lr0: float, epochs: int, steps_per_epoch: int = 1) -> list[float]:
    """Every step's learning rate for a preview plot (one value per epoch by default)."""
    total = max(0, int(epochs)) * max(1, int(steps_per_epoch))
    return [lr_at(schedule, lr0, s, steps_per_epoch, epochs) for s in range(total)]
