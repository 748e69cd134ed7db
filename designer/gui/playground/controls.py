"""PlaygroundControls: TensorFlow Playground's controls, as requests for the panel.

Data (set, noise, share of training points), batch size, learning rate, L2 (weight decay)
and L1, the activation of the whole design, the input features and the presets. The form
shows the design (``load``) and emits what the user asked for; the panel makes each request
one undoable edit. Values are shown without emitting while loading.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
                               QPushButton, QVBoxLayout, QWidget)

from ...layers.features import FEATURES
from ...playground import DATASETS
from ...playground.edits import ACTIVATIONS
from ...playground.presets import PRESETS
from ...training.config import TrainingConfig
from ..panels.param_editors import ComboBox, FloatSpinBox, SpinBox


class PlaygroundControls(QWidget):
    data_changed = Signal(str, float, float)  # dataset, noise, test fraction
    setting_changed = Signal(str, dict)  # merge key, TrainingConfig changes
    activation_chosen = Signal(str)
    features_changed = Signal(dict)  # feature name -> on
    frequency_changed = Signal(float)
    preset_chosen = Signal(str)
    show_test_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.data_box = self._data_box()
        self.training_box = self._training_box()
        self.features_box = self._features_box()
        self.presets_box = self._presets_box()
        for box in (self.presets_box, self.data_box, self.features_box, self.training_box):
            layout.addWidget(box)
        layout.addStretch(1)

    # ----------------------------------------------------------------- building
    def _data_box(self) -> QGroupBox:
        box = QGroupBox("Data", self)
        form = QFormLayout(box)
        self.dataset = ComboBox(box)
        for name in DATASETS:
            self.dataset.addItem(name, name)
        self.noise = FloatSpinBox(0.0, 1.0, box)
        self.noise.setSingleStep(0.05)
        self.ratio = SpinBox(10, 90, box)
        self.ratio.setSuffix(" %")
        self.ratio.setToolTip("share of the points used for training (the rest are test points)")
        self.show_test = QCheckBox("show test data", box)
        self.show_test.setChecked(True)
        form.addRow("Dataset", self.dataset)
        form.addRow("Noise", self.noise)
        form.addRow("Training points", self.ratio)
        form.addRow("", self.show_test)
        for widget in (self.dataset, self.noise, self.ratio):
            signal = widget.currentIndexChanged if widget is self.dataset else widget.valueChanged
            signal.connect(lambda *_: self._emit_data())
        self.show_test.toggled.connect(self.show_test_toggled)
        return box

    def _training_box(self) -> QGroupBox:
        box = QGroupBox("Training", self)
        form = QFormLayout(box)
        self.batch = SpinBox(1, 4096, box)
        self.lr = FloatSpinBox(1e-6, 10.0, box)
        self.l2 = FloatSpinBox(0.0, 10.0, box)
        self.l1 = FloatSpinBox(0.0, 10.0, box)
        self.activation = ComboBox(box)
        for name in ACTIVATIONS:
            self.activation.addItem(name, name)
        form.addRow("Batch size", self.batch)
        form.addRow("Learning rate", self.lr)
        form.addRow("Activation", self.activation)
        form.addRow("L2 (weight decay)", self.l2)
        form.addRow("L1", self.l1)
        self.batch.valueChanged.connect(lambda v: self._setting("batch_size", batch_size=int(v)))
        self.lr.valueChanged.connect(lambda v: self._setting("lr", lr=float(v)))
        self.l2.valueChanged.connect(lambda v: self._setting("weight_decay", weight_decay=float(v)))
        self.l1.valueChanged.connect(lambda v: self._setting("l1", l1=float(v)))
        self.activation.activated.connect(
            lambda i: self._loading or self.activation_chosen.emit(self.activation.itemData(i)))
        return box

    def _features_box(self) -> QGroupBox:
        box = QGroupBox("Input features", self)
        grid = QGridLayout(box)
        self.features: dict[str, QCheckBox] = {}
        for i, (name, label) in enumerate(FEATURES.items()):
            check = QCheckBox(label, box)
            check.toggled.connect(lambda on, n=name: self._loading or self.features_changed.emit({n: on}))
            grid.addWidget(check, i // 4, i % 4)
            self.features[name] = check
        self.frequency = FloatSpinBox(0.01, 100.0, box)
        self.frequency.setToolTip("f in sin(f·x): the inputs are standardised, so f > 1 winds "
                                  "the sines across the data")
        self.frequency.valueChanged.connect(
            lambda v: self._loading or self.frequency_changed.emit(float(v)))
        row = QHBoxLayout()
        row.addWidget(self.frequency)
        grid.addLayout(row, 1, 3)
        return box

    def _presets_box(self) -> QGroupBox:
        box = QGroupBox("Presets", self)
        row = QHBoxLayout(box)
        self.preset = ComboBox(box)
        for preset in PRESETS.values():
            self.preset.addItem(preset.title, preset.name)
            self.preset.setItemData(self.preset.count() - 1, preset.lesson, 3)  # tooltip
        self.apply_preset = QPushButton("Load", box)
        self.apply_preset.setToolTip("replace the design and its settings with the preset "
                                     "(one undoable step)")
        self.apply_preset.clicked.connect(lambda: self.preset_chosen.emit(self.preset.currentData()))
        row.addWidget(self.preset, 1)
        row.addWidget(self.apply_preset)
        return box

    # ----------------------------------------------------------------- requests
    def _emit_data(self) -> None:
        if not self._loading:
            self.data_changed.emit(self.dataset.currentData(), float(self.noise.value()),
                                   1.0 - self.ratio.value() / 100.0)

    def _setting(self, key: str, **changes) -> None:
        if not self._loading:
            self.setting_changed.emit(key, changes)

    # ----------------------------------------------------------------- showing
    def load(self, config: TrainingConfig, activation: str | None, features: dict | None) -> None:
        """Show the design's settings, its (first) activation and its InputFeatures params."""
        self._loading = True
        try:
            data = config.data
            if data.name in DATASETS:
                self.dataset.setCurrentIndex(self.dataset.findData(data.name))
            self.noise.setValue(float(data.options.get("noise", 0.1)))
            self.ratio.setValue(int(round((1.0 - data.val_fraction) * 100)))
            self.batch.setValue(config.batch_size)
            self.lr.setValue(config.lr)
            self.l2.setValue(config.weight_decay)
            self.l1.setValue(config.l1)
            self.activation.setEnabled(activation is not None)
            if activation in ACTIVATIONS:
                self.activation.setCurrentIndex(self.activation.findData(activation))
            params = features or {"x1": True, "x2": True}
            for name, check in self.features.items():
                check.setChecked(bool(params.get(name, False)))
            self.frequency.setValue(float(params.get("frequency", 1.0)))
        finally:
            self._loading = False
