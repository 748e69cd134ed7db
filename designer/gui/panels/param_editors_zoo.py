"""Editors for the parameter kinds the modern-zoo layers use: dims (a list of whole numbers,
typed as "0, 2, 3, 1"), count and text (typed), and mapping (an opaque module's constructor
arguments, shown read-only: they describe the module that was imported, not a setting)."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from ...layers.spec import Param
from .param_editors import ParamEditor


class _LineEditor(ParamEditor):
    """A line of text; ``edited`` when it parses, committed on Enter or leaving the field."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.line = QLineEdit(self)
        self.line.editingFinished.connect(self._finish)
        self._row.addWidget(self.line, 1)
        self._last: Any = None

    def _finish(self) -> None:
        try:
            value = self._parse(self.line.text())
        except ValueError:
            self.line.setToolTip(f"could not read {self.line.text()!r}: {self._hint()}")
            self._show(self._last)
            return
        self.line.setToolTip(self._hint())
        if value != self._last and not self._updating:
            self._last = value
            self.edited.emit(value)
            self.committed.emit()

    def value(self) -> Any:
        return self._last

    def _parse(self, text: str) -> Any:
        raise NotImplementedError

    def _hint(self) -> str:
        return ""


class DimsEditor(_LineEditor):
    def _parse(self, text: str) -> list[int]:
        parts = [p for p in text.replace(",", " ").replace("[", " ").replace("]", " ").split() if p]
        return [int(p) for p in parts]

    def _hint(self) -> str:
        return "whole numbers separated by commas, e.g. 0, 2, 3, 1"

    def _show(self, value: Any) -> None:
        self._last = list(value or [])
        self.line.setText(", ".join(str(v) for v in self._last))


class CountEditor(_LineEditor):
    def _parse(self, text: str) -> int:
        value = int(text.replace(",", "").replace("_", "").strip())
        if value < 0:
            raise ValueError(text)
        return value

    def _hint(self) -> str:
        return "a whole number of at least 0"

    def _show(self, value: Any) -> None:
        self._last = int(value or 0)
        self.line.setText(f"{self._last:,}")


class TextEditor(_LineEditor):
    def _parse(self, text: str) -> str:
        return text.strip()

    def _show(self, value: Any) -> None:
        self._last = str(value or "")
        self.line.setText(self._last)


class MappingView(ParamEditor):
    """Constructor arguments of an opaque module, read-only (re-import to change them)."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setToolTip("the arguments the module was built with; import the model again "
                              "to change them")
        self._row.addWidget(self.label, 1)
        self._value: dict = {}

    def value(self) -> dict:
        return self._value

    def _show(self, value: Any) -> None:
        self._value = dict(value or {})
        self.label.setText(json.dumps(self._value, separators=(", ", ": "))[:400] or "{}")


ZOO_EDITORS: dict[str, type[ParamEditor]] = {
    "dims": DimsEditor,
    "count": CountEditor,
    "text": TextEditor,
    "mapping": MappingView,
}
