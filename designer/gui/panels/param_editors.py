"""Typed editors for layer parameters, one per Param kind (see designer.layers.spec.Param).

An editor shows a resolved value (pairs as tuples) and emits ``edited(raw)`` with the value to
store in the design (a pair whose sides are equal is stored as one number, as in the files),
and ``committed()`` when a gesture ends (focus left, Enter, a click), so that a spin-box drag
becomes one undo step. Editors never touch the design themselves.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QSpinBox,
    QToolButton, QWidget,
)

from ...layers.spec import MAX_DIM, Param
from ..availability import set_available

FLOAT_LIMIT = 1e12


class _WheelGuard:
    """Spin boxes and combos ignore the wheel unless focused (scrolling the panel is safe)."""

    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class SpinBox(_WheelGuard, QSpinBox):
    def __init__(self, minimum: int, maximum: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccelerated(True)


class FloatSpinBox(_WheelGuard, QDoubleSpinBox):
    """A double spin box that shows 1e-05 as "1e-05", not "0.00" (eps, learning rates)."""

    def __init__(self, minimum: float, maximum: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(10)
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)

    def textFromValue(self, value: float) -> str:  # noqa: N802
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        try:
            float(text)
        except ValueError:
            return QValidator.State.Intermediate
        return QValidator.State.Acceptable


class ComboBox(_WheelGuard, QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def _int_range(param: Param, floor: int = -MAX_DIM) -> tuple[int, int]:
    low = int(param.minimum) if param.minimum is not None else floor
    high = int(param.maximum) if param.maximum is not None else MAX_DIM
    return low, high


class ParamEditor(QWidget):
    """Base of all editors: a row of widgets, ``edited(raw)`` and ``committed()``."""

    edited = Signal(object)
    committed = Signal()

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(4)
        self._updating = False

    def set_value(self, value: Any) -> None:
        """Show ``value`` (resolved) without emitting ``edited``."""
        self._updating = True
        try:
            self._show(value)
        finally:
            self._updating = False

    def value(self) -> Any:
        raise NotImplementedError

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _emit(self, *args) -> None:
        if not self._updating:
            self.edited.emit(self.value())

    def _emit_and_commit(self, *args) -> None:
        if not self._updating:
            self.edited.emit(self.value())
            self.committed.emit()

    def _spin(self, minimum: int, maximum: int) -> SpinBox:
        spin = SpinBox(minimum, maximum, self)
        spin.valueChanged.connect(self._emit)
        spin.editingFinished.connect(self.committed)
        return spin


class IntEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.spin = self._spin(*_int_range(param))
        self._row.addWidget(self.spin)

    def value(self) -> int:
        return self.spin.value()

    def _show(self, value: Any) -> None:
        self.spin.setValue(int(value))


class IntOrNoneEditor(IntEditor):
    """An int whose lowest step reads "none" (None)."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        low, high = _int_range(param, floor=0)
        self.spin.setRange(low - 1, high)
        self.spin.setSpecialValueText("none")

    def value(self) -> int | None:
        return None if self.spin.value() == self.spin.minimum() else self.spin.value()

    def _show(self, value: Any) -> None:
        self.spin.setValue(self.spin.minimum() if value is None else int(value))


class FloatEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        low = param.minimum if param.minimum is not None else -FLOAT_LIMIT
        high = param.maximum if param.maximum is not None else FLOAT_LIMIT
        self.spin = FloatSpinBox(low, high, self)
        self.spin.valueChanged.connect(self._emit)
        self.spin.editingFinished.connect(self.committed)
        self._row.addWidget(self.spin)

    def value(self) -> float:
        return float(self.spin.value())

    def _show(self, value: Any) -> None:
        self.spin.setValue(float(value))


class BoolEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.check = QCheckBox(self)
        self.check.toggled.connect(self._emit_and_commit)
        self._row.addWidget(self.check)

    def value(self) -> bool:
        return self.check.isChecked()

    def _show(self, value: Any) -> None:
        self.check.setChecked(bool(value))


class ChoiceEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.combo = ComboBox(self)
        for choice in param.choices:
            self.combo.addItem(str(choice), choice)
        self.combo.currentIndexChanged.connect(self._emit_and_commit)
        self._row.addWidget(self.combo, 1)

    def value(self) -> Any:
        return self.combo.currentData()

    def _show(self, value: Any) -> None:
        index = self.combo.findData(value)
        self.combo.setCurrentIndex(max(index, 0))


class PairEditor(ParamEditor):
    """Height and width, linked by the 'square' toggle (one number while linked)."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        low, high = _int_range(param, floor=0)
        self.height, self.width = SpinBox(low, high, self), SpinBox(low, high, self)
        self.height.valueChanged.connect(self._on_height_changed)  # syncs width, then emits
        self.width.valueChanged.connect(self._emit)
        for spin in (self.height, self.width):
            spin.editingFinished.connect(self.committed)
        self.times = QLabel("×", self)
        self.square = QToolButton(self)
        self.square.setText("square")
        self.square.setCheckable(True)
        self.square.setChecked(True)
        self.square.setToolTip("Square: height = width. Uncheck to set them apart.")
        self.square.toggled.connect(self._on_square_toggled)
        for w in (self.height, self.times, self.width, self.square):
            self._row.addWidget(w)
        self._row.addStretch(1)
        self._show_linked(True)

    def value(self) -> int | list[int]:
        h, w = self.height.value(), self.width.value()
        return h if h == w else [h, w]

    def _show(self, value: Any) -> None:
        h, w = (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))
        self.height.setValue(h)
        self.width.setValue(w)
        if (h == w) != self.square.isChecked():
            self.square.setChecked(h == w)

    def _show_linked(self, linked: bool) -> None:
        self.times.setVisible(not linked)
        self.width.setVisible(not linked)

    def _on_height_changed(self, value: int) -> None:
        if self.square.isChecked() and self.width.value() != value:
            self.width.blockSignals(True)
            self.width.setValue(value)
            self.width.blockSignals(False)
        self._emit()

    def _on_square_toggled(self, linked: bool) -> None:
        self._show_linked(linked)
        if linked and self.width.value() != self.height.value():
            self.width.setValue(self.height.value())
            self.committed.emit()


class OptionalPairEditor(ParamEditor):
    """None (e.g. a pool's stride = its kernel) or a pair."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.auto = QCheckBox("= kernel", self)
        self.auto.setToolTip(f"Leave {param.name} empty: it then equals kernel_size")
        self.pair = PairEditor(param, self)
        self.auto.toggled.connect(self._on_auto_toggled)
        self.pair.edited.connect(self._emit)
        self.pair.committed.connect(self.committed)
        self._row.addWidget(self.auto)
        self._row.addWidget(self.pair, 1)

    def value(self) -> Any:
        return None if self.auto.isChecked() else self.pair.value()

    def _show(self, value: Any) -> None:
        self.auto.setChecked(value is None)
        self._sync_pair(value is not None)
        if value is not None:
            self.pair.set_value(value)

    def _on_auto_toggled(self, auto: bool) -> None:
        self._sync_pair(not auto)
        self._emit_and_commit()

    def _sync_pair(self, own: bool) -> None:
        set_available(self.pair, own, "", "it follows the kernel size: untick “= kernel” to set it")


class PaddingEditor(ParamEditor):
    """Explicit padding (a pair), or PyTorch's "same" / "valid"."""

    MODES = ("number", "same", "valid")

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.mode = ComboBox(self)
        self.mode.addItems(self.MODES)
        self.mode.setToolTip('"same" keeps H×W (stride 1 only); "valid" means no padding')
        self.pair = PairEditor(param, self)
        self.mode.currentIndexChanged.connect(self._on_mode_changed)
        self.pair.edited.connect(self._emit)
        self.pair.committed.connect(self.committed)
        self._row.addWidget(self.mode)
        self._row.addWidget(self.pair, 1)

    def value(self) -> Any:
        mode = self.mode.currentText()
        return self.pair.value() if mode == "number" else mode

    def _show(self, value: Any) -> None:
        mode = value if isinstance(value, str) else "number"
        self.mode.setCurrentText(mode)
        self.pair.setVisible(mode == "number")
        if mode == "number":
            self.pair.set_value(value)

    def _on_mode_changed(self, index: int) -> None:
        self.pair.setVisible(self.mode.currentText() == "number")
        self._emit_and_commit()


class GroupsEditor(ParamEditor):
    """Channel groups, or "depthwise" (one group per input channel)."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.spin = self._spin(*_int_range(param))
        self.depthwise = QCheckBox("depthwise", self)
        self.depthwise.setToolTip("One group per input channel (groups = in_channels)")
        self.depthwise.toggled.connect(self._on_depthwise_toggled)
        self._row.addWidget(self.spin)
        self._row.addWidget(self.depthwise)
        self._row.addStretch(1)

    def value(self) -> Any:
        return "depthwise" if self.depthwise.isChecked() else self.spin.value()

    def _show(self, value: Any) -> None:
        self.depthwise.setChecked(value == "depthwise")
        self._sync_spin(value != "depthwise")
        if value != "depthwise":
            self.spin.setValue(int(value))

    def _on_depthwise_toggled(self, on: bool) -> None:
        self._sync_spin(not on)
        self._emit_and_commit()

    def _sync_spin(self, own: bool) -> None:
        set_available(self.spin, own, "Channel groups", "depthwise: one group per input channel; "
                      "untick “depthwise” to set a number")


class ShapeEditor(ParamEditor):
    """A list of 1 to 3 sizes (an Input's shape without the batch), with + / − buttons."""

    MAX_DIMS = 3

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.spins = [self._spin(1, MAX_DIM) for _ in range(self.MAX_DIMS)]
        self.add_button = QToolButton(self)
        self.add_button.setText("+")
        self.add_button.setToolTip("Add a dimension (e.g. [F] → [C, H, W] takes three)")
        self.remove_button = QToolButton(self)
        self.remove_button.setText("−")
        self.remove_button.setToolTip("Remove the last dimension")
        self.add_button.clicked.connect(lambda: self._resize(self._count + 1))
        self.remove_button.clicked.connect(lambda: self._resize(self._count - 1))
        for w in (*self.spins, self.add_button, self.remove_button):
            self._row.addWidget(w)
        self._count = self.MAX_DIMS

    def value(self) -> list[int]:
        return [s.value() for s in self.spins[: self._count]]

    def _show(self, value: Any) -> None:
        dims = list(value)[: self.MAX_DIMS]
        for spin, d in zip(self.spins, dims):
            spin.setValue(int(d))
        self._set_count(len(dims))

    def _set_count(self, count: int) -> None:
        self._count = count
        for i, spin in enumerate(self.spins):
            spin.setVisible(i < count)
        set_available(self.add_button, count < self.MAX_DIMS, "Add a dimension (e.g. [F] → [C, H, W] "
                      "takes three)", f"a shape has at most {self.MAX_DIMS} dimensions")
        set_available(self.remove_button, count > 1, "Remove the last dimension",
                      "a shape needs at least one dimension")

    def _resize(self, count: int) -> None:
        if 1 <= count <= self.MAX_DIMS:
            self._set_count(count)
            self._emit_and_commit()


EDITORS: dict[str, type[ParamEditor]] = {
    "int": IntEditor,
    "int_or_none": IntOrNoneEditor,
    "float": FloatEditor,
    "bool": BoolEditor,
    "choice": ChoiceEditor,
    "pair": PairEditor,
    "optional_pair": OptionalPairEditor,
    "padding": PaddingEditor,
    "groups": GroupsEditor,
    "shape": ShapeEditor,
}


def make_editor(param: Param, parent: QWidget | None = None) -> ParamEditor:
    """The editor for ``param``'s kind; every kind the catalog uses has one."""
    try:
        return EDITORS[param.kind](param, parent)
    except KeyError:
        raise ValueError(f"no editor for parameter kind {param.kind!r} ({param.name})") from None


from .param_editors_zoo import ZOO_EDITORS  # noqa: E402  (they build on ParamEditor above)

EDITORS.update(ZOO_EDITORS)
