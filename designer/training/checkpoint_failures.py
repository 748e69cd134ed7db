"""Checkpoints that could not be written: the run goes on, the user is told once.

A full or read-only disk during a run must not throw away the training done so far. The
loop records each failed save here; the first failure becomes one warning Note (with the
reason and which checkpoint stays loadable), and the Finished event lists the epochs
whose checkpoint was not saved.
"""

from __future__ import annotations

from typing import Iterator

from ..core.atomic_write import WriteError, cause_of
from .events import Note


class CheckpointFailures:
    """Epochs whose checkpoint could not be written, and the one warning about them."""

    def __init__(self) -> None:
        self._epochs: list[int] = []
        self._pending: list[Note] = []
        self._warned = False

    @property
    def epochs(self) -> tuple[int, ...]:
        return tuple(self._epochs)

    def failed(self, epoch: int, exc: BaseException, last_good: str = "") -> None:
        """A save after ``epoch`` (1-based count of epochs done) failed with ``exc``."""
        if epoch not in self._epochs:
            self._epochs.append(epoch)
        if self._warned:
            return
        self._warned = True
        kept = (f"the last good checkpoint stays loadable ({last_good})" if last_good
                else "no checkpoint of this run has been saved yet")
        what = str(exc) if isinstance(exc, WriteError) else f"cannot write a checkpoint: {cause_of(exc)}"
        self._pending.append(Note(
            f"{what}. Training goes on; {kept}. Free some space (or fix the folder) and later "
            f"epochs are saved again.", "warning"))

    def notes(self) -> Iterator[Note]:
        """The warning, once, when a failure was recorded since the last call."""
        yield from self._pending
        self._pending.clear()
