"""The hyperparameter forms: optimiser and schedule (with its preview), and the run's length,
batch, early stopping, seed and device (with the memory estimate).

A form shows a TrainingConfig (``load``) and emits ``changed(merge_key, changes)`` with the
settings to change; the panel turns that into one undoable edit. Rows that do not apply to
the chosen optimiser or schedule are hidden.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from ...training.config import DEVICES, OPTIMIZERS, TrainingConfig
from ...training.schedules import SCHEDULES, ScheduleError
from ..panels.param_editors import ComboBox, FloatSpinBox, SpinBox
from ..theme import level_colour
from .schedule_preview import SchedulePreview
from .speed_rows import SpeedRows

MOMENTUM = ("momentum", "nesterov")
BETAS = ("adam", "adamw")
SCHEDULE_ROWS = {"k": ("time", "exponential"), "step_size": ("step",), "gamma": ("step",),
                 "min_lr": ("cosine",)}


def narrow(combo: ComboBox) -> ComboBox:
    """A combo box that may be narrower than its longest item (docks can be narrow)."""
    combo.setSizeAdjustPolicy(ComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    return combo


class Form(QWidget):
    """Shared plumbing: ``changed(merge_key, changes)`` unless the form is being loaded."""

    changed = Signal(str, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._loading = False

    def _emit(self, key: str, **changes) -> None:
        if not self._loading:
            self.changed.emit(key, changes)

    def _combo(self, items: dict[str, str]) -> ComboBox:
        combo = narrow(ComboBox(self))
        for name, tip in items.items():
            combo.addItem(name, name)
            combo.setItemData(combo.count() - 1, tip, 3)  # Qt.ToolTipRole
        return combo

    def _float(self, lo: float, hi: float, step: float, key: str) -> FloatSpinBox:
        spin = FloatSpinBox(lo, hi, self)
        spin.setSingleStep(step)
        spin.valueChanged.connect(lambda v: self._emit(key, **{key: float(v)}))
        return spin

    def _int(self, lo: int, hi: int, key: str) -> SpinBox:
        spin = SpinBox(lo, hi, self)
        spin.valueChanged.connect(lambda v: self._emit(key, **{key: int(v)}))
        return spin


def _set(widget, value) -> None:
    if isinstance(widget, ComboBox):
        widget.setCurrentIndex(max(0, widget.findData(value)))
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    else:
        widget.setValue(value)


class OptimiserForm(Form):
    """Optimiser, learning rate, weight decay, momentum or betas, label smoothing, schedule."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._config = TrainingConfig()
        self.optimizer = self._combo(OPTIMIZERS)
        self.optimizer.currentIndexChanged.connect(
            lambda _i: self._emit("optimizer", optimizer=self.optimizer.currentData()))
        self.lr = self._float(1e-8, 10.0, 1e-4, "lr")
        self.weight_decay = self._float(0.0, 1.0, 1e-4, "weight_decay")
        self.momentum = self._float(0.0, 0.999, 0.01, "momentum")
        self.beta1 = FloatSpinBox(0.0, 0.9999, self)
        self.beta2 = FloatSpinBox(0.0, 0.99999, self)
        for spin in (self.beta1, self.beta2):
            spin.setSingleStep(0.001)
            spin.valueChanged.connect(lambda _v: self._emit(
                "betas", betas=(float(self.beta1.value()), float(self.beta2.value()))))
        self.label_smoothing = self._float(0.0, 0.99, 0.05, "label_smoothing")
        self.schedule = self._combo(SCHEDULES)
        self.schedule.currentIndexChanged.connect(lambda _i: self._schedule_changed("name"))
        self.sched = {name: FloatSpinBox(lo, hi, self) for name, lo, hi in (
            ("k", 0.0, 100.0), ("step_size", 0.01, 1e6), ("gamma", 0.001, 1.0),
            ("min_lr", 0.0, 10.0), ("warmup_epochs", 0.0, 1e6))}
        for name, spin in self.sched.items():
            spin.setSingleStep(0.1 if name != "min_lr" else 1e-5)
            spin.valueChanged.connect(lambda _v, n=name: self._schedule_changed(n))
        self.preview = SchedulePreview(self)
        self._lay_out()

    def _lay_out(self) -> None:
        f = self.form
        f.addRow("Optimiser", self.optimizer)
        f.addRow("Learning rate", self.lr)
        f.addRow("Weight decay", self.weight_decay)
        f.addRow("Momentum", self.momentum)
        f.addRow("β₁ (beta 1)", self.beta1)
        f.addRow("β₂ (beta 2)", self.beta2)
        f.addRow("Label smoothing", self.label_smoothing)
        f.addRow("Schedule", self.schedule)
        labels = {"k": "Decay k", "step_size": "Step every (epochs)", "gamma": "Multiply by γ",
                  "min_lr": "Final lr", "warmup_epochs": "Warm-up (epochs)"}
        for name, spin in self.sched.items():
            f.addRow(labels[name], spin)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(f)
        layout.addWidget(self.preview)
        layout.addStretch(1)

    def _schedule_changed(self, name: str) -> None:
        if self._loading:
            return
        values = {n: float(s.value()) for n, s in self.sched.items()}
        try:
            schedule = replace(self._config.schedule, name=self.schedule.currentData(), **values)
        except ScheduleError:
            return  # the spin-box ranges keep the values valid; ignore a transient state
        self._emit(f"schedule.{name}", schedule=schedule)

    def load(self, config) -> None:
        """Show ``config`` without emitting changes."""
        self._loading, self._config = True, config
        try:
            _set(self.optimizer, config.optimizer)
            for name in ("lr", "weight_decay", "momentum", "label_smoothing"):
                _set(getattr(self, name), getattr(config, name))
            _set(self.beta1, config.betas[0])
            _set(self.beta2, config.betas[1])
            _set(self.schedule, config.schedule.name)
            for name, spin in self.sched.items():
                _set(spin, getattr(config.schedule, name))
        finally:
            self._loading = False
        self._show_rows(config)
        self.preview.show_config(config)

    def _show_rows(self, config) -> None:
        self.form.setRowVisible(self.momentum, config.optimizer in MOMENTUM)
        self.form.setRowVisible(self.beta1, config.optimizer in BETAS)
        self.form.setRowVisible(self.beta2, config.optimizer in BETAS)
        for name, schedules in SCHEDULE_ROWS.items():
            self.form.setRowVisible(self.sched[name], config.schedule.name in schedules)


