"""The threads that keep torch off the GUI thread: the training worker and a task runner.

``TrainingWorker`` runs one job at a time on a Python thread: a training run (the engine's
``train()`` generator) or a learning-rate range test. The events it yields are posted to a
``Mailbox`` and reach the GUI thread in order, in batches, at most about thirty times a
second (``DELIVERY_INTERVAL_MS``), however fast the loop reports; a Control pauses, resumes
or stops the run from the GUI thread; ``shutdown`` stops and joins it (closing the window).

``TaskRunner`` runs small jobs (the dataset catalog, a dataset-vs-design check, an
augmentation preview, free memory) on one more thread, in order; a job submitted under a key
replaces a queued one with the same key, and only the answer to a key's latest job is
delivered, so quick edits never pile up work or show stale answers.

Only immutable values cross: events (scalars, numpy arrays), frozen dataclasses, plain dicts.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from ...training.control import Control
from ...training.events import Failed

DELIVERY_INTERVAL_MS = 33  # at most ~30 deliveries a second reach the GUI thread
JOIN_TIMEOUT_S = 1.0


class Mailbox(QObject):
    """Items posted from any thread arrive on the owner's (GUI) thread as ``delivered(list)``:
    in order, in batches, at most once per ``interval_ms``. A thread may post a thousand
    items a second; the GUI still handles about thirty batches."""

    delivered = Signal(list)
    _woken = Signal()  # emitted on the posting thread, handled (queued) on the owner's

    def __init__(self, interval_ms: int = DELIVERY_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._items: list = []
        self._wake_pending = False
        self._interval_s = interval_ms / 1000
        self._last = -1e9
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.drain)
        self._woken.connect(self._on_woken)

    def post(self, item: Any) -> None:
        """Queue ``item`` (any thread); the first item after a delivery wakes the owner."""
        with self._lock:
            self._items.append(item)
            wake, self._wake_pending = not self._wake_pending, True
        if wake:
            try:
                self._woken.emit()
            except RuntimeError:  # the owner was deleted (window closed): nobody reads it
                pass

    def _on_woken(self) -> None:
        if not self._timer.isActive():
            wait = self._last + self._interval_s - time.monotonic()
            self._timer.start(max(0, int(wait * 1000)))

    def drain(self) -> None:
        """Deliver what is queued now (the timer calls it; shutdown calls it directly)."""
        with self._lock:
            items, self._items = self._items, []
            self._wake_pending = False
        self._timer.stop()
        self._last = time.monotonic()
        if items:
            self.delivered.emit(items)


@dataclass(frozen=True)
class JobEnded:
    """Posted last by a worker thread: the job's result, or its error in one sentence."""

    kind: str
    result: Any = None
    error: str = ""


class ControlledThread:
    """Stop and shutdown of a worker that runs one job at a time on ``_thread``, steered by a
    ``Control`` and delivering through ``_mailbox`` (the training and lesson workers)."""

    _thread: threading.Thread | None
    _control: Control | None
    _mailbox: Mailbox

    def stop(self) -> None:
        """Ask the job to end after its current step (a run saves last.pt and finishes)."""
        if self._control is not None:
            self._control.stop()

    def shutdown(self, timeout_s: float = JOIN_TIMEOUT_S) -> bool:
        """Stop and join the thread (closing the window); True if it ended in time."""
        self.stop()
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
        self._mailbox.drain()
        return thread is None or not thread.is_alive()


