"""Progress and cancelling of explanation work, shared by the training thread, the viewers'
worker and the GUI thread.

Explanations come in units (a path segment of Integrated Gradients, a chunk of occlusion
positions, a few optimisation steps); after each unit the work yields a ``Progress`` event,
which crosses to the GUI like any probe event, and checks whether its request was cancelled.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

CANCELLED = "cancelled"

_lock = threading.Lock()
_cancelled: set[int] = set()


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` units of request ``request_id``; ``text`` says what is running."""

    request_id: int
    done: int
    total: int
    text: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


def cancel(request_id: int) -> None:
    """Ask the work of ``request_id`` to stop after its current unit (from any thread)."""
    with _lock:
        _cancelled.add(int(request_id))


def take_cancelled(request_id: int) -> bool:
    """True (once) if ``request_id`` was cancelled; its mark is cleared."""
    with _lock:
        if request_id in _cancelled:
            _cancelled.discard(request_id)
            return True
        return False


def forget(request_id: int) -> None:
    """Drop a cancel mark that arrived after its work had finished."""
    with _lock:
        _cancelled.discard(int(request_id))
