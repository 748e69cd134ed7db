"""Groups on the canvas: a collapsed group is one box (GroupNodeItem); an expanded one is a
labelled frame drawn behind its members (GroupFrameItem). Both have a +/− button that asks
the scene to toggle the group (an undoable edit)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ...core.layout import FRAME_PAD, FRAME_TITLE
from .node_item import BoxItem
from .style import CORNER, GROUP_COLOUR, HEADER_H, colour, font, metrics, text_on

BUTTON = 14.0


def _paint_button(painter: QPainter, rect: QRectF, sign: str, ink) -> None:
    painter.setPen(QPen(ink, 1.4))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(rect, 3, 3)
    c = rect.center()
    painter.drawLine(c.x() - 4, c.y(), c.x() + 4, c.y())
    if sign == "+":
        painter.drawLine(c.x(), c.y() - 4, c.x(), c.y() + 4)


class GroupNodeItem(BoxItem):
    """A collapsed group: one box with its input/output shapes and its parameter total."""

    header_colour = GROUP_COLOUR
    header_reserve = BUTTON + 4

    @property
    def group_id(self) -> str:
        return self.key

    def button_rect(self) -> QRectF:
        r = self.box_rect()
        return QRectF(r.right() - BUTTON - 4, r.top() + (HEADER_H - BUTTON) / 2, BUTTON, BUTTON)

    def boundingRect(self) -> QRectF:
        return self.box_rect().adjusted(-3, -3, 9, 9)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        theme = self.scene().theme
        rect = self.box_rect()
        painter.setPen(QPen(colour(theme.frame_border), 1.0))
        painter.setBrush(QBrush(colour(theme.body)))
        for shift in (6.0, 3.0):  # a stack of cards: "there is more inside"
            painter.drawRoundedRect(rect.translated(shift, shift), CORNER, CORNER)
        super().paint(painter, option, widget)
        _paint_button(painter, self.button_rect(), "+", colour(text_on(self.header_colour)))

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.button_rect().contains(event.pos()):
            self.scene().request_toggle(self.group_id)
            event.accept()
            return
        super().mousePressEvent(event)


class GroupFrameItem(QGraphicsItem):
    """An expanded group: a labelled frame around its members. Only the title bar takes the
    mouse (select it, drag it to move the whole block); the inside stays free for the
    members and for rubber-band selection."""

    def __init__(self, group_id: str, depth: int) -> None:
        super().__init__()
        self.group_id = group_id
        self.title = group_id
        self.detail = ""
        self.status = "ok"
        self._rect = QRectF()
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setZValue(-50 + depth)

    def set_rect(self, rect: QRectF) -> None:
        """Frame ``rect`` (members' bounds, scene coordinates) with padding and a title bar."""
        framed = rect.adjusted(-FRAME_PAD, -FRAME_PAD - FRAME_TITLE, FRAME_PAD, FRAME_PAD)
        framed.translate(-self.pos())  # the frame keeps the offset a drag gave it
        if framed != self._rect:
            self.prepareGeometryChange()
            self._rect = framed

    def set_text(self, title: str, detail: str, status: str, tooltip: str) -> None:
        if (title, detail, status) != (self.title, self.detail, self.status):
            self.title, self.detail, self.status = title, detail, status
            self.update()
        if tooltip != self.toolTip():
            self.setToolTip(tooltip)

    def frame_rect(self) -> QRectF:
        return QRectF(self._rect)

    def title_rect(self) -> QRectF:
        return QRectF(self._rect.left(), self._rect.top(), self._rect.width(), FRAME_TITLE)

    def button_rect(self) -> QRectF:
        t = self.title_rect()
        return QRectF(t.right() - BUTTON - 6, t.top() + (FRAME_TITLE - BUTTON) / 2, BUTTON, BUTTON)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.title_rect())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        theme = self.scene().theme
        border = {"error": theme.error, "warning": theme.warning}.get(self.status, theme.frame_border)
        pen = QPen(colour(theme.selection if self.isSelected() else border),
                   2.2 if self.isSelected() or self.status == "error" else 1.2)
        pen.setStyle(Qt.PenStyle.DashLine if not self.isSelected() else Qt.PenStyle.SolidLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(colour(theme.frame_fill)))
        painter.drawRoundedRect(self._rect, CORNER + 2, CORNER + 2)
        title = self.title_rect().adjusted(10, 0, -BUTTON - 14, 0)
        painter.setPen(colour(theme.text))
        painter.setFont(font("title"))
        name_w = min(metrics("title").horizontalAdvance(self.title) + 2, title.width())
        painter.drawText(QRectF(title.left(), title.top(), name_w, FRAME_TITLE),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics("title").elidedText(self.title, Qt.TextElideMode.ElideRight, name_w))
        rest = title.adjusted(name_w + 8, 0, 0, 0)
        if rest.width() > 20:
            painter.setPen(colour(theme.muted))
            painter.setFont(font("body"))
            painter.drawText(rest, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             metrics("body").elidedText(self.detail, Qt.TextElideMode.ElideRight, rest.width()))
        _paint_button(painter, self.button_rect(), "-", colour(theme.muted))

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and self.scene():
            self.scene().frame_moved(self)
        return super().itemChange(change, value)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.button_rect().contains(event.pos()):
            self.scene().request_toggle(self.group_id)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.scene().request_toggle(self.group_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