class TrainingWorker(ControlledThread, QObject):
    """Runs a training run or an LR range test on a background thread, one at a time.

    ``events(list)`` carries a run's events in order (batched); ``job_ended(kind)`` follows
    the last of them; an LR test ends with ``lr_test_finished(LRRangeResult)`` or
    ``lr_test_failed(message)``.
    """

    events = Signal(list)
    job_ended = Signal(str)
    lr_test_finished = Signal(object)
    lr_test_failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, interval_ms: int = DELIVERY_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._mailbox = Mailbox(interval_ms, self)
        self._mailbox.delivered.connect(self._on_mailbox_delivered)
        self._thread: threading.Thread | None = None
        self._control: Control | None = None
        self._kind = ""

    # ----------------------------------------------------------------- state
    @property
    def busy(self) -> bool:
        return bool(self._kind)

    @property
    def kind(self) -> str:
        """"training", "lr_test" or "" (idle)."""
        return self._kind

    @property
    def paused(self) -> bool:
        return self._control is not None and self._control.paused and self.busy

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    # ----------------------------------------------------------------- starting
    def start_training(self, design: dict, config: dict | None, **options: Any) -> None:
        """Train ``design`` (a serialized design, frozen) with ``config`` (a training-settings
        dict; None: the checkpoint's when resuming); ``options`` go to ``jobs.training_events``."""
        from .jobs import training_events

        self._start("training", lambda control: training_events(design, config, control, **options))

    def start_lr_test(self, design: dict, config: dict, **options: Any) -> None:
        """Run the learning-rate range test; ``options`` go to ``jobs.lr_test``."""
        from .jobs import lr_test

        self._start("lr_test", lambda control: lr_test(design, config, control, **options))

    def _start(self, kind: str, job: Callable[[Control], Any]) -> None:
        if self.busy:
            raise RuntimeError(f"the worker is busy ({self._kind}); stop it first")
        self._control = Control()
        self._kind = kind
        self._thread = threading.Thread(target=self._main, args=(kind, job, self._control),
                                        name=f"designer-{kind}", daemon=True)
        self._thread.start()
        self.busy_changed.emit(True)

    def _main(self, kind: str, job: Callable[[Control], Any], control: Control) -> None:
        """The worker thread: run the job, post its events, post JobEnded last."""
        post = self._mailbox.post
        try:
            if kind == "training":
                for event in job(control):
                    post(event)
                post(JobEnded(kind))
            else:
                post(JobEnded(kind, job(control)))
        except ValueError as exc:  # the engine's plain errors (LRRangeError, ConfigError)
            post(JobEnded(kind, error=str(exc)))
        except Exception as exc:  # noqa: BLE001 - shown as a message, never raised at the user
            text = f"an unexpected error stopped it: {type(exc).__name__}: {exc}"
            if kind == "training":
                post(Failed(f"training {text}", "error", details=traceback.format_exc()))
            post(JobEnded(kind, error=text))

    # ----------------------------------------------------------------- steering
    def pause(self) -> None:
        if self._control is not None and self._kind == "training":
            self._control.pause()

    def resume(self) -> None:
        if self._control is not None:
            self._control.resume()

    # ----------------------------------------------------------------- delivery
    def _on_mailbox_delivered(self, items: list) -> None:
        batch: list = []
        for item in items:
            if isinstance(item, JobEnded):
                if batch:
                    self.events.emit(batch)
                    batch = []
                self._end(item)
            else:
                batch.append(item)
        if batch:
            self.events.emit(batch)

    def _end(self, ended: JobEnded) -> None:
        if self._thread is not None:
            self._thread.join(JOIN_TIMEOUT_S)  # it posted its last item: it is returning
        self._thread, self._control, self._kind = None, None, ""
        self.busy_changed.emit(False)
        if ended.kind == "lr_test":
            if ended.error:
                self.lr_test_failed.emit(ended.error)
            else:
                self.lr_test_finished.emit(ended.result)
        self.job_ended.emit(ended.kind)


class TaskRunner(QObject):
    """Small background jobs on one thread, in order; the latest job per key wins.

    ``finished(key, result)`` or ``failed(key, message)`` arrive on the GUI thread, only for
    the latest job submitted under ``key``.
    """

    finished = Signal(str, object)
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cond = threading.Condition()
        self._queue: OrderedDict[str, tuple[int, Callable, tuple]] = OrderedDict()
        self._latest: dict[str, int] = {}
        self._tickets = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._closed = False
        self._mailbox = Mailbox(0, self)
        self._mailbox.delivered.connect(self._on_mailbox_delivered)

    @property
    def idle(self) -> bool:
        """Nothing queued, running or waiting to be delivered."""
        return not any(self._latest.values())

    def submit(self, key: str, fn: Callable, *args: Any) -> int:
        """Run ``fn(*args)`` on the task thread, replacing a queued job with the same key."""
        if self._closed:
            return 0
        ticket = next(self._tickets)
        self._latest[key] = ticket
        with self._cond:
            self._queue.pop(key, None)
            self._queue[key] = (ticket, fn, args)
            self._cond.notify_all()
        if self._thread is None:
            self._thread = threading.Thread(target=self._main, name="designer-tasks", daemon=True)
            self._thread.start()
        return ticket

    def _next(self) -> tuple[str, int, Callable, tuple] | None:
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            key, (ticket, fn, args) = self._queue.popitem(last=False)
            return key, ticket, fn, args

    def _main(self) -> None:
        for key, ticket, fn, args in iter(self._next, None):
            try:
                self._mailbox.post((key, ticket, True, fn(*args)))
            except Exception as exc:  # noqa: BLE001 - reported as a message
                self._mailbox.post((key, ticket, False, f"{type(exc).__name__}: {exc}"))

    def _on_mailbox_delivered(self, items: list) -> None:
        for key, ticket, ok, value in items:
            if self._latest.get(key) != ticket:
                continue  # a newer job under this key is on its way
            self._latest[key] = 0
            (self.finished if ok else self.failed).emit(key, value)

    def shutdown(self, timeout_s: float = JOIN_TIMEOUT_S) -> bool:
        """Drop queued jobs and join the thread (the running job finishes unreported)."""
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
        self._latest.clear()
        if self._thread is not None:
            self._thread.join(timeout_s)
            return not self._thread.is_alive()
        return True
