"""MatrixTable: the convolution explorer's grids of numbers, readable in either theme.

Every cell gets an explicit background *and* text colour, chosen together per theme: the
plain cells follow the theme (dark cells, light numbers in the dark theme), the padding is
a step away from them, and the highlighted window and output cells stay yellow with dark
numbers in both themes (light grey on yellow was nearly invisible).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem, QWidget

from ...analysis import conv_explorer as cx
from .. import theme


@dataclass(frozen=True)
class Cell:
    background: str
    text: str


@dataclass(frozen=True)
class CellColours:
    plain: Cell
    padding: Cell
    window: Cell
    output: Cell


LIGHT = CellColours(plain=Cell("#ffffff", "#1f2328"), padding=Cell("#e6e6e6", "#1f2328"),
                    window=Cell("#ffe08a", "#111111"), output=Cell("#ffc34d", "#111111"))
DARK = CellColours(plain=Cell("#2f333a", "#e6e8eb"), padding=Cell("#454b54", "#e6e8eb"),
                   window=Cell("#ffe08a", "#111111"), output=Cell("#ffc34d", "#111111"))


def cell_colours() -> CellColours:
    return DARK if theme.is_dark() else LIGHT


def _paint(item: QTableWidgetItem, cell: Cell) -> None:
    item.setBackground(QColor(cell.background))
    item.setForeground(QColor(cell.text))


class MatrixTable(QTableWidget):
    """A small grid of numbers; ``fixed`` cells (padding, outputs) cannot be edited."""

    CELL_W, CELL_H = 44, 28

    def __init__(self, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editable = editable
        self.horizontalHeader().setDefaultSectionSize(self.CELL_W)
        self.verticalHeader().setDefaultSectionSize(self.CELL_H)
        self.horizontalHeader().hide()
        self.verticalHeader().hide()
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def _fit(self) -> None:
        """Exactly as large as its cells: the matrices read as matrices, not as sheets."""
        frame = 2 * self.frameWidth()
        self.setFixedSize(self.columnCount() * self.CELL_W + frame, self.rowCount() * self.CELL_H + frame)

    def set_matrix(self, values: np.ndarray, fixed: np.ndarray | None = None) -> None:
        colours = cell_colours()
        self.blockSignals(True)
        self.setRowCount(values.shape[0])
        self.setColumnCount(values.shape[1])
        for (r, c), value in np.ndenumerate(values):
            item = QTableWidgetItem(cx.number_text(value).replace("−", "-"))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            locked = not self.editable or (fixed is not None and fixed[r, c])
            if locked:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            _paint(item, colours.padding if fixed is not None and fixed[r, c] else colours.plain)
            self.setItem(r, c, item)
        self.blockSignals(False)
        self._fit()

    def matrix(self) -> np.ndarray:
        """The numbers shown; a cell that is not a number reads as 0."""
        out = np.zeros((self.rowCount(), self.columnCount()))
        for r in range(self.rowCount()):
            for c in range(self.columnCount()):
                try:
                    out[r, c] = float(self.item(r, c).text().replace("−", "-"))
                except (AttributeError, ValueError):
                    out[r, c] = 0.0
        return out

    def highlight(self, cells: set[tuple[int, int]], role: str, fixed: np.ndarray | None = None) -> None:
        """Colour ``cells`` as ``role`` ("window" or "output"), the others plain or padding."""
        colours = cell_colours()
        lit = getattr(colours, role)
        self.blockSignals(True)
        for r in range(self.rowCount()):
            for c in range(self.columnCount()):
                base = colours.padding if fixed is not None and fixed[r, c] else colours.plain
                _paint(self.item(r, c), lit if (r, c) in cells else base)
        self.blockSignals(False)
