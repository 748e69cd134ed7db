"""The Data tab: which dataset, its options, how validation data are held out, and whether
the data fit the design (with the offer to adapt it, shown by the panel).

The catalog (names, options with their ranges) arrives from the task thread once torch is
loaded; until then the form shows the design's dataset name only.
"""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtWidgets import (QCheckBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QToolButton, QVBoxLayout, QWidget)

from ...training.config import DataConfig
from ..availability import set_available
from ..panels.param_editors import ComboBox, FloatSpinBox, SpinBox
from ..theme import level_colour
from .hyperparams import Form, _set, narrow

INT_LIMIT = 2**31 - 1
PERMUTE_TIP = ("Apply one fixed random permutation of the pixel positions to every image "
               "(a CNN loses its edge over an MLP)")
VALIDATION = {"split": "hold out a seeded, stratified fraction of the training data",
              "test": "use the dataset's own test split"}


def _bound(value: float, default: float) -> float:
    """``value`` clipped to ±``default`` (spin boxes hold 32-bit integers)."""
    return max(-abs(default), min(abs(default), value)) if math.isfinite(value) else default


def _show_value(widget: QWidget, value) -> None:
    """Put an option's value in its widget (signals are ignored while the form loads)."""
    if isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, ComboBox):
        widget.setCurrentText(str(value))
    elif isinstance(widget, (SpinBox, FloatSpinBox)):
        widget.setValue(value)
    else:
        text = "/".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
        if widget.edit.text() != text:
            widget.edit.setText(text)


