"""Groups on the canvas: a collapsed group is one box (GroupNodeItem); an expanded one is a
labelled frame drawn behind its members (GroupFrameItem). Both have a +/− button that asks
the scene to toggle the group (an undoable edit)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ...core.layout import FRAME_PAD, FRAME_TITLE
from .freeze_badges import LOCK_W, paint_lock
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

    def bounds(self) -> QRectF:
        return self.box_rect().adjusted(-3, -3, 9, 9)  # the stack of cards behind

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        theme = self.scene().theme
        rect = self.box_rect()
        painter.setPen(QPen(colour(theme.frame_border), 1.0))
        painter.setBrush(QBrush(colour(theme.body)))
        for shift in (6.0, 3.0):  # a stack of cards: "there is more inside"
            painter.drawRoundedRect(rect.translated(shift, shift), CORNER, CORNER)
        super().paint(painter, option, widget)

    def paint_decorations(self, painter: QPainter, theme) -> None:
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
        self.plate = FrameTitle(self)
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setZValue(-50 + depth)

    def plate_rects(self) -> tuple[QRectF, QRectF]:
        """The title's plate (name and details) and the button's, in item coordinates."""
        t = self.title_rect()
        name_w = metrics("title").horizontalAdvance(self.title) + 2
        detail_w = metrics("body").horizontalAdvance(self.detail) + 2 if self.detail else 0.0
        lock = LOCK_W if self.group_id in getattr(self.scene(), "frozen_keys", ()) else 0.0
        width = min(10 + name_w + (8 + detail_w if detail_w else 0) + 8, t.width() - BUTTON - 20 - lock)
        plate = QRectF(t.left() + 4, t.top() + 3, max(width, 20.0), FRAME_TITLE - 6)
        return plate, self.button_rect().adjusted(-3, -3, 3, 3)

    def set_rect(self, rect: QRectF) -> None:
        """Frame ``rect`` (members' bounds, scene coordinates) with padding and a title bar."""
        framed = rect.adjusted(-FRAME_PAD, -FRAME_PAD - FRAME_TITLE, FRAME_PAD, FRAME_PAD)
        framed.translate(-self.pos())  # the frame keeps the offset a drag gave it
        if framed != self._rect:
            self.prepareGeometryChange()
            self._rect = framed
            self.plate.sync()

    def set_text(self, title: str, detail: str, status: str, tooltip: str) -> None:
        if (title, detail, status) != (self.title, self.detail, self.status):
            self.title, self.detail, self.status = title, detail, status
            self.update()
            self.plate.sync()
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

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and self.scene():
            self.plate.sync()
            self.scene().frame_moved(self)
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.plate.update()
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



class FrameTitle(QGraphicsItem):
    """The title of an expanded group on an opaque plate, drawn above edges (which pass
    under it) and below nodes. It takes no mouse buttons: clicks reach the frame."""

    def __init__(self, frame: GroupFrameItem) -> None:
        super().__init__()
        self.frame = frame
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(0.5)
        self._rect = QRectF()

    def sync(self) -> None:
        rect = self.frame.title_rect()
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self.setPos(self.frame.pos())
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def scene_rects(self) -> list[tuple[float, float, float, float]]:
        """Where labels must not go: the plates, in scene coordinates."""
        out = []
        for r in self.frame.plate_rects():
            s = self.frame.mapRectToScene(r)
            out.append((s.left(), s.top(), s.right(), s.bottom()))
        return out

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        frame = self.frame
        theme = self.scene().theme
        plate, button = frame.plate_rects()
        back = colour(theme.background)
        tint = colour(theme.frame_fill)
        a = tint.alphaF() * 2.0
        fill = back.fromRgbF(back.redF() * (1 - a) + tint.redF() * a, back.greenF() * (1 - a) + tint.greenF() * a,
                             back.blueF() * (1 - a) + tint.blueF() * a)
        ink = colour(theme.selection) if frame.isSelected() else colour(theme.frame_border)
        painter.setPen(QPen(ink, 1.0))
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(plate, 4, 4)
        painter.drawRoundedRect(button, 4, 4)
        text = plate.adjusted(6, 0, -6, 0)
        name_w = min(metrics("title").horizontalAdvance(frame.title) + 2, text.width())
        painter.setPen(colour(theme.text))
        painter.setFont(font("title"))
        painter.drawText(QRectF(text.left(), text.top(), name_w, text.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics("title").elidedText(frame.title, Qt.TextElideMode.ElideRight, name_w))
        rest = text.adjusted(name_w + 8, 0, 0, 0)
        if rest.width() > 20:
            painter.setPen(colour(theme.muted))
            painter.setFont(font("body"))
            painter.drawText(rest, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             metrics("body").elidedText(frame.detail, Qt.TextElideMode.ElideRight, rest.width()))
        _paint_button(painter, frame.button_rect(), "-", colour(theme.muted))
        if frame.group_id in getattr(self.scene(), "frozen_keys", ()):  # every layer inside is frozen
            paint_lock(painter, QPointF(plate.right() + 8, button.center().y()), colour(theme.muted))