class RunForm(Form):
    """Epochs, batch size, early stopping, seed, device, speed settings and the memory estimate."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.epochs = self._int(1, 100_000, "epochs")
        self.batch_size = self._int(1, 1 << 20, "batch_size")
        self.patience = self._int(0, 10_000, "patience")
        self.patience.setSpecialValueText("off")
        self.seed = self._int(0, 2**31 - 1, "seed")
        self.device = self._combo({d: f"train on {d}" for d in DEVICES})
        self.device.setItemData(0, "CUDA if there is a GPU, else the CPU", 3)
        self.device.currentIndexChanged.connect(
            lambda _i: self._emit("device", device=self.device.currentData()))
        self.device.currentIndexChanged.connect(lambda _i: self._sync_speed())
        self._cuda: bool | None = None  # whether this machine has a CUDA GPU (None: not known yet)
        self.memory = QLabel("", self)
        self.memory.setWordWrap(True)
        f = self.form
        f.addRow("Epochs", self.epochs)
        f.addRow("Batch size", self.batch_size)
        f.addRow("Early stopping patience", self.patience)
        f.addRow("Seed", self.seed)
        f.addRow("Device", self.device)
        self.speed = SpeedRows(self)  # precision, compile, channels-last
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(f)
        layout.addWidget(self.memory)
        layout.addStretch(1)

    def load(self, config) -> None:
        self._loading = True
        try:
            for name in ("epochs", "batch_size", "patience", "seed", "device"):
                _set(getattr(self, name), getattr(config, name))
            self.speed.load(config)
            self._sync_speed()
        finally:
            self._loading = False

    def _sync_speed(self) -> None:
        self.speed.sync(str(self.device.currentData() or "auto"), self._cuda)

    def set_devices(self, available: tuple[str, ...], names: dict) -> None:
        """Grey out the devices this machine lacks (auto is always there)."""
        model = self.device.model()
        for i in range(self.device.count()):
            name = self.device.itemData(i)
            usable = name == "auto" or name in available
            model.item(i).setEnabled(usable)
            if not usable:  # a greyed-out device says why
                model.item(i).setToolTip(f"Not available now: this machine has no {name} device")
            if name in names:
                self.device.setItemText(i, f"{name} ({names[name]})")
        self._cuda = any(str(d).startswith("cuda") for d in available)
        self._sync_speed()

    def show_memory(self, text: str, level: str) -> None:
        colour = level_colour(level) if level in ("warning", "error") else ""
        self.memory.setStyleSheet(f"color: {colour};" if colour else "")
        self.memory.setText(text)
