"""LessonWorker: runs a lesson's runs on a background thread, one lesson at a time.

The thread imports torch (through the lesson runner) and trains; progress lines and the
final LessonResult (plain numbers and lists) come back through a Mailbox on the GUI thread
as ``progress(done, total, text)``, ``finished(result)`` or ``failed(message)``.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from .training import JOIN_TIMEOUT_S, ControlledThread, Mailbox


@dataclass(frozen=True)
class _Progress:
    done: int
    total: int
    text: str


@dataclass(frozen=True)
class _Ended:
    result: Any = None
    error: str = ""


class LessonWorker(ControlledThread, QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._mailbox = Mailbox(parent=self)
        self._mailbox.delivered.connect(self._on_mailbox_delivered)
        self._thread: threading.Thread | None = None
        self._control = None

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self, lesson) -> bool:
        """Run ``lesson`` (a parsed Lesson); False if a lesson is already running."""
        if self.busy:
            return False
        from ...training.control import Control

        self._control = Control()
        self._thread = threading.Thread(target=self._main, args=(lesson, self._control),
                                        name="designer-lesson", daemon=True)
        self._thread.start()
        return True

    def _main(self, lesson, control) -> None:
        post = self._mailbox.post
        try:
            from ...lessons import LessonError
            from ...lessons.runner import run_lesson
            from .jobs import limit_threads

            limit_threads()
            try:
                result = run_lesson(lesson, control,
                                    lambda done, total, text: post(_Progress(done, total, text)))
                post(_Ended(result))
            except LessonError as exc:
                post(_Ended(error=str(exc)))
        except Exception as exc:  # noqa: BLE001 - shown as a message, never raised at the user
            traceback.print_exc()  # for a bug report; the panel shows one sentence
            post(_Ended(error=f"the lesson stopped because of an unexpected error: "
                              f"{type(exc).__name__}: {exc}"))

    def _on_mailbox_delivered(self, items: list) -> None:
        for item in items:
            if isinstance(item, _Progress):
                self.progress.emit(item.done, item.total, item.text)
            elif isinstance(item, _Ended):
                if self._thread is not None:
                    self._thread.join(JOIN_TIMEOUT_S)
                self._thread, self._control = None, None
                if item.error:
                    self.failed.emit(item.error)
                else:
                    self.finished.emit(item.result)
