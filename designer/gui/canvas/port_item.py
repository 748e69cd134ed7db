"""Port: an input or output socket on a box; dragging from one draws a new edge.

A port is not a Qt item of its own: its box paints it, finds it under the mouse, shows its
tooltip and cursor, and starts the connection drag from it (``BoxItem``). As child items,
ports were half of a dense design's Qt items (2,950 for 1,000 boxes): each one made,
indexed, moved with its box and removed, for a dot of ten pixels.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QPainter, QPen

from .style import PORT_R, colour

IN, OUT = "in", "out"
#: How far from its centre a port takes the mouse (a little beyond the drawn socket).
TARGET_R = PORT_R + 4
#: How far a port's drawing reaches from its centre (a targeted one grows by 2, and its pen).
REACH = PORT_R + 4
#: Highlight states while an edge is being dragged.
IDLE, OFFERED, TARGET = 0, 1, 2


class Port:
    """A socket: ``direction`` is IN or OUT; ``node_id`` is the graph node the edge would
    touch; ``port`` the input index (IN on a node) or None. ``connected`` fills it. Its
    position (``pos``) is in its box's coordinates; the box is held weakly (no cycle)."""

    __slots__ = ("_box", "direction", "node_id", "port", "key", "tooltip", "connected", "state",
                 "x", "y")

    def __init__(self, box, direction: str, node_id: str | None, port: int | None, key,
                 tooltip: str = "") -> None:
        self._box = weakref.ref(box)
        self.direction = direction
        self.node_id = node_id
        self.port = port
        self.key = key
        self.tooltip = tooltip
        self.connected = False
        self.state = IDLE
        self.x = self.y = 0.0

    def __repr__(self) -> str:
        return f"<Port {self.direction} {self.key!r} of {self.node_id!r}>"

    @property
    def box(self):
        return self._box()

    def setPos(self, x: float, y: float) -> None:  # noqa: N802 (the item API it stood in for)
        self.x, self.y = x, y

    def pos(self) -> QPointF:
        return QPointF(self.x, self.y)

    def scenePos(self) -> QPointF:  # noqa: N802
        p = self.box.pos()
        return QPointF(p.x() + self.x, p.y() + self.y)

    def toolTip(self) -> str:  # noqa: N802
        return self.tooltip

    def setToolTip(self, tooltip: str) -> None:  # noqa: N802
        self.tooltip = tooltip

    def hit(self, x: float, y: float) -> bool:
        """Whether (x, y), in the box's coordinates, is on this port's mouse target."""
        dx, dy = x - self.x, y - self.y
        return dx * dx + dy * dy <= TARGET_R * TARGET_R

    def rect(self) -> QRectF:
        """What it paints, in the box's coordinates."""
        return QRectF(self.x - REACH, self.y - REACH, 2 * REACH, 2 * REACH)

    def set_state(self, state: int) -> None:
        if state != self.state:
            self.state = state
            self.update()

    def update(self) -> None:
        box = self.box
        if box is not None:
            box.update(self.rect())

    def paint(self, painter: QPainter, theme) -> None:
        ring = colour(theme.port_ok) if self.state else colour(theme.port)
        radius = PORT_R + (2 if self.state == TARGET else 0)
        painter.setPen(QPen(ring, 2.0 if self.state else 1.4))
        fill = ring if (self.connected or self.state == TARGET) else colour(theme.body)
        painter.setBrush(QBrush(fill))
        painter.drawEllipse(QPointF(self.x, self.y), radius, radius)