class DatasetEditor(Form):
    """Emits ``changed("data…", {"data": DataConfig})`` for every change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data = DataConfig()
        self._entries: dict = {}
        self._shown_options = ""
        self.option_widgets: dict[str, tuple[QWidget, object]] = {}
        self.dataset = narrow(ComboBox(self))
        self.dataset.currentIndexChanged.connect(self._on_dataset_changed)
        self.about = QLabel("Loading the dataset catalog…", self)
        self.about.setWordWrap(True)
        self.options = QFormLayout()
        self.validation = self._combo(VALIDATION)
        self.validation.currentIndexChanged.connect(
            lambda _i: self._emit_data("validation", validation=self.validation.currentData()))
        self.val_fraction = FloatSpinBox(0.01, 0.9, self)
        self.val_fraction.setSingleStep(0.05)
        self.val_fraction.valueChanged.connect(
            lambda v: self._emit_data("val_fraction", val_fraction=float(v)))
        self.permute = QCheckBox("Shuffle pixels", self)
        self.permute.setToolTip(PERMUTE_TIP)
        self.permute.toggled.connect(lambda on: self._emit_data("permute_pixels", permute_pixels=bool(on)))
        self.fit = QLabel("", self)
        self.fit.setWordWrap(True)
        self.form.addRow("Dataset", self.dataset)
        self.form.addRow(self.about)
        self.form.addRow("Validation", self.validation)
        self.form.addRow("Held-out fraction", self.val_fraction)
        self.form.addRow("", self.permute)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.form)
        layout.addLayout(self.options)
        layout.addWidget(self.fit)
        layout.addStretch(1)

    # ----------------------------------------------------------------- catalog and config
    def set_catalog(self, datasets) -> None:
        """Fill the dataset list from the catalog (an Environment's ``datasets``)."""
        self._entries = {d.name: d for d in datasets}
        self._loading = True
        try:
            self.dataset.clear()
            for entry in datasets:
                self.dataset.addItem(entry.label, entry.name)
                self.dataset.setItemData(self.dataset.count() - 1, entry.doc, 3)
        finally:
            self._loading = False
        self._shown_options = ""
        self.load_data(self._data)

    def load_data(self, data: DataConfig) -> None:
        """Show ``data`` without emitting changes."""
        self._data = data
        self._loading = True
        try:
            if self.dataset.findData(data.name) < 0:
                self.dataset.addItem(data.name, data.name)
            _set(self.dataset, data.name)
            _set(self.validation, data.validation)
            _set(self.val_fraction, data.val_fraction)
            _set(self.permute, data.permute_pixels)
            self.form.setRowVisible(self.val_fraction, data.validation == "split")
            entry = self._entries.get(data.name)
            if entry is not None:
                self.about.setText(entry.doc)
            if entry is not None and data.name != self._shown_options:
                self._build_options(entry)
                self._shown_options = data.name
            for name, (widget, option) in self.option_widgets.items():
                _show_value(widget, data.options.get(name, option.default))
        finally:
            self._loading = False

    def _emit_data(self, key: str, **changes) -> None:
        if self._loading:
            return
        try:
            data = replace(self._data, **changes)
        except ValueError:
            return
        self._emit(f"data.{key}", data=data)

    def _on_dataset_changed(self, _index: int) -> None:
        name = self.dataset.currentData()
        if not self._loading and name and name != self._data.name:
            self._emit("data.name", data=DataConfig(name, {}, self._data.validation,
                                                    self._data.val_fraction, self._data.permute_pixels))

    # ----------------------------------------------------------------- options
    def _build_options(self, entry) -> None:
        while self.options.rowCount():
            self.options.removeRow(0)
        self.option_widgets = {}
        for option in entry.options:
            widget = self._option_widget(entry.name, option)
            self.options.addRow(option.name.replace("_", " ").capitalize(), widget)
            widget.setToolTip(option.doc)
            self.option_widgets[option.name] = (widget, option)

    def _option_widget(self, dataset: str, option) -> QWidget:
        if option.kind == "bool":
            box = QCheckBox(self)
            box.toggled.connect(lambda on, n=option.name: self._set_option(n, bool(on)))
            return box
        if option.kind in ("int", "float"):
            return self._number(option)
        if option.choices and option.kind == "str":
            combo = narrow(ComboBox(self))
            combo.addItems(list(option.choices))
            combo.currentTextChanged.connect(lambda text, n=option.name: self._set_option(n, text))
            return combo
        return self._text(dataset, option)

    def _number(self, option) -> QWidget:
        if option.kind == "int":
            spin = SpinBox(int(_bound(option.minimum, -INT_LIMIT)),
                           int(_bound(option.maximum, INT_LIMIT)), self)
            if option.name == "limit" or (option.name == "size" and option.minimum == 0):
                spin.setSpecialValueText("all" if option.name == "limit" else "as shipped")
            spin.valueChanged.connect(lambda v, n=option.name: self._set_option(n, int(v)))
            return spin
        spin = FloatSpinBox(_bound(option.minimum, -1e12), _bound(option.maximum, 1e12), self)
        spin.valueChanged.connect(lambda v, n=option.name: self._set_option(n, float(v)))
        return spin

    def _text(self, dataset: str, option) -> QWidget:
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        edit = QLineEdit(box)
        edit.editingFinished.connect(lambda n=option.name, e=edit, k=option.kind: self._set_option(
            n, e.text().split("/") if k == "list" else e.text()))
        row.addWidget(edit, 1)
        if option.name in ("path", "root"):
            browse = QToolButton(box)
            browse.setText("…")
            browse.setToolTip("Choose the file or folder")
            browse.clicked.connect(lambda _c=False, e=edit: self._browse(dataset, e))
            row.addWidget(browse)
        box.edit = edit
        return box

    def _browse(self, dataset: str, edit: QLineEdit) -> None:
        if dataset == "csv":
            path, _ = QFileDialog.getOpenFileName(self, "CSV table", edit.text(),
                                                  "CSV (*.csv);;All files (*)")
        else:
            path = QFileDialog.getExistingDirectory(self, "Folder", edit.text())
        if path:
            edit.setText(path)
            edit.editingFinished.emit()

    def _set_option(self, name: str, value) -> None:
        if self._loading or self._data.options.get(name) == value:
            return
        self._emit_data(f"options.{name}", options=dict(self._data.options) | {name: value})

    # ----------------------------------------------------------------- verdict
    def show_kind(self, info) -> None:
        """Offer "Shuffle pixels" only for images (``info``: the dataset's DatasetInfo, None
        while not known); ticked on other data, it stays clickable so it can be unticked."""
        images = info is None or info.kind == "image"
        why = "" if images else f"{info.name} holds {info.kind}s, not images: there are no pixels to shuffle"
        set_available(self.permute, images or self.permute.isChecked(), PERMUTE_TIP, why)
        if why and self.permute.isChecked():
            self.permute.setToolTip(f"{PERMUTE_TIP}\nIgnored: {why}; untick it.")

    def show_fit(self, text: str, level: str) -> None:
        colour = level_colour(level) if level in ("ok", "error") else ""
        self.fit.setStyleSheet(f"color: {colour};" if colour else "")
        self.fit.setText(text)
