"""PortItem: an input or output socket on a node; dragging from one draws a new edge."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from .style import PORT_R, colour, zoomed_out

IN, OUT = "in", "out"
#: The mouse target around a socket, and what is looked up once rather than per port.
_TARGET = QRectF(-(PORT_R + 4), -(PORT_R + 4), 2 * (PORT_R + 4), 2 * (PORT_R + 4))
_CROSS = Qt.CursorShape.CrossCursor
_NO_PEN = Qt.PenStyle.NoPen
#: Highlight states while an edge is being dragged.
IDLE, OFFERED, TARGET = 0, 1, 2


class PortItem(QGraphicsEllipseItem):
    """A socket: ``direction`` is IN or OUT; ``node_id`` is the graph node the edge would
    touch; ``port`` the input index (IN on a node) or None. ``connected`` fills it.

    The ellipse (no pen, no brush) is the mouse target, a little larger than the drawn
    socket; Qt keeps its bounds and shape in C++ (no Python call per index query)."""

    def __init__(self, parent: QGraphicsItem, direction: str, node_id: str | None,
                 port: int | None, key, tooltip: str = "") -> None:
        super().__init__(_TARGET, parent)
        self.direction = direction
        self.node_id = node_id
        self.port = port
        self.key = key
        self.connected = False
        self.state = IDLE
        self.setAcceptHoverEvents(True)
        self.setCursor(_CROSS)
        if tooltip:
            self.setToolTip(tooltip)
        self.setZValue(2)
        self.setPen(_NO_PEN)

    @property
    def box(self):
        return self.parentItem()

    def set_state(self, state: int) -> None:
        if state != self.state:
            self.state = state
            self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if not self.state and zoomed_out(painter, option):
            return
        theme = self.scene().theme
        ring = colour(theme.port_ok) if self.state else colour(theme.port)
        radius = PORT_R + (2 if self.state == TARGET else 0)
        painter.setPen(QPen(ring, 2.0 if self.state else 1.4))
        fill = ring if (self.connected or self.state == TARGET) else colour(theme.body)
        painter.setBrush(QBrush(fill))
        painter.drawEllipse(QPointF(0, 0), radius, radius)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.scene().begin_connect(self, event.scenePos())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        self.scene().update_connect(event.scenePos())

    def mouseReleaseEvent(self, event) -> None:
        self.scene().finish_connect(event.scenePos())
