"""File → Import PyTorch Model: ask for a model source and input shape, then import it with
``designer import`` in a separate process.

Importing traces the model and runs it once with torch, so it must not run on the GUI thread;
a child process keeps torch out of the window entirely and can be cancelled at any time.
The result comes back as a design file that the window opens as a new, unsaved design.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Signal
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QVBoxLayout, QWidget,
)

from ..core import serialize
from ..core.serialize import DesignFileError
from .theme import level_colour

SOURCE_HINT = ("torchvision:resnet18, package.module:callable, path/to/file.py:callable "
               "or path/to/model.onnx")
#: Importing module:callable or file.py:callable runs that code, as Python's import does.
CODE_RUNS_NOTE = ("Importing a module or a .py file runs its code with your permissions: "
                  "import only code you trust.")


def parse_shape(text: str) -> list[int]:
    """"3 224 224" or "3x224x224" or "[3, 224, 224]" → [3, 224, 224]; ValueError says why."""
    cleaned = text.replace("[", " ").replace("]", " ").replace(",", " ").replace("×", " ").replace("x", " ")
    try:
        dims = [int(v) for v in cleaned.split()]
    except ValueError:
        raise ValueError(f"the input shape must be whole numbers such as 3 224 224, got {text!r}") from None
    if not 1 <= len(dims) <= 3 or min(dims) < 1:
        raise ValueError(f"the input shape is 1 to 3 sizes of at least 1 (C H W), got {text!r}")
    return dims


class ImportDialog(QDialog):
    """Source and input shape, checked before the dialog closes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import PyTorch model")
        self.source = QLineEdit(self)
        self.source.setPlaceholderText(SOURCE_HINT)
        self.source.setMinimumWidth(420)
        browse = QPushButton("File…", self)
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        row.addWidget(browse)
        self.shape = QLineEdit("3 224 224", self)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {level_colour('error')}")
        self.error.hide()
        form = QFormLayout()
        form.addRow("Model", row)
        form.addRow("Input shape", self.shape)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, parent=self)
        buttons.accepted.connect(self._on_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        note = QLabel(CODE_RUNS_NOTE + " The model is traced once with torch in a separate "
                      "process; weights are not downloaded.", self)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def values(self) -> tuple[str, list[int]]:
        """(source, shape); ValueError with the reason if either is unusable."""
        source = self.source.text().strip()
        if ":" not in source and not source.lower().endswith(".onnx"):
            raise ValueError(f"name the model as {SOURCE_HINT}")
        return source, parse_shape(self.shape.text())

    def _on_accepted(self) -> None:
        try:
            self.values()
        except ValueError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Python file with the model, or an ONNX model", "",
                                              "Models (*.py *.onnx);;Python (*.py);;ONNX (*.onnx)")
        if path:  # a .py file still needs the callable's name after the colon
            self.source.setText(path if path.lower().endswith(".onnx") else f"{path}:")
            self.source.setFocus()


class ModelImporter(QObject):
    """Runs ``designer import`` in a child process: ``imported(graph)`` or ``failed(reason)``."""

    imported = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._folder = tempfile.TemporaryDirectory(prefix="designer-import-")
        self.output = Path(self._folder.name) / "imported.json"
        self.process = QProcess(self)
        self.process.finished.connect(self._on_process_finished)
        self.process.errorOccurred.connect(self._on_process_error)

    def start(self, source: str, shape: list[int]) -> None:
        args = ["-m", "designer", "import", source, "--input-shape", *map(str, shape),
                "-o", str(self.output)]
        self.process.start(sys.executable, args)

    def cancel(self) -> None:
        if self.process.state() != QProcess.ProcessState.NotRunning:
            self.process.kill()

    @property
    def running(self) -> bool:
        return self.process.state() != QProcess.ProcessState.NotRunning

    def _on_process_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        if status != QProcess.ExitStatus.NormalExit:
            self.failed.emit("the import was stopped")
            return
        if code != 0:
            self.failed.emit(self._reason())
            return
        try:
            graph = serialize.load(self.output)
        except DesignFileError as exc:
            self.failed.emit(f"the imported design cannot be read: {exc}")
            return
        self.imported.emit(graph)

    def _on_process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.failed.emit(f"cannot start {sys.executable}: {self.process.errorString()}")

    def _reason(self) -> str:
        """The child's own message (it prints one plain sentence), without its prefix."""
        text = bytes(self.process.readAllStandardError()).decode("utf-8", "replace").strip()
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if not lines:
            return "the import failed without saying why"
        if any(ln.startswith("Traceback") for ln in lines):
            return lines[-1]
        return "\n".join(lines).removeprefix("designer import: ")
