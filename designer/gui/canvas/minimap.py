"""Minimap: an overview of the whole design in the canvas's corner, shown while the design
does not fit in view. It draws every box as a small rectangle and the part in view as a
frame; a click or drag in it moves the view there.

Boxes are drawn into a cached picture, redrawn only when the scene's geometry changed and
the minimap is shown, so a thousand-node design costs one pass per change, not per frame.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from .style import colour

SIZE = 150  # the longer side of the minimap, in pixels
MARGIN = 10  # from the canvas's corner
REMEASURE_MS = 200  # at most ~5 re-measures a second while the design changes
BOX_MARGINS = (70, 20, -90, -20)  # GraphScene.content_rect adds (-70, -20, 90, 20) around the boxes


class Minimap(QWidget):
    """Overview child of a GraphView (``view``); positioned by ``view`` in its corner."""

    def __init__(self, view) -> None:
        super().__init__(view)
        self.setObjectName("canvas_minimap")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self._picture: QPixmap | None = None
        self._content = QRectF()
        self._content_stale = True
        self._content_measured = QRectF()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.sync)
        self._remeasure = QTimer(self)
        self._remeasure.setSingleShot(True)
        self._remeasure.setInterval(REMEASURE_MS)
        self._remeasure.timeout.connect(self._on_remeasure_timeout)
        self.hide()

    @property
    def view(self):
        """The GraphView (the parent; not kept in an attribute, so that no reference cycle
        keeps a destroyed view's wrapper alive)."""
        return self.parentWidget()

    # ------------------------------------------------------------ state
    def invalidate(self) -> None:
        """The design's geometry (or the theme) changed: measure and redraw it within
        ``REMEASURE_MS`` (a drag's stream of changes costs a few passes a second, not one per
        frame: measuring and drawing a thousand boxes takes a few tens of milliseconds)."""
        if not self._remeasure.isActive():
            self._remeasure.start()

    def remeasure(self) -> None:
        """Measure the design now (Fit, a new design) and show or hide the minimap."""
        self._remeasure.stop()
        self._content_stale = True
        self._picture = None
        self.sync()

    def _on_remeasure_timeout(self) -> None:
        self.remeasure()

    def schedule(self) -> None:
        """Sync after this event-loop turn (many scroll and zoom steps make one sync)."""
        self._timer.start()

    def sync(self) -> None:
        """Show the minimap only while part of the design is out of view, and place it."""
        if self._content_stale:
            self._content_stale = False
            self._content_measured = self.view.graph_scene.content_rect()
        content = self._content_measured
        shown = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        boxes = content.adjusted(*BOX_MARGINS)  # content_rect less its room for loops and labels
        wanted = not content.isEmpty() and not shown.contains(boxes)  # every box in view: no map
        if content != self._content:
            self._content = content
            self._picture = None
        if wanted:
            self._place(content)
            self.raise_()
        self.setVisible(wanted)
        self.update()

    def _place(self, content: QRectF) -> None:
        scale = SIZE / max(content.width(), content.height())
        w, h = max(40, round(content.width() * scale)), max(40, round(content.height() * scale))
        port = self.view.viewport().geometry()
        self.setGeometry(port.right() - w - MARGIN, port.bottom() - h - MARGIN, w, h)

    # ------------------------------------------------------------ mapping
    def _to_map(self) -> tuple[float, float, float]:
        """Scale and offsets from scene to minimap coordinates (aspect kept, centred)."""
        c = self._content
        scale = min(self.width() / max(c.width(), 1), self.height() / max(c.height(), 1))
        dx = (self.width() - c.width() * scale) / 2 - c.left() * scale
        dy = (self.height() - c.height() * scale) / 2 - c.top() * scale
        return scale, dx, dy

    def scene_point(self, pos: QPointF) -> QPointF:
        scale, dx, dy = self._to_map()
        return QPointF((pos.x() - dx) / scale, (pos.y() - dy) / scale)

    # ------------------------------------------------------------ painting
    def _draw_boxes(self) -> QPixmap:
        theme = self.view.graph_scene.theme
        picture = QPixmap(self.size())
        picture.fill(Qt.GlobalColor.transparent)
        painter = QPainter(picture)
        background = QColor(colour(theme.background))
        background.setAlpha(225)
        painter.fillRect(picture.rect(), background)
        scale, dx, dy = self._to_map()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour(theme.muted))
        for box in self.view.graph_scene.boxes():
            left, top, right, bottom = box.scene_rect()
            painter.drawRect(QRectF(left * scale + dx, top * scale + dy,
                                    max((right - left) * scale, 1.5), max((bottom - top) * scale, 1.5)))
        painter.end()
        return picture

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self._content.isEmpty():
            return
        if self._picture is None or self._picture.size() != self.size():
            self._picture = self._draw_boxes()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._picture)
        theme = self.view.graph_scene.theme
        scale, dx, dy = self._to_map()
        shown = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        frame = QRectF(shown.left() * scale + dx, shown.top() * scale + dy,
                       shown.width() * scale, shown.height() * scale).intersected(QRectF(self.rect()))
        painter.setPen(QPen(colour(theme.selection), 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(frame.adjusted(0.75, 0.75, -0.75, -0.75))
        painter.setPen(QPen(colour(theme.frame_border), 1))
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        painter.end()

    # ------------------------------------------------------------ moving the view
    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.view.centerOn(self.scene_point(event.position()))
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.view.centerOn(self.scene_point(event.position()))
        event.accept()
