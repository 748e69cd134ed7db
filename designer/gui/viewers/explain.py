"""Explain: why did the network say "3"? Attribution maps, occlusion, adversarial examples,
what each filter wants to see, and Grad-CAM for the top-3 classes, for a validation sample or
an image file and a chosen class (default: the predicted one).

The work runs where every probe runs (between training steps during a run, on the viewers'
worker otherwise; designer.training.explain), never on this thread. A computation still
running after 0.2 s shows a progress bar and a Cancel button; asking for something else
cancels what was running. Switching designs resets the view's choices.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSlider, QSpinBox,
                               QWidget)

from .activations import load_image_file
from .common import ViewerBase
from .explain_draw import draw_explanation

METHODS = (("attributions", "Attribution maps"), ("occlusion", "Occlusion sensitivity"),
           ("adversarial", "Adversarial example"), ("maximise", "What filters want to see"),
           ("counterfactual", "Counterfactual: Grad-CAM of the top 3"))
PROGRESS_AFTER_MS = 200
EPS_STEPS = 1000  # the ε slider's ticks over 0 … EPS_MAX
EPS_MAX = 0.5
PAGE = 8  # channels per page of "what filters want to see"


def receptive_fields(analysis) -> dict:
    """{node id: (receptive field, jump)} in input pixels from the design's analysis, for the
    nodes that have them: where a channel's top dataset patches are cropped."""
    return {nid: (list(info.receptive_field), list(info.jump)) for nid, info in analysis.nodes.items()
            if info.receptive_field and info.jump}


def save_image_file(path: str | Path, image: np.ndarray) -> Path:
    """Write an image [C, H, W] in 0..1 as an 8-bit PNG (grey or RGB), atomically."""
    values = (np.clip(np.asarray(image, np.float32), 0, 1) * 255 + 0.5).astype(np.uint8)
    channels, height, width = values.shape
    if channels == 1:
        data, fmt, line = np.ascontiguousarray(values[0]), QImage.Format.Format_Grayscale8, width
    else:
        data, fmt, line = np.ascontiguousarray(values[:3].transpose(1, 2, 0)), QImage.Format.Format_RGB888, 3 * width
    picture = QImage(data.tobytes(), width, height, line, fmt).copy()
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial.png")
    if not picture.save(str(partial), "PNG"):
        raise OSError(f"could not write {path}")
    os.replace(partial, path)
    return path


