"""UnitGrid: every hidden unit's map as a small picture, one column per layer.

As in TensorFlow Playground the columns run from the input features to the last hidden
layer; each picture is that unit's output over the input plane (orange negative, blue
positive). Clicking one emits ``unit_clicked(node_id, index)`` (the panel enlarges it).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from .colours import unit_colours

THUMB = 44  # pixels per side


def to_pixmap(rgba: np.ndarray, size: int) -> QPixmap:
    """A QPixmap of an RGBA uint8 array drawn top-down (row 0 of the map at the bottom)."""
    data = np.ascontiguousarray(rgba[::-1])
    h, w = data.shape[:2]
    image = QImage(data.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
    return QPixmap.fromImage(image).scaled(size, size, Qt.AspectRatioMode.IgnoreAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation)


def unit_name(node_id: str, index: int) -> str:
    """How a unit is named to the user: "act1, unit 3", or "x₁" for the raw inputs."""
    if node_id.startswith("@"):
        return ("x₁", "x₂")[index] if index < 2 else f"input {index + 1}"
    return f"{node_id}, unit {index + 1}"


class UnitThumb(QLabel):
    clicked = Signal(str, int)

    def __init__(self, node_id: str, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.node_id, self.index = node_id, index
        self.setFixedSize(THUMB, THUMB)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{unit_name(node_id, index)}: click to enlarge")
        self.setFrameShape(QLabel.Shape.Box)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.node_id, self.index)
        super().mousePressEvent(event)


class UnitGrid(QWidget):
    unit_clicked = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setSpacing(3)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.thumbs: dict[tuple[str, int], UnitThumb] = {}
        self._layout_key: tuple = ()
        self.maps: dict[str, np.ndarray] = {}

    def set_layers(self, layers) -> None:
        """Show the unit maps of a BoundaryMaps event's ``layers`` (UnitMaps, input side first)."""
        key = tuple((layer.node_id, layer.title, len(layer.maps)) for layer in layers)
        if key != self._layout_key:
            self._rebuild(key)
        for layer in layers:
            self.maps[layer.node_id] = layer.maps
            for i, values in enumerate(layer.maps):
                self.thumbs[(layer.node_id, i)].setPixmap(to_pixmap(unit_colours(values), THUMB))

    def _rebuild(self, key: tuple) -> None:
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.thumbs.clear()
        self.maps.clear()
        self._layout_key = key
        for col, (node_id, title, units) in enumerate(key):
            head = QLabel(f"{title}\n{node_id}" if not node_id.startswith("@") else f"{title}\nx₁, x₂", self)
            head.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.grid.addWidget(head, 0, col)
            for i in range(units):
                thumb = UnitThumb(node_id, i, self)
                thumb.clicked.connect(self.unit_clicked)
                self.grid.addWidget(thumb, i + 1, col, Qt.AlignmentFlag.AlignHCenter)
                self.thumbs[(node_id, i)] = thumb

    def clear(self) -> None:
        self._rebuild(())
