"""The Augmentation tab: an ordered, editable pipeline and a preview grid that follows it.

Steps are added from the catalog, removed, moved up or down, and their settings edited;
every change is one undoable edit of the design's training settings. The preview shows the
same few training samples (one per class) in the first column, then several random draws
of the pipeline; it is computed on the task thread and redrawn when the pipeline or the
data change, and "New draws" draws again.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QListWidget, QPushButton,
                               QSizePolicy, QVBoxLayout, QWidget)

from ...training.augment import AUGMENTATIONS, AugmentError, AugmentStep
from ..availability import set_available
from ..panels.param_editors import ComboBox, FloatSpinBox, SpinBox
from .hyperparams import Form, narrow

PREVIEW_WIDTH = 330  # pixels the preview grid is enlarged to, at most (nearest neighbour)
PREVIEW_HEIGHT = 260


def grid_pixmap(grid: np.ndarray, width: int = PREVIEW_WIDTH, height: int = PREVIEW_HEIGHT) -> QPixmap:
    """An (H, W, 3) uint8 grid as a pixmap enlarged to fit about ``width`` × ``height``
    pixels (never shrunk; nearest neighbour, so the pixels stay crisp)."""
    grid = np.ascontiguousarray(grid, dtype=np.uint8)
    h, w, _ = grid.shape
    image = QImage(grid.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    factor = max(1.0, min(width / max(w, 1), height / max(h, 1)))
    return QPixmap.fromImage(image.scaled(round(w * factor), round(h * factor),
                                          Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.FastTransformation))


class AugmentEditor(Form):
    """Emits ``changed("augment…", {"augment": (AugmentStep, ...)})``; ``redraw_requested``
    asks for a new preview (the seed of its random draws)."""

    redraw_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps: list[AugmentStep] = []
        self._committed: AugmentStep | None = None  # the step last changed by its editors
        self.seed = 0
        self.list = QListWidget(self)
        self.list.setMaximumHeight(130)
        self.list.currentRowChanged.connect(self._on_list_row_changed)
        self.add = narrow(ComboBox(self))
        self.add.addItem("Add a step…", "")
        for name, entry in AUGMENTATIONS.items():
            self.add.addItem(entry.label, name)
            self.add.setItemData(self.add.count() - 1, entry.doc, 3)
        self.add.activated.connect(self._on_add_activated)
        self.remove = self._button("✕", "Remove the selected step", self._on_remove_clicked)
        self.up = self._button("↑", "Move the selected step earlier", lambda: self._move(-1))
        self.down = self._button("↓", "Move the selected step later", lambda: self._move(1))
        self.params = QFormLayout()
        self.preview = QLabel("The preview appears once the data are loaded.", self)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.again = self._button("New draws", "Draw the random augmentations again", self._on_again_clicked)
        self._lay_out()

    def _button(self, text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        if len(text) == 1:  # the list's small symbol buttons
            button.setFixedWidth(button.fontMetrics().horizontalAdvance("MM") + 12)
        button.clicked.connect(lambda _c=False: slot())
        return button

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.add, 1)
        for button in (self.remove, self.up, self.down):
            buttons.addWidget(button)
        caption = QHBoxLayout()
        caption.addWidget(QLabel("Original, then random draws", self), 1)
        caption.addWidget(self.again)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addLayout(self.params)
        layout.addLayout(caption)
        layout.addWidget(self.preview, 1)

    # ----------------------------------------------------------------- pipeline
    def load(self, steps: tuple[AugmentStep, ...]) -> None:
        """Show the pipeline ``steps`` without emitting changes."""
        steps = list(steps)
        if steps == self.steps:
            return
        row = self.list.currentRow()
        if len(steps) == len(self.steps) + 1:
            row = len(steps) - 1  # a step was added: select it
        same_names = [s.name for s in steps] == [s.name for s in self.steps]
        mine = 0 <= row < len(steps) and steps[row] == self._committed
        self.steps = steps
        self._loading = True
        try:
            if same_names:  # settings changed: relabel, keep the editors (they may have focus)
                for i, step in enumerate(steps):
                    self.list.item(i).setText(_label(i, step))
            else:
                self.list.clear()
                self.list.addItems([_label(i, step) for i, step in enumerate(steps)])
                self.list.setCurrentRow(min(max(row, 0), len(steps) - 1))
        finally:
            self._loading = False
        if not (same_names and mine):
            self._on_list_row_changed(self.list.currentRow())

    def _commit(self, steps: list[AugmentStep], key: str) -> None:
        self._emit(key, augment=tuple(steps))

    def _on_add_activated(self, index: int) -> None:
        name = self.add.itemData(index)
        self.add.setCurrentIndex(0)
        if name:
            self._commit(self.steps + [AugmentStep(name)], "augment.add")

    def _on_remove_clicked(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.steps):
            self._commit(self.steps[:row] + self.steps[row + 1:], "augment.remove")

    def _move(self, delta: int) -> None:
        row = self.list.currentRow()
        target = row + delta
        if 0 <= row < len(self.steps) and 0 <= target < len(self.steps):
            steps = list(self.steps)
            steps[row], steps[target] = steps[target], steps[row]
            self._commit(steps, "augment.move")
            self.list.setCurrentRow(target)

    def _on_again_clicked(self) -> None:
        self.seed += 1
        self.redraw_requested.emit(self.seed)

    # ----------------------------------------------------------------- step settings
    def _on_list_row_changed(self, row: int) -> None:
        while self.params.rowCount():
            self.params.removeRow(0)
        has = 0 <= row < len(self.steps)
        pick = "" if has else "select a step in the list first"
        set_available(self.remove, has, "Remove the selected step", pick)
        set_available(self.up, has and row > 0, "Move the selected step earlier", pick or "it is the first step")
        set_available(self.down, has and row < len(self.steps) - 1, "Move the selected step later",
                      pick or "it is the last step")
        if not has:
            return
        step = self.steps[row]
        try:
            values = step.resolved()
        except AugmentError:
            values = AUGMENTATIONS[step.name].defaults()
        for param in AUGMENTATIONS[step.name].params:
            widget = self._param_widget(row, param, values[param.name])
            self.params.addRow(param.name.replace("_", " "), widget)

    def _param_widget(self, row: int, param, value) -> QWidget:
        parts = [value[0], value[1]] if param.kind == "range" else [value]
        box = QWidget(self)
        line = QHBoxLayout(box)
        line.setContentsMargins(0, 0, 0, 0)
        spins = []
        for part in parts:
            spin = SpinBox(int(param.minimum), int(param.maximum), box) if param.kind == "int" else \
                FloatSpinBox(param.minimum, param.maximum, box)
            spin.setValue(part)
            if param.kind != "int":
                spin.setSingleStep(0.05 if param.maximum <= 1 else 1.0)
            spin.setToolTip(param.doc)
            line.addWidget(spin)
            spins.append(spin)
        for spin in spins:
            spin.valueChanged.connect(lambda _v, r=row, p=param, s=spins: self._set_param(r, p, s))
        return box

    def _set_param(self, row: int, param, spins) -> None:
        values = [s.value() for s in spins]
        value = values if param.kind == "range" else values[0]
        step = self.steps[row]
        changed = AugmentStep(step.name, dict(step.params) | {param.name: value})
        try:
            changed.resolved()
        except AugmentError:
            return  # e.g. low above high while both ends are being edited
        steps = list(self.steps)
        steps[row] = self._committed = changed
        self._commit(steps, f"augment.{row}.{param.name}")

    # ----------------------------------------------------------------- preview
    def show_preview(self, preview) -> None:
        """Draw a tasks.Preview (a grid, or the reason there is none)."""
        if preview.grid is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(preview.message)
            return
        self.preview.setText("")
        width = self.preview.width() - 8 if self.preview.isVisible() else PREVIEW_WIDTH
        self.preview.setPixmap(grid_pixmap(preview.grid, max(width, 120)))


def _label(i: int, step: AugmentStep) -> str:
    return f"{i + 1}. {AUGMENTATIONS[step.name].label}  {_describe(step)}"


def _describe(step: AugmentStep) -> str:
    try:
        values = step.resolved()
    except AugmentError as exc:
        return f"(invalid: {exc})"
    parts = []
    for name, value in values.items():
        text = f"{value[0]:g}–{value[1]:g}" if isinstance(value, tuple) else f"{value:g}"
        parts.append(f"{name} {text}")
    return ", ".join(parts)
