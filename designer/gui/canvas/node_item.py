"""BoxItem and NodeItem: the boxes of the canvas.

A box shows a coloured header (id and type), the key parameters, the output shape and the
parameter count, and, when the analysis found a problem, a red or amber strip with the
reason. Items hold ids and display text only: the scene computes the text from the
analysis and never lets an item write the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem, QWidget

from .freeze_badges import LOCK_W, muted, paint_lock
from .geometry import port_offsets
from .port_item import IN, OUT, REACH, TARGET_R, Port
from .style import (CORNER, HEADER_H, ISSUE_LINE, NODE_H, NODE_W, colour, font, metrics, text_on,
                    zoomed_out)

OK, ERROR, WARNING, UNKNOWN = "ok", "error", "warning", "unknown"
#: Looked up once, not per box (an enum attribute costs a Python call in PySide).
_BOX_FLAGS = QGraphicsItem.GraphicsItemFlag.ItemIsMovable | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
_NO_PEN = Qt.PenStyle.NoPen


@dataclass(frozen=True)
class BoxText:
    """Everything a box draws; compared as a whole so that unchanged boxes are not repainted."""

    title: str
    kind: str
    line1: str
    line2: str
    extra: str = ""
    issue: str = ""
    status: str = OK
    tooltip: str = ""
    #: line1 is a stand-in (the layer's category), not parameters: drawn muted.
    quiet: bool = False


@dataclass(frozen=True)
class PortSpec:
    """One port a box should have: the node an edge would touch, its input index, a key."""

    direction: str
    node_id: str | None
    port: int | None
    key: object
    tooltip: str = ""


class BoxItem(QGraphicsRectItem):
    """Common painting, ports and movement of NodeItem and GroupNodeItem.

    A QGraphicsRectItem without pen or brush only to hold the bounds in C++: Qt asks an
    item for its bounding rectangle many times per item while indexing, and a Python
    ``boundingRect`` made that most of the cost of showing thousands of boxes."""

    header_colour = "#6f7d8c"
    #: Room kept free at the right of the header (a group's +/− button).
    header_reserve = 0.0

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.text = BoxText(key, "", "", "")
        self._issue_lines: list[str] = []
        self.in_ports: dict[object, Port] = {}
        self.out_ports: dict[object, Port] = {}
        self._hover_port: Port | None = None  # under the mouse: its tooltip and cursor show
        self._connecting = False  # a drag from one of its ports is under way
        self._shape: QPainterPath | None = None
        #: What the ports were made from (labels.port_signature), set by the scene.
        self.port_signature: tuple | None = None
        # No ItemSendsGeometryChanges: a Python itemChange per box per move made dragging
        # 1,000 boxes slow; the scene marks what a drag moves (SceneGestures.mouseMoveEvent).
        self.setFlags(_BOX_FLAGS)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.setPen(_NO_PEN)
        self._sync_bounds()

    # ------------------------------------------------------------ geometry
    @property
    def height(self) -> float:
        return NODE_H + (ISSUE_LINE * len(self._issue_lines) + 4 if self._issue_lines else 0.0)

    def box_rect(self) -> QRectF:
        return QRectF(-NODE_W / 2, -NODE_H / 2, NODE_W, self.height)

    def bounds(self) -> QRectF:
        """What the box paints, selection outline included (Qt's boundingRect)."""
        return self.box_rect().adjusted(-3, -3, 3, 3)

    def _sync_bounds(self) -> None:
        """Qt's bounds: what the box paints, with its ports at the top and bottom edges."""
        self.setRect(self.bounds().united(self.box_rect().adjusted(0, -REACH, 0, REACH)))
        self._shape = None

    def shape(self) -> QPainterPath:
        """The box and its ports' mouse targets (hit tests, rubber-band selection)."""
        if self._shape is None:
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.WindingFill)  # the union: a port overlaps its box
            path.addRoundedRect(self.box_rect(), CORNER, CORNER)
            for port in (*self.in_ports.values(), *self.out_ports.values()):
                path.addEllipse(QPointF(port.x, port.y), TARGET_R, TARGET_R)
            self._shape = path
        return QPainterPath(self._shape)

    def scene_rect(self) -> tuple[float, float, float, float]:
        """The box in scene coordinates, as (left, top, right, bottom) for the router."""
        p = self.pos()  # the box_rect() arithmetic without building a QRectF (called a lot)
        x, top = p.x(), p.y() - NODE_H / 2
        return (x - NODE_W / 2, top, x + NODE_W / 2, top + self.height)

    # ------------------------------------------------------------ content
    def set_text(self, text: BoxText) -> bool:
        """Show ``text``; False (and no repaint) when nothing changed."""
        if text == self.text:
            return False
        shown_tip = self.text.tooltip
        lines = wrap(text.issue, NODE_W - 14, 2) if text.issue else []
        if len(lines) != len(self._issue_lines):
            self.text, self._issue_lines = text, lines
            self._sync_bounds()
            self._place_ports()
        else:
            self.text, self._issue_lines = text, lines
        if text.tooltip != shown_tip and self._hover_port is None:
            self.setToolTip(text.tooltip)
        self.update()
        return True

    def set_ports(self, specs: list[PortSpec]) -> bool:
        """Make the ports match ``specs`` (kept when unchanged); True if they changed."""
        want_in = [s for s in specs if s.direction == IN]
        want_out = [s for s in specs if s.direction == OUT]
        same = ([(s.key, s.node_id, s.port) for s in want_in]
                == [(p.key, p.node_id, p.port) for p in self.in_ports.values()]
                and [(s.key, s.node_id) for s in want_out]
                == [(p.key, p.node_id) for p in self.out_ports.values()])
        if same:
            for s in specs:
                ports = self.in_ports if s.direction == IN else self.out_ports
                ports[s.key].setToolTip(s.tooltip)
            return False
        self._set_hover_port(None)
        self.in_ports = {s.key: Port(self, IN, s.node_id, s.port, s.key, s.tooltip) for s in want_in}
        self.out_ports = {s.key: Port(self, OUT, s.node_id, None, s.key, s.tooltip) for s in want_out}
        self._place_ports()
        self.update()
        return True

    def _place_ports(self) -> None:
        for ports, y in ((self.in_ports, -NODE_H / 2), (self.out_ports, self.box_rect().bottom())):
            for port, x in zip(ports.values(), port_offsets(len(ports), NODE_W)):
                port.setPos(x, y)
        self._shape = None

    def port_at(self, pos: QPointF) -> Port | None:
        """The port whose mouse target holds ``pos`` (box coordinates), if any."""
        x, y = pos.x(), pos.y()
        for port in (*self.in_ports.values(), *self.out_ports.values()):
            if port.hit(x, y):
                return port
        return None

    def port_scene_pos(self, direction: str, key) -> QPointF:
        ports = self.in_ports if direction == IN else self.out_ports
        port = ports.get(key)
        if port is None:  # a port that went away: the box's middle edge
            y = -NODE_H / 2 if direction == IN else self.box_rect().bottom()
            return self.mapToScene(QPointF(0, y))
        p = self.pos()
        return QPointF(p.x() + port.x, p.y() + port.y)

    # ------------------------------------------------------------ events
    def mousePressEvent(self, event) -> None:
        """A press on a port starts a connection drag (the box is neither selected nor
        moved); anywhere else, the box's own selection and move."""
        port = self.port_at(event.pos()) if event.button() == Qt.MouseButton.LeftButton else None
        if port is not None and self.scene() is not None:
            self._connecting = True
            self.scene().begin_connect(port, event.scenePos())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._connecting:
            self.scene().update_connect(event.scenePos())
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._connecting:
            self._connecting = False
            self.scene().finish_connect(event.scenePos())
            return
        super().mouseReleaseEvent(event)

    def hoverMoveEvent(self, event) -> None:
        self._set_hover_port(self.port_at(event.pos()))
        super().hoverMoveEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self._set_hover_port(None)
        super().hoverLeaveEvent(event)

    def _set_hover_port(self, port: Port | None) -> None:
        """Over a port: the cross cursor and the port's tooltip; elsewhere, the box's."""
        if port is self._hover_port:
            return
        self._hover_port = port
        if port is None:
            self.unsetCursor()
            self.setToolTip(self.text.tooltip)
        else:
            self.setCursor(Qt.CursorShape.CrossCursor)
            self.setToolTip(port.tooltip)

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.scene():
            self.scene().item_activated(self)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    # ------------------------------------------------------------ painting
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        theme = self.scene().theme
        rect = self.box_rect()
        frozen = self.key in getattr(self.scene(), "frozen_keys", ())  # drawn muted, with a lock
        header = muted(self.header_colour, theme.body) if frozen else self.header_colour
        far = zoomed_out(painter, option)
        if far:  # level of detail: a coloured box, no text
            self._paint_back(painter, theme, rect, frozen)
            head = QRectF(rect.left(), rect.top(), rect.width(), HEADER_H)
            painter.fillRect(head, colour(header))
        else:
            self._paint_back(painter, theme, rect, frozen)
            self._paint_header(painter, theme, rect, header, frozen)
            self._paint_body(painter, theme, rect)
        self.paint_decorations(painter, theme)
        self.paint_ports(painter, theme, far)

    def paint_decorations(self, painter: QPainter, theme) -> None:
        """Drawn over the box, under its ports (a block's +/− button)."""

    def paint_ports(self, painter: QPainter, theme, far: bool) -> None:
        """The sockets; zoomed out, only those an edge being dragged offers."""
        for port in (*self.in_ports.values(), *self.out_ports.values()):
            if port.state or not far:
                port.paint(painter, theme)

    def _paint_back(self, painter: QPainter, theme, rect: QRectF, frozen: bool = False) -> None:
        status = self.text.status
        fill = {ERROR: theme.error_fill, WARNING: theme.warning_fill}.get(status, theme.body)
        if self.isSelected():
            pen = QPen(colour(theme.selection), 2.6)
        elif status == ERROR:
            pen = QPen(colour(theme.error), 2.2)
        elif status == WARNING:
            pen = QPen(colour(theme.warning), 1.8)
        else:
            pen = QPen(colour(theme.frame_border), 1.0)
            if frozen:
                pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(colour(fill)))
        painter.drawRoundedRect(rect, CORNER, CORNER)

    def _paint_header(self, painter: QPainter, theme, rect: QRectF, header: str,
                      frozen: bool) -> None:
        head = QRectF(rect.left(), rect.top(), rect.width(), HEADER_H)
        clip = QPainterPath()
        clip.addRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), CORNER, CORNER)
        band = QPainterPath()
        band.addRect(head)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(colour(header)))
        painter.drawPath(clip.intersected(band))
        on = colour(text_on(header))
        badge_w = 16.0 if self.text.status in (ERROR, WARNING) else 0.0
        lock_w = LOCK_W if frozen else 0.0
        right = rect.right() - 7 - self.header_reserve
        room = right - rect.left() - 7 - badge_w - lock_w - 6
        title_need = metrics("title").horizontalAdvance(self.text.title) + 2
        kind_need = metrics("body").horizontalAdvance(self.text.kind) + 2
        kind_w = min(kind_need, max(room - title_need, min(kind_need, 44.0)))
        painter.setPen(on)
        painter.setFont(font("body"))
        painter.drawText(QRectF(right - kind_w, head.top(), kind_w, HEADER_H),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         metrics("body").elidedText(self.text.kind, Qt.TextElideMode.ElideRight, kind_w))
        if badge_w:
            self._paint_badge(painter, theme, QPointF(right - kind_w - 10, head.center().y()))
        if lock_w:
            paint_lock(painter, QPointF(right - kind_w - badge_w - 8, head.center().y()), on)
        title_w = room - kind_w
        painter.setPen(on)
        painter.setFont(font("title"))
        painter.drawText(QRectF(rect.left() + 7, head.top(), title_w, HEADER_H),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics("title").elidedText(self.text.title, Qt.TextElideMode.ElideRight, title_w))

    def _paint_badge(self, painter: QPainter, theme, centre: QPointF) -> None:
        tone = colour(theme.error if self.text.status == ERROR else theme.warning)
        painter.setPen(QPen(colour("#ffffff"), 1.2))
        painter.setBrush(QBrush(tone))
        painter.drawEllipse(centre, 6.5, 6.5)
        painter.setFont(font("badge"))
        painter.drawText(QRectF(centre.x() - 6.5, centre.y() - 7, 13, 14),
                         Qt.AlignmentFlag.AlignCenter, "!")

    def _paint_body(self, painter: QPainter, theme, rect: QRectF) -> None:
        left, width = rect.left() + 7, rect.width() - 14
        line_h = (NODE_H - HEADER_H) / 2
        top = rect.top() + HEADER_H
        dim = self.text.status == UNKNOWN
        painter.setFont(font("body"))
        painter.setPen(colour(theme.muted if dim or self.text.quiet else theme.text))
        body = metrics("body")
        painter.drawText(QRectF(left, top, width, line_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         body.elidedText(self.text.line1, Qt.TextElideMode.ElideRight, width))
        extra = self.text.extra
        if extra and body.horizontalAdvance(f"{self.text.line2}  {extra}") > width:
            extra = extra.split(" ")[0] if extra[0].isdigit() else extra  # "147.5k params" → "147.5k"
        extra_w = body.horizontalAdvance(extra) + 2 if extra else 0.0
        painter.setPen(colour(theme.muted))
        painter.drawText(QRectF(left + width - extra_w, top + line_h, extra_w, line_h),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, extra)
        painter.setPen(colour(theme.muted if dim else theme.text))
        shape_w = width - extra_w - 6
        painter.drawText(QRectF(left, top + line_h, shape_w, line_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         body.elidedText(self.text.line2, Qt.TextElideMode.ElideRight, shape_w))
        if self._issue_lines:
            tone = theme.error if self.text.status == ERROR else theme.warning
            painter.setPen(colour(tone))
            painter.setFont(font("small"))
            for i, line in enumerate(self._issue_lines):
                strip = QRectF(left, rect.top() + NODE_H - 2 + i * ISSUE_LINE, width, ISSUE_LINE)
                painter.drawText(strip, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, line)


def wrap(text: str, width: float, max_lines: int) -> list[str]:
    """Greedy word wrap in the small font; the last line is elided if text remains."""
    fm = metrics("small")
    words = text.split()
    lines: list[str] = []
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and fm.horizontalAdvance(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words:
        lines[-1] = fm.elidedText(f"{lines[-1]} {' '.join(words)}", Qt.TextElideMode.ElideRight, width)
    elif lines and fm.horizontalAdvance(lines[-1]) > width:
        lines[-1] = fm.elidedText(lines[-1], Qt.TextElideMode.ElideRight, width)
    return lines


class NodeItem(BoxItem):
    """One layer; ``key`` is its node id. The header takes its category's colour."""

    def __init__(self, node_id: str, header_colour: str) -> None:
        super().__init__(node_id)
        self.header_colour = header_colour
        #: The header's id (shorter inside a labelled block), set by the scene.
        self.title = node_id
        #: (NodeInfo, params) the text was last made from; the scene skips equal ones.
        self.source: tuple | None = None

    @property
    def node_id(self) -> str:
        return self.key
