"""EdgeItem: a curve from an output port to an input port, labelled with its tensor shape.

One EdgeItem may stand for several graph edges (all the edges from one source into a
collapsed group); deleting it deletes them all. The scene computes the route (it knows the
obstacles) and the label text; the item only draws them.
"""

from __future__ import annotations

import weakref
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem, QWidget

from ...core.graph import Edge
from .geometry import Route, translated
from .port_item import IN, OUT
from .style import PORT_R, colour, font, metrics, zoomed_out

ARROW = 7.0
_SELECTABLE = QGraphicsItem.GraphicsItemFlag.ItemIsSelectable


@lru_cache(maxsize=4096)
def _label_width(text: str) -> float:
    """A label's plate width (edges from one layer, and many layers, share a shape text)."""
    return metrics("small").horizontalAdvance(text) + 6 if text else 0.0

_NO_PEN = Qt.PenStyle.NoPen


def route_path(route: Route) -> QPainterPath:
    path = QPainterPath(QPointF(*route.start))
    for seg in route.segments:
        if seg[0] == "line":
            path.lineTo(QPointF(*seg[1]))
        else:
            path.cubicTo(QPointF(*seg[1]), QPointF(*seg[2]), QPointF(*seg[3]))
    return path


class EdgeLabel:
    """The shape text beside an edge, on a small plate of the background colour. Drawn by
    its edge (not an item of its own: one Qt item fewer per edge); positions are in the
    edge's coordinates, as a child item's would be. It holds its edge weakly: a cycle
    between the two would leave every edge of a closed design to the cyclic collector."""

    __slots__ = ("_edge", "text", "_rect", "_x", "_y", "_visible")

    def __init__(self, edge: "EdgeItem") -> None:
        self._edge = weakref.ref(edge)
        self.text = ""
        self._rect = QRectF()
        self._x = self._y = 0.0
        self._visible = False

    def set_text(self, text: str) -> None:
        if text != self.text:
            self.text = text
            width, visible = _label_width(text), bool(text) and self.edge.routed
            if width == self._rect.width() and visible == self._visible:
                self.edge.update()  # the same plate: only the text is drawn again
                return
            self._rect = QRectF(0, -8, width, 16)
            self._visible = visible
            self.edge.sync_bounds()

    @property
    def edge(self) -> "EdgeItem":
        return self._edge()

    def setPos(self, x: float, y: float) -> None:  # noqa: N802 (the item API it stands in for)
        self._x, self._y = x, y

    def pos(self) -> QPointF:
        return QPointF(self._x, self._y)

    def isVisible(self) -> bool:  # noqa: N802
        return self._visible

    def setVisible(self, visible: bool) -> None:  # noqa: N802
        self._visible = visible

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(self._rect)

    def local_rect(self) -> QRectF:
        """The plate in the edge's coordinates."""
        return self._rect.translated(self._x, self._y)

    def sceneBoundingRect(self) -> QRectF:  # noqa: N802
        return self.local_rect().translated(self.edge.pos())

    def paint(self, painter: QPainter, theme) -> None:
        rect = self.local_rect()
        plate = colour(theme.edge_label_bg)
        plate.setAlpha(225)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(plate))
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(colour(theme.muted))
        painter.setFont(font("small"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)


class EdgeItem(QGraphicsRectItem):
    """A connection between two boxes (``src``/``dst`` items and their port keys).

    The rectangle (no pen, no brush) holds the route's bounds in C++, so that indexing
    thousands of edges calls no Python; ``shape`` (hit tests only) is the stroked route."""

    def __init__(self, key, edges: list[Edge], src, src_port, dst, dst_port) -> None:
        super().__init__()
        self.key = key
        self.edges = list(edges)
        self.src, self.src_port = src, src_port
        self.dst, self.dst_port = dst, dst_port
        self._base: Route | None = None  # the drawn route, in the item's coordinates
        self._moved: Route | None = None  # _base moved by the item's offset, when asked
        self._path = QPainterPath()
        self._path_bounds = QRectF()
        self._shape = QPainterPath()
        self.highlighted = False
        #: (source shape, *edges) the label was last made from; the scene skips equal ones.
        self.source: tuple | None = None
        self.label = EdgeLabel(self)
        self._tip = ""
        #: Where its boxes were when the edge went, if its route was current then (undo).
        self.kept_at: tuple | None = None
        self.setFlag(_SELECTABLE)
        self.setAcceptHoverEvents(True)
        self.setPen(_NO_PEN)  # (z 0: below the boxes)
        self._hover = False
        # Hidden until routed: Qt treats an empty rectangle as a point at the origin, so
        # thousands of edges waiting for their route would all be painted there.
        self.setVisible(False)

    def ends(self) -> tuple[QPointF, QPointF]:
        return self.src.port_scene_pos(OUT, self.src_port), self.dst.port_scene_pos(IN, self.dst_port)

    @property
    def routed(self) -> bool:
        return self._base is not None

    @property
    def route(self) -> Route | None:
        """The route in scene coordinates: the drawn one, moved by the item's offset."""
        base = self._base
        p = self.pos()
        if base is None or (p.x() == 0.0 and p.y() == 0.0):
            return base
        if self._moved is None:
            self._moved = translated(base, p.x(), p.y())
        return self._moved

    def route_ends(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """Where the route starts and ends in the scene (without building it moved)."""
        p = self.pos()
        (sx, sy), (ex, ey) = self._base.start, self._base.end
        return (sx + p.x(), sy + p.y()), (ex + p.x(), ey + p.y())

    def set_route(self, route: Route, label_at: tuple[float, float] | None = None,
                  offset: tuple[float, float] = (0.0, 0.0)) -> None:
        """Show ``route`` moved by ``offset``; ``label_at`` is the label's left x and centre
        y, both in the route's coordinates (the scene's, when ``offset`` is zero)."""
        if label_at is None:
            label_at = (route.label_at[0] + 5, route.label_at[1])
        self.label.setPos(*label_at)
        p = self.pos()
        if (p.x(), p.y()) != offset:
            self.setPos(*offset)
            self._moved = None
        if route is not self._base and route != self._base:
            if self._base is None:  # shown once it has a place
                self.setVisible(True)
                self.label.setVisible(bool(self.label.text))
            self._base, self._moved = route, None
            self._path = route_path(route)
            self._path_bounds = self._path.boundingRect().adjusted(-8, -8, 8, 8)
            self._shape = None  # stroked on first use (hit tests): most edges are never asked
        self.sync_bounds()

    def sync_bounds(self) -> None:
        """Qt's bounds: the route with room for the pen and arrow, and the label."""
        if self.label.isVisible():
            self.setRect(self._path_bounds.united(self.label.local_rect()))
        else:
            self.setRect(self._path_bounds)

    def shift(self, dx: float, dy: float) -> None:
        """Move the route and its label by (dx, dy): both ends moved together (a drag)."""
        self.moveBy(dx, dy)
        self._moved = None

    def placement(self) -> tuple:
        """(route, label_at, offset): what ``set_route`` takes to show this again."""
        label, p = self.label.pos(), self.pos()
        return self._base, (label.x(), label.y()), (p.x(), p.y())

    def label_size(self) -> tuple[float, float]:
        return (self.label.boundingRect().width(), 16.0)

    def set_label(self, text: str, tooltip: str) -> None:
        self.label.set_text(text)
        if tooltip != self._tip:
            self._tip = tooltip
            self.setToolTip(tooltip)

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def shape(self) -> QPainterPath:
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            self._shape = stroker.createStroke(self._path)
        return self._shape

    def hoverEnterEvent(self, event) -> None:
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self._hover = False
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self._base is None:
            return
        theme = self.scene().theme
        if self.isSelected() or self.highlighted:
            ink, width = colour(theme.selection), 3.0
        elif self._hover:
            ink, width = colour(theme.hover), 2.2
        else:
            ink, width = colour(theme.edge), 1.6
        painter.setPen(QPen(ink, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        if zoomed_out(painter, option):  # level of detail: no arrow head, no label
            return
        x, y = self._base.end
        tip = y - PORT_R - 1
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(ink))
        painter.drawPolygon(QPolygonF([QPointF(x - 4.5, tip - ARROW), QPointF(x + 4.5, tip - ARROW),
                                       QPointF(x, tip)]))
        if self.label.isVisible():
            self.label.paint(painter, theme)
