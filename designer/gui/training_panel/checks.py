"""BackgroundChecks: what the panel asks the task thread before training.

The dataset catalog and the devices (loading torch, so the first run starts at once), a
check that the data fit the design (with the undoable edit that adapts it), the
augmentation preview, and the device's free memory for the memory line. Answers about an
older design or older settings are dropped; a newer check is already on its way.

Nothing starts until ``activate``: the panel calls ``activate_soon`` when it is first shown,
and background work begins only once the window's event loop runs (a ``--screenshot``
processes events without one, and never loads torch).
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from ...core.serialize import to_dict
from ..workers import TaskRunner
from ..workers import tasks
from . import messages

FIT_DELAY_MS = 250
ACTIVATE_DELAY_MS = 400
FAILED = {"environment": "Loading the dataset catalog failed",
          "fit": "Checking the dataset against the design failed",
          "preview": "The augmentation preview failed",
          "memory": "Reading the free memory failed"}


def single_shot(parent: QObject, msecs: int, slot) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(msecs)
    timer.timeout.connect(slot)
    return timer


class BackgroundChecks(QObject):
    fit_changed = Signal(object)  # FitCheck
    environment_ready = Signal(object)  # Environment
    memory_changed = Signal(str, str)  # text, level
    preview_ready = Signal(object)  # Preview
    failed = Signal(str)  # a task failed unexpectedly, in words

    def __init__(self, document, config_of: Callable, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.config_of = document, config_of
        self.tasks = TaskRunner(self)
        self.environment: tasks.Environment | None = None
        self.fit: tasks.FitCheck | None = None
        self.memory: tasks.DeviceMemory | None = None
        self.activated = False
        self.revision = 0  # of the design and settings; a FitCheck answers one revision
        self._fit_timer = single_shot(self, FIT_DELAY_MS, self.check_fit)
        self._activate_timer = single_shot(self, ACTIVATE_DELAY_MS, self._on_activate_timer)
        self.tasks.finished.connect(self._on_tasks_finished)
        self.tasks.failed.connect(lambda key, text: self.failed.emit(f"{FAILED.get(key, key)}: {text}"))

    # ----------------------------------------------------------------- activation
    def activate_soon(self) -> None:
        if not self.activated and not self._activate_timer.isActive():
            self._activate_timer.start()

    def _on_activate_timer(self) -> None:
        if QThread.currentThread().loopLevel() > 0:
            self.activate()
        else:
            self._activate_timer.start()

    def activate(self) -> None:
        """Load torch and the dataset catalog on the task thread, then check the data."""
        if self.activated:
            return
        self.activated = True
        self.tasks.submit("environment", tasks.environment)
        self.check_fit()
        self.request_memory()

    def shutdown(self, timeout_s: float) -> None:
        self._fit_timer.stop()
        self._activate_timer.stop()
        self.tasks.shutdown(timeout_s)

    # ----------------------------------------------------------------- requests
    def design_changed(self) -> None:
        """The design or its settings changed: check again soon (debounced)."""
        self.revision += 1
        if self.activated:
            self._fit_timer.start()
        self.update_memory_text()

    def check_fit(self) -> None:
        self._fit_timer.stop()
        if self.activated:
            data = self.config_of().to_dict()["data"]
            self.tasks.submit("fit", tasks.fit_check, to_dict(self.document.graph), data, self.revision)

    def current_fit(self) -> tasks.FitCheck | None:
        """The verdict for the design as it is now (None while unknown)."""
        return self.fit if self.fit is not None and self.fit.revision == self.revision else None

    def request_preview(self, seed: int = 0) -> None:
        if self.activated:
            config = self.config_of()
            shape = self.document.analysis.input_shape
            self.tasks.submit("preview", tasks.preview, config.to_dict()["data"],
                              tuple(shape) if shape else None, [s.to_dict() for s in config.augment], seed)

    def request_memory(self) -> None:
        if self.activated:
            self.tasks.submit("memory", tasks.device_memory, self.config_of().device)

    def update_memory_text(self) -> None:
        """Emit the memory line (asking for the free memory when the device changed)."""
        config = self.config_of()
        if self.memory is None or self.memory.asked != config.device:
            self.request_memory()
        self.memory_changed.emit(*messages.memory_line(config, self.document.analysis, self.memory))

    # ----------------------------------------------------------------- answers
    def _on_tasks_finished(self, key: str, result) -> None:
        if key == "environment":
            self.environment = result
            self.environment_ready.emit(result)
        elif key == "fit":
            if result.revision == self.revision:
                self.fit = result
                self.fit_changed.emit(result)
            else:
                self.check_fit()
        elif key == "memory":
            self.memory = result
            self.update_memory_text()
        elif key == "preview":
            self.preview_ready.emit(result)

    def adapt(self) -> str:
        """Apply the adaptation the current check offers (one undoable edit); returns what
        happened, in words, or "" when there is nothing to apply."""
        fit = self.current_fit()
        if fit is None or fit.edit is None:
            return ""
        if not fit.adapted_valid:
            return "Adapting the design would not make it work: " + "; ".join(fit.adapted_issues[:3])
        if not self.document.push(fit.edit):
            return ""
        self.document.refresh_now()
        return f"Adapted the design to the data: {fit.adapt_summary}. Undo reverts it."
