"""ProbeWorker: runs probe functions off the GUI thread, one at a time, and hands the numpy
results back as signals on the GUI thread.

After training there is no training thread to run probes on, so the viewers submit them
here: a QThreadPool of one thread (probes run in order and never compete with each other for
the CPU), whose jobs report through a queued signal. The GUI thread only ever receives
numpy arrays and plain values. (The GUI-training helper's workers package may later absorb
this; its interface is just ``submit`` + ``finished``/``failed``.)
"""

from __future__ import annotations

import itertools
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Job(QRunnable):
    def __init__(self, worker: "ProbeWorker", job_id: int, fn: Callable, args: tuple) -> None:
        super().__init__()
        self._worker, self._job_id, self._fn, self._args = worker, job_id, fn, args
        self.setAutoDelete(True)

    def run(self) -> None:
        if self._job_id in self._worker._cancelled:
            self._report(self._worker._failed_relay, "")  # settles it, reports nothing
            return
        try:
            result = self._fn(*self._args)
        except Exception as exc:  # noqa: BLE001 - reported to the view, never raised at the user
            self._report(self._worker._failed_relay, f"{exc}\n{traceback.format_exc(limit=4)}")
        else:
            self._report(self._worker._done_relay, result)

    def _report(self, relay, value) -> None:
        try:
            relay.emit(self._job_id, value)
        except RuntimeError:  # the window closed while the job ran: nobody is listening
            pass


class ProbeWorker(QObject):
    """``submit(fn, *args)`` runs ``fn`` on the worker thread; ``finished(job, result)`` or
    ``failed(job, message)`` arrive on the thread that owns this object (the GUI's)."""

    finished = Signal(int, object)
    failed = Signal(int, str)
    busy_changed = Signal(bool)

    _done_relay = Signal(int, object)  # emitted on the worker thread, delivered queued
    _failed_relay = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._ids = itertools.count(1)
        self._pending: set[int] = set()
        self._cancelled: set[int] = set()
        self._done_relay.connect(self._on_done)
        self._failed_relay.connect(self._on_failed)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def submit(self, fn: Callable[..., Any], *args: Any) -> int:
        """Queue ``fn(*args)``; returns the job id that the result signals carry."""
        job_id = next(self._ids)
        self._pending.add(job_id)
        self._pool.start(_Job(self, job_id, fn, args))
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        return job_id

    def cancel_pending(self) -> None:
        """Skip the jobs that have not started (the running one finishes, unreported)."""
        self._cancelled |= self._pending

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every job has finished (shutdown, tests); False on timeout."""
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        self.cancel_pending()
        self.wait()

    def _on_done(self, job_id: int, result: object) -> None:
        cancelled = job_id in self._cancelled
        self._settle(job_id)
        if not cancelled:
            self.finished.emit(job_id, result)

    def _on_failed(self, job_id: int, message: str) -> None:
        self._settle(job_id)
        if message:
            self.failed.emit(job_id, message)

    def _settle(self, job_id: int) -> None:
        self._pending.discard(job_id)
        self._cancelled.discard(job_id)
        if not self._pending:
            self.busy_changed.emit(False)
