"""Progress of a run in words and as a fraction: epoch, step, ETA and samples/s.

The ETA divides the steps left by the run's own pace in wall-clock time (validation and
checkpoint writing included, pauses left out), measured since it started or resumed.
Pure Python: the panel shows ``text`` and ``fraction``.
"""

from __future__ import annotations

import math
import time

from ...training.events import EpochMetrics, RunStarted, StepMetrics


def duration(seconds: float) -> str:
    """3:07, 1:02:03, or "?" when unknown."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Follows one run's events; ``clock`` is injectable for tests."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.epochs = self.steps_per_epoch = self.step = self.epoch = self.batch = 0
        self.rate = 0.0
        self._first_step = 0
        self._active_s = 0.0
        self._since: float | None = None

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch

    def started(self, event: RunStarted) -> None:
        self.epochs, self.steps_per_epoch = event.epochs, event.steps_per_epoch
        self.step = self._first_step = event.start_step
        self.epoch = event.start_epoch + 1
        self.batch = event.start_step - event.start_epoch * event.steps_per_epoch
        self._active_s, self._since = 0.0, self.clock()

    def stepped(self, event: StepMetrics) -> None:
        self.step, self.epoch, self.batch = event.step, event.epoch, event.batch
        self.rate = event.samples_per_second

    def epoch_ended(self, event: EpochMetrics) -> None:
        self.epoch, self.batch = min(event.epoch + 1, event.epochs), 0

    def paused(self) -> None:
        if self._since is not None:
            self._active_s += self.clock() - self._since
            self._since = None

    def resumed(self) -> None:
        if self._since is None:
            self._since = self.clock()

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / self.total_steps) if self.total_steps else 0.0

    def eta_s(self) -> float:
        active = self._active_s + (self.clock() - self._since if self._since is not None else 0.0)
        done = self.step - self._first_step
        if done <= 0 or active <= 0:
            return math.nan
        return (self.total_steps - self.step) * active / done

    def text(self) -> str:
        if not self.total_steps:
            return "Preparing the data and the model…"
        parts = [f"epoch {self.epoch}/{self.epochs}",
                 f"step {self.batch}/{self.steps_per_epoch}",
                 f"ETA {duration(self.eta_s())}"]
        if self.rate:
            parts.append(f"{self.rate:,.0f} samples/s")
        return " · ".join(parts)
