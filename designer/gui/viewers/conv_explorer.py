"""Convolution explorer: the lecture's arithmetic made interactive, and classical kernels
next to the network's own first-layer filters on a dataset image.

"Arithmetic": an editable input matrix and kernel (with presets), padding and stride; the
output matrix, the output-size formula with the numbers filled in, and the sliding window
highlighted step by step with its sum of products. The numbers come from the pure
``designer.analysis.conv_explorer``. "Image processing": a validation image filtered by
the classical kernels, beside the responses of the network's first convolution to it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QSlider, QSpinBox, QTabWidget, QVBoxLayout, QWidget)

from ...analysis import conv_explorer as cx
from .. import theme
from .common import ViewerBase, conv_nodes
from .figure import Figure
from .matrix_table import MatrixTable
from .tiling import images_hwc, stretch

#: The lecture's "two halves" image: bright left, dark right (a vertical edge in the middle).
TWO_HALVES = np.array([[10, 10, 10, 0, 0, 0]] * 6, dtype=float)

class ArithmeticPanel(QWidget):
    """Input, kernel, padding, stride → output, formula, and the window step by step."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = cx.LECTURE_IMAGE.copy()
        self.kernel = cx.PRESETS["vertical edge"].copy()
        self.steps: list[cx.Step] = []
        self.input_table, self.kernel_table = MatrixTable(True, self), MatrixTable(True, self)
        self.output_table = MatrixTable(False, self)
        self.preset = QComboBox(self)
        self.preset.addItems(list(cx.PRESETS))
        self.preset.setCurrentText("vertical edge")
        self.size, self.ksize = _spin(self, 2, 12, 6, "input size"), _spin(self, 1, 7, 3, "kernel size")
        self.padding, self.stride = _spin(self, 0, 3, 0, "padding"), _spin(self, 1, 4, 1, "stride")
        self.lecture = QPushButton("Lecture example", self)
        self.lecture.setToolTip("The lecture's 6×6 image with the vertical-edge kernel")
        self.halves = QPushButton("Two halves", self)
        self.halves.setToolTip("The lecture's two-halves image (left three columns 10, right three 0) "
                               "with the vertical-edge kernel: the edge shows in the middle")
        self.undo = QPushButton("Undo", self)
        self.undo.setToolTip("Put back the numbers you had before the last example or preset")
        self.undo.setEnabled(False)
        self._history: list[tuple] = []  # states before each example or preset was loaded
        self.formula, self.detail = QLabel(self), QLabel(self)
        self.detail.setWordWrap(True)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.play = QPushButton("Play", self)
        self.play.setCheckable(True)
        self.timer = QTimer(self)
        self.timer.setInterval(700)
        self._layout()
        self._connect()
        self.recompute()

    def _layout(self) -> None:
        controls = QHBoxLayout()
        for label, widget in (("Input", self.size), ("Kernel", self.ksize), ("Preset", self.preset),
                              ("Padding", self.padding), ("Stride", self.stride)):
            controls.addWidget(QLabel(label, self))
            controls.addWidget(widget)
        controls.addStretch(1)
        examples = QHBoxLayout()  # a second row: the first stays narrow enough for a side dock
        examples.addWidget(QLabel("Examples", self))
        for button in (self.lecture, self.halves, self.undo):
            examples.addWidget(button)
        examples.addStretch(1)
        grid = QGridLayout()
        top = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
        for col, (title, table) in enumerate((("Input (padding grey)", self.input_table), ("∗", None),
                                              ("Kernel", self.kernel_table), ("=", None),
                                              ("Output", self.output_table))):
            if table is None:
                sign = QLabel(f"<span style='font-size:20pt'>{title}</span>", self)
                grid.addWidget(sign, 1, col, Qt.AlignmentFlag.AlignVCenter)
                continue
            grid.addWidget(QLabel(f"<b>{title}</b>", self), 0, col)
            grid.addWidget(table, 1, col, top)
        grid.setColumnStretch(5, 1)
        grid.setRowStretch(2, 1)
        stepper = QHBoxLayout()
        stepper.addWidget(self.play)
        stepper.addWidget(self.slider, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(examples)
        layout.addLayout(grid, 1)
        layout.addWidget(self.formula)
        layout.addLayout(stepper)
        layout.addWidget(self.detail)

    def _connect(self) -> None:
        self.input_table.itemChanged.connect(self._on_input_edited)
        self.kernel_table.itemChanged.connect(self._on_kernel_edited)
        self.preset.activated.connect(self._on_preset_chosen)
        self.size.valueChanged.connect(self._on_size_changed)
        self.ksize.valueChanged.connect(self._on_kernel_size_changed)
        self.padding.valueChanged.connect(self.recompute)
        self.stride.valueChanged.connect(self.recompute)
        self.lecture.clicked.connect(self.load_lecture_example)
        self.halves.clicked.connect(self.load_two_halves)
        self.undo.clicked.connect(self.undo_load)
        self.slider.valueChanged.connect(self.show_step)
        self.play.toggled.connect(self._on_play_toggled)
        self.timer.timeout.connect(self._on_timer)

    # ----------------------------------------------------------------- editing
    def load_lecture_example(self) -> None:
        """The lecture's 6×6 image and vertical-edge kernel, no padding, stride 1 (Undo
        puts back what was there)."""
        self._load_example(cx.LECTURE_IMAGE)

    def load_two_halves(self) -> None:
        """The lecture's two-halves image and vertical-edge kernel, no padding, stride 1."""
        self._load_example(TWO_HALVES)

    def _load_example(self, image: np.ndarray) -> None:
        self._remember()
        self._set_state(image, cx.PRESETS["vertical edge"], 0, 1)
        self.preset.setCurrentText("vertical edge")

    def _state(self) -> tuple:
        return (self.image.copy(), self.kernel.copy(), self.padding.value(), self.stride.value())

    def _remember(self) -> None:
        """Keep the numbers shown (typed or not) so that Undo can put them back."""
        self._history.append(self._state())
        del self._history[:-20]
        self.undo.setEnabled(True)

    def undo_load(self) -> None:
        """Put back the state before the last example or kernel preset was loaded."""
        if self._history:
            self._set_state(*self._history.pop())
        self.undo.setEnabled(bool(self._history))

    def _set_state(self, image, kernel, padding: int, stride: int) -> None:
        for spin, value in ((self.padding, padding), (self.stride, stride)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self.set_matrices(image, kernel)

    def set_matrices(self, image: np.ndarray, kernel: np.ndarray) -> None:
        self.image, self.kernel = np.array(image, float), np.array(kernel, float)
        for spin, value in ((self.size, self.image.shape[0]), (self.ksize, self.kernel.shape[0])):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self.recompute()

    def _on_input_edited(self, _item) -> None:
        p = self.padding.value()
        full = self.input_table.matrix()
        self.image = full[p:full.shape[0] - p, p:full.shape[1] - p] if p else full
        self.recompute()

    def _on_kernel_edited(self, _item) -> None:
        self.kernel = self.kernel_table.matrix()
        self.recompute()

    def _on_preset_chosen(self, _index: int) -> None:
        self._remember()
        self.set_matrices(self.image, cx.PRESETS[self.preset.currentText()])

    def _on_size_changed(self, n: int) -> None:
        grown = np.zeros((n, n))
        m = min(n, self.image.shape[0])
        grown[:m, :m] = self.image[:m, :m]
        self.image = grown
        self.recompute()

    def _on_kernel_size_changed(self, k: int) -> None:
        self.kernel = np.zeros((k, k))
        self.kernel[k // 2, k // 2] = 1.0  # the identity kernel of that size
        self.recompute()

    # ----------------------------------------------------------------- results
    def recompute(self, *_args) -> None:
        p, s = self.padding.value(), self.stride.value()
        self.input_table.set_matrix(cx.pad(self.image, p), self._padding_mask())
        self.kernel_table.set_matrix(self.kernel)
        try:
            self.steps = cx.steps(self.image, self.kernel, p, s)
            out = cx.convolve2d(self.image, self.kernel, p, s)
        except cx.ConvError as exc:
            self.steps = []
            self.output_table.set_matrix(np.zeros((0, 0)))
            self.formula.setText(f"<span style='color:{theme.colors().error}'>{exc}</span>")
            self.detail.setText("")
            return
        self.output_table.set_matrix(out)
        n, k = self.image.shape[0], self.kernel.shape[0]
        self.formula.setText(f"Output size = ⌊(n + 2p − k) / s⌋ + 1 = {cx.formula_text(n, k, p, s)}"
                             f" → {out.shape[0]}×{out.shape[1]}")
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(self.steps) - 1)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.show_step(0)

    def _padding_mask(self) -> np.ndarray:
        """True on the padding cells of the padded input."""
        p = self.padding.value()
        mask = np.ones((self.image.shape[0] + 2 * p, self.image.shape[1] + 2 * p), bool)
        mask[p:p + self.image.shape[0], p:p + self.image.shape[1]] = False
        return mask

    def output(self) -> np.ndarray:
        return self.output_table.matrix()

    def show_step(self, index: int) -> None:
        """Highlight window ``index`` in the input and its output cell; show its sum."""
        if not 0 <= index < len(self.steps):
            return
        step = self.steps[index]
        kh, kw = self.kernel.shape
        window = {(step.top + r, step.left + c) for r in range(kh) for c in range(kw)}
        self.input_table.highlight(window, "window", self._padding_mask())
        self.output_table.highlight({(step.out_row, step.out_col)}, "output")
        self.detail.setText(f"Step {index + 1} of {len(self.steps)}: output[{step.out_row}, "
                            f"{step.out_col}] = {step.products_text(self.kernel)}")

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # the theme changed: recolour the cells
            step = self.slider.value()
            self.recompute()
            self.slider.setValue(step)

    def _on_play_toggled(self, on: bool) -> None:
        self.play.setText("Pause" if on else "Play")
        self.timer.start() if on else self.timer.stop()

    def _on_timer(self) -> None:
        if not self.steps:
            return
        self.slider.setValue((self.slider.value() + 1) % len(self.steps))


def _spin(parent: QWidget, lo: int, hi: int, value: int, tip: str) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(lo, hi)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


def draw_kernel_comparison(figure: Figure, data: dict, node_id: str) -> None:
    """A dataset image, its responses to the classical kernels, and the network's first-layer
    responses to the same image (each response stretched: dark = low, bright = high)."""
    figure.reset()
    image = images_hwc(np.asarray(data["input"])[None])[0]
    figure.image_panel(image if image.ndim == 3 else stretch(image[None])[0], 0, 0, title="image",
                       levels=(0.0, 1.0))
    grey = np.asarray(data["input"]).mean(axis=0)
    for i, (name, kernel) in enumerate(cx.PRESETS.items(), start=1):
        figure.image_panel(stretch(cx.apply_kernel(grey, kernel)[None])[0], 0, i, title=name,
                           levels=(0.0, 1.0))
    maps = data["maps"].get(node_id)
    if maps is None or maps.ndim != 3:
        return
    for i, fmap in enumerate(maps[:2 * (len(cx.PRESETS) + 1)]):
        r, c = divmod(i, len(cx.PRESETS) + 1)
        figure.image_panel(stretch(fmap[None])[0], 1 + r, c, title=f"{node_id} filter {i}", levels=(0.0, 1.0))


class ConvExplorerView(ViewerBase):
    """Dock content: the arithmetic tab and the image-processing comparison tab."""

    export_name = "convolution"

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.arithmetic = ArithmeticPanel(self)
        self.sample = QSpinBox(self)
        self.sample.setRange(0, 1_000_000)
        self.sample.setPrefix("sample ")
        self.toolbar.addWidget(QLabel("Image processing on validation", self))
        self.toolbar.addWidget(self.sample)
        self.add_export_button()
        self.tabs = QTabWidget(self)
        arithmetic = QScrollArea(self)  # larger matrices scroll; the dock keeps its size
        arithmetic.setWidgetResizable(True)
        arithmetic.setFrameShape(QFrame.Shape.NoFrame)
        arithmetic.setWidget(self.arithmetic)
        self.tabs.addTab(arithmetic, "Arithmetic")
        self.tabs.addTab(self.scroll, "Convolutions vs image processing")
        self.layout().insertWidget(2, self.tabs, 1)
        self.sample.valueChanged.connect(self.refresh)
        self.tabs.currentChanged.connect(self._on_tab_changed)

    def follows_training(self) -> bool:
        return self.tabs.currentIndex() == 1

    def _on_tab_changed(self, index: int) -> None:
        if index == 1 and not self.waiting:
            self.refresh()

    def refresh(self, *_args) -> None:
        if self.tabs.currentIndex() != 1:
            return
        convs = conv_nodes(self.document.analysis)
        if not convs:
            self.status.setText("The design has no convolution layer to compare with.")
            return
        self.ask("activations", sample=self.sample.value(), node_id=convs[0], max_maps=14)

    def draw(self, result) -> None:
        node = next(iter(result.data["maps"]), "")
        draw_kernel_comparison(self.figure, result.data, node)
        self.shown.emit(node)

    def export_png(self, path):
        if self.tabs.currentIndex() == 1:
            return super().export_png(path)
        from ..image_io import save_image

        try:
            save_image(self.arithmetic.grab(), path)
        except OSError as exc:
            self.status.setText(f"Could not save the image: {exc}")
            raise
        self.status.setText(f"Saved {path}")
        return path
