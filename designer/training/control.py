"""A thread-safe remote control for a training run: pause, resume, stop.

Any thread may call ``pause``/``resume``/``stop``; the loop checks between steps (every few
milliseconds on small models), so a stop takes effect within a second. While paused the loop
waits on a condition variable, waking at least every ``POLL_S`` to notice a stop.
"""

from __future__ import annotations

import threading
import time

POLL_S = 0.1


class Control:
    """Shared between the thread that drives ``train()`` and the thread that steers it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._paused = False
        self._stop = False

    # ----------------------------------------------------------------- steering side
    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def stop(self) -> None:
        """Ask the run to end after the current step; it saves a last checkpoint and finishes."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    # ----------------------------------------------------------------- loop side
    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stop_requested(self) -> bool:
        return self._stop

    def wait_while_paused(self) -> None:
        """Block while paused; return as soon as resumed or stopped."""
        with self._cond:
            while self._paused and not self._stop:
                self._cond.wait(POLL_S)


class Stopwatch:
    """Training time that leaves out pauses, validation and checkpoint writing."""

    def __init__(self) -> None:
        self.total, self._since = 0.0, None

    def start(self) -> None:
        self._since = time.perf_counter()

    def stop(self) -> float:
        if self._since is not None:
            self.total += time.perf_counter() - self._since
            self._since = None
        return self.total

    def read(self) -> float:
        return self.total + (time.perf_counter() - self._since if self._since is not None else 0.0)