class ExplainView(ViewerBase):
    """Dock content: the chosen explanation of one input."""

    export_name = "explain"
    min_figure_height = 420

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.data: dict | None = None
        self.image: np.ndarray | None = None
        self.image_name = ""
        self._search = False
        self.method = self.add_combo("Explain:", [t for _, t in METHODS], "Which explanation to compute")
        self.source = self.add_combo("", ["Validation sample", "Image file"], "What to explain")
        self.sample = self._spin(0, 1_000_000, 0, "Validation sample index")
        self.open_button = QPushButton("Open image…", self)
        self.toolbar.addWidget(self.open_button)
        self.target = self.add_combo("Class:", ["predicted"], "The class to explain (default: the predicted one)")
        self.layer = self.add_combo("Layer:", ["default layer"], "Grad-CAM's layer (default: the last "
                                    "with a spatial map); the layer whose filters are shown (default: "
                                    "the last convolution)")
        self.add_export_button()
        self._build_method_row()
        self._connect()
        self._sync_controls()

    # ----------------------------------------------------------------- controls
    def _spin(self, lo: int, hi: int, value: int, tip: str, row=None, prefix: str = "") -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(lo, hi)
        spin.setValue(value)
        spin.setToolTip(tip)
        spin.setPrefix(prefix)
        (row or self.toolbar).addWidget(spin)
        return spin

    def _build_method_row(self) -> None:
        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        self.layout().insertLayout(1, row)
        self.patch = self._spin(1, 256, 4, "Side of the grey patch, in pixels", row, "patch ")
        self.stride = self._spin(1, 256, 2, "Step between patch positions, in pixels", row, "stride ")
        self.attack = QComboBox(self)
        self.attack.addItems(["FGSM", "PGD"])
        self.attack.setToolTip("Fast gradient sign method, or projected gradient descent (10 steps)")
        row.addWidget(self.attack)
        self.epsilon = QSlider(Qt.Orientation.Horizontal, self)
        self.epsilon.setRange(0, EPS_STEPS)
        self.epsilon.setValue(100)
        self.epsilon.setMinimumWidth(160)
        self.epsilon.setToolTip("ε: the largest change of any pixel (pixels run from 0 to 1)")
        self.eps_label = QLabel(self)
        self.search_button = QPushButton("Find smallest ε", self)
        self.save_button = QPushButton("Save perturbed image…", self)
        self.first_channel = self._spin(0, 100_000, 0, "First channel of the page", row, "channels from ")
        self.first_channel.setSingleStep(PAGE)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setMaximumWidth(220)
        self.cancel_button = QPushButton("Cancel", self)
        for widget in (self.epsilon, self.eps_label, self.search_button, self.save_button):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.progress_bar)
        row.addWidget(self.cancel_button)
        self.progress_bar.hide()
        self.cancel_button.hide()
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_AFTER_MS)
        self._progress_timer.timeout.connect(self._show_progress)
        self._eps_timer = QTimer(self)  # a slider drag asks once it rests
        self._eps_timer.setSingleShot(True)
        self._eps_timer.setInterval(150)
        self._eps_timer.timeout.connect(self.refresh)

    def _connect(self) -> None:
        self.method.currentIndexChanged.connect(self._on_choice_changed)
        self.source.currentIndexChanged.connect(self._on_choice_changed)
        for widget in (self.sample, self.patch, self.stride, self.first_channel):
            widget.valueChanged.connect(self.refresh)
        for combo in (self.target, self.layer, self.attack):
            combo.currentIndexChanged.connect(self.refresh)
        self.epsilon.valueChanged.connect(self._on_epsilon_changed)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.search_button.clicked.connect(self.find_smallest_epsilon)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.cancel_button.clicked.connect(self.cancel)
        self.session.progress.connect(self._on_session_progress)
        self.document.graph_replaced.connect(self._on_document_graph_replaced)

    @property
    def method_key(self) -> str:
        return METHODS[self.method.currentIndex()][0]

    def _sync_controls(self) -> None:
        key = self.method_key
        self.sample.setVisible(self.source.currentIndex() == 0)
        self.open_button.setVisible(self.source.currentIndex() == 1)
        for widget in (self.patch, self.stride):
            widget.setVisible(key == "occlusion")
        for widget in (self.attack, self.epsilon, self.eps_label, self.search_button, self.save_button):
            widget.setVisible(key == "adversarial")
        self.first_channel.setVisible(key == "maximise")
        self.target.setEnabled(key in ("attributions", "occlusion"))
        self.eps_label.setText(f"ε = {self.epsilon_value:.3f}")

    @property
    def epsilon_value(self) -> float:
        return self.epsilon.value() * EPS_MAX / EPS_STEPS

    def set_epsilon(self, value: float) -> None:
        """Move the ε slider to ``value`` (asks for the new example once it rests)."""
        self.epsilon.setValue(round(value / EPS_MAX * EPS_STEPS))

    def _on_choice_changed(self, *_args) -> None:
        self._sync_controls()
        self.refresh()

    def _on_epsilon_changed(self, _value: int) -> None:
        self._sync_controls()
        self._eps_timer.start()

    def find_smallest_epsilon(self) -> None:
        """Search for the smallest ε that changes the prediction (with the current attack)."""
        self._search = True
        self.refresh()

    def show_image(self, image: np.ndarray, name: str = "image") -> None:
        """Explain an image [C, H, W] in 0..1 (prepared like the training data on the worker)."""
        self.image, self.image_name = image, name
        self.source.blockSignals(True)
        self.source.setCurrentIndex(1)
        self.source.blockSignals(False)
        self._on_choice_changed()

    def _on_open_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an image", "", "Images (*.png *.jpg *.jpeg *.bmp *.gif)")
        if path:
            try:
                self.show_image(load_image_file(path), Path(path).name)
            except ValueError as exc:
                self.status.setText(str(exc))

    def _on_save_clicked(self) -> None:
        if not self.data or self.data.get("method") != "adversarial":
            self.status.setText("Compute an adversarial example first.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the perturbed image", "adversarial.png", "PNG image (*.png)")
        if path:
            self.save_perturbed(path)

    def save_perturbed(self, path: str | Path) -> Path | None:
        """Write the perturbed image as PNG (to re-open it, here or anywhere)."""
        try:
            written = save_image_file(path, self.data["perturbed"])
        except OSError as exc:
            self.status.setText(f"Could not save the image: {exc}")
            return None
        note = "" if self.data.get("pixels") else " (model-space values, stretched to 0..1)"
        self.status.setText(f"Saved {written}{note}")
        return written

    # ----------------------------------------------------------------- requests
    def params(self) -> dict | None:
        """The request for what the controls show (None, with a hint, if it cannot be made)."""
        params: dict = {"method": self.method_key}
        if self.source.currentIndex() == 1:
            if self.image is None:
                self.status.setText("Open an image file to explain what the network makes of it.")
                return None
            params["image"] = self.image
        else:
            params["sample"] = self.sample.value()
        params["target"] = self.target.currentIndex() - 1 if self.target.currentIndex() > 0 else None
        params["layer"] = self.layer.currentText() if self.layer.currentIndex() > 0 else None
        key = self.method_key
        if key == "occlusion":
            params.update(patch=self.patch.value(), stride=self.stride.value())
        elif key == "adversarial":
            params.update(attack=self.attack.currentText().lower(), epsilon=self.epsilon_value,
                          search=self._search)
        elif key == "maximise":
            params.update(channels=list(range(self.first_channel.value(), self.first_channel.value() + PAGE)),
                          fields=receptive_fields(self.document.analysis))
        return params

    def refresh(self, *_args) -> None:
        self._warm_up()
        params = self.params()
        self._search = False
        if params is not None:
            self.ask("explain", **params)

    def _warm_up(self) -> None:
        """Import Captum on the viewers' worker the first time the view is used: it takes
        seconds (it brings matplotlib), which a run's training thread should not wait for."""
        if not getattr(self, "_warmed", False):
            self._warmed = True
            self.session.worker.submit(_import_captum)

    def ask(self, kind: str, **params) -> int | None:
        """Cancel what was running, then ask; a progress bar shows if it takes a while."""
        previous = self._pending
        request = super().ask(kind, **params)
        if previous is not None and request is not None:
            self.session.cancel(previous)
        if request is not None:
            self.progress_bar.setValue(0)
            self._progress_timer.start()
        return request

    def cancel(self) -> None:
        """Stop the running explanation after its current unit of work."""
        if self._pending is not None:
            self.session.cancel(self._pending)
            self._pending = None
        self._hide_progress()
        self.status.setText("Cancelled.")

    def _show_progress(self) -> None:
        if self.waiting:
            self.progress_bar.show()
            self.cancel_button.show()

    def _hide_progress(self) -> None:
        self._progress_timer.stop()
        self.progress_bar.hide()
        self.cancel_button.hide()

    def _on_session_progress(self, event) -> None:
        if event.request_id != self._pending:
            return
        self.progress_bar.setRange(0, max(event.total, 1))
        self.progress_bar.setValue(event.done)
        self.progress_bar.setFormat(f"{event.text} %v/%m")
        self.status.setText(f"{event.text}: {event.done} of {event.total}…")

    def _on_session_result(self, result) -> None:
        if result.request_id == self._pending:
            self._hide_progress()
        super()._on_session_result(result)

    def _on_session_source_changed(self, text: str) -> None:
        """Other weights (a run started or ended, a checkpoint opened): stop what was running."""
        if self._pending is not None:
            self.session.cancel(self._pending)
        self._hide_progress()
        super()._on_session_source_changed(text)

    def follows_training(self) -> bool:
        return self.method_key in ("attributions", "counterfactual")

    # ----------------------------------------------------------------- drawing
    def draw(self, result) -> None:
        self.data = result.data
        self._fill_choices(result.data)
        draw_explanation(self.figure, result.data)
        rows = len(result.data.get("channels", ())) if result.data["method"] == "maximise" else 3
        self.figure.setMinimumHeight(max(self.min_figure_height, 70 * rows + 80))
        self.shown.emit(result.data["method"])

    def describe(self, result) -> str:
        title = dict(METHODS)[result.data["method"]]
        where = self.session.source_text() + (f", step {result.step}" if result.step >= 0 else "")
        text = f"{title} of {result.data.get('subject', 'the input')} — {where}"  # where names the design
        if result.data.get("sentence"):
            text += f". Smallest ε found: {result.data['sentence']}"
        return text

    def _fill_choices(self, data: dict) -> None:
        """Class and layer lists from what the network answered (names kept when they match)."""
        classes = list(data.get("classes") or ()) or [str(i) for i in range(len(data["probabilities"]))]
        _refill(self.target, ["predicted"] + [f"{i}: {c}" for i, c in enumerate(classes)])
        _refill(self.layer, ["default layer"] + list(data.get("layers") or ()))

    def _on_document_graph_replaced(self) -> None:
        """Another design: its classes, layers and explanation start afresh."""
        if self._pending is not None:
            self.session.cancel(self._pending)
        self._pending, self.data = None, None
        self._hide_progress()
        _refill(self.target, ["predicted"], keep=False)
        _refill(self.layer, ["default layer"], keep=False)
        self.first_channel.blockSignals(True)
        self.first_channel.setValue(0)
        self.first_channel.blockSignals(False)
        self.figure.reset()
        self.status.setText("")
        self.schedule_refresh()


def _import_captum() -> None:
    import captum.attr  # noqa: F401
    import captum.robust  # noqa: F401


def _refill(combo, items: list[str], keep: bool = True) -> None:
    """Replace a combo's items without emitting, keeping the current choice if it remains."""
    if [combo.itemText(i) for i in range(combo.count())] == items:
        return
    current = combo.currentText() if keep else ""
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(items)
    combo.setCurrentIndex(max(0, items.index(current)) if current in items else 0)
    combo.blockSignals(False)
