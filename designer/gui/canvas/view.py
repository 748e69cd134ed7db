"""GraphView: the canvas widget — zoom, pan, drops from the palette, and the commands the
window's menus call (delete, clipboard, groups, layout, export).

Every command builds one core edit (see ``commands``) and pushes it on the document, so
each is one undo step. Zoom and scroll are view state and never touch the model.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QGraphicsView, QMenu

from .freeze_badges import FreezeBadges
from .freeze_menu import freeze_entries

from .edge_item import EdgeItem
from .fit import fit_zoom
from .group_item import GroupFrameItem, GroupNodeItem
from .minimap import Minimap
from .node_item import NodeItem
from .scene import GraphScene
from .view_commands import NODES_MIME, CanvasCommands
from .style import colour

LAYER_MIME = "application/x-designer-layer"
MIN_ZOOM, MAX_ZOOM = 0.08, 4.0
GRID = 24.0


class GraphView(CanvasCommands, QGraphicsView):
    """The node-graph canvas of one Document (see the GUI contract for the public API)."""

    node_activated = Signal(str)
    status_message = Signal(str)

    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.graph_scene = GraphScene(document, self)
        self._freeze_badges = FreezeBadges(self.graph_scene)  # the lock on frozen layers
        self.setScene(self.graph_scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        self._pan_from: QPoint | None = None
        self._space = False
        self._band = QRectF()
        self._pastes = 0
        self.graph_scene.status_message.connect(self.status_message)
        self.graph_scene.node_activated.connect(self.node_activated)
        self.graph_scene.geometry_changed.connect(self._on_geometry_changed)
        self.rubberBandChanged.connect(self._on_rubber_band)
        document.graph_replaced.connect(self._on_graph_replaced)
        self.minimap = Minimap(self)
        self.graph_scene.geometry_changed.connect(self.minimap.invalidate)
        self.horizontalScrollBar().valueChanged.connect(self.minimap.schedule)
        self.verticalScrollBar().valueChanged.connect(self.minimap.schedule)
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):  # waiting routes in view first
            bar.valueChanged.connect(self.graph_scene.view_moved)
        self._update_scene_rect()

    # ================================================================ zoom and pan
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Scale by ``factor`` keeping the scene point under ``anchor`` (view coords) fixed."""
        new = min(max(self.zoom * factor, MIN_ZOOM), MAX_ZOOM)
        factor = new / self.zoom
        if abs(factor - 1.0) < 1e-9:
            return
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        fixed = self.mapToScene(anchor.toPoint())
        fixed = QPointF(fixed.x() + (anchor.x() - anchor.toPoint().x()) / self.zoom,
                        fixed.y() + (anchor.y() - anchor.toPoint().y()) / self.zoom)
        self.scale(factor, factor)
        self._update_scene_rect()
        moved = self.transform().map(fixed) - QPointF(self.horizontalScrollBar().value(),
                                                      self.verticalScrollBar().value())
        shift = moved - anchor
        self._scroll_by(shift.x(), shift.y())

    def _scroll_by(self, dx: float, dy: float) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + round(dx))
        v.setValue(v.value() + round(dy))

    def reset_zoom(self) -> None:
        centre = self.mapToScene(self.viewport().rect().center())
        self.setTransform(self.transform().fromScale(1.0, 1.0))
        self._update_scene_rect()
        self.centerOn(centre)

    def fit_to_view(self) -> None:
        """Show the whole design if its node titles stay readable there (at most at 125 %,
        so a small design is not blown up); a long design is shown at its width, or at the
        readable zoom, from its top: it scrolls, and the minimap shows where the view is."""
        self.graph_scene.flush_frames()  # the routes are not needed to know the content
        rect = self._content_rect()
        if rect.isEmpty():
            return
        port = self.viewport().rect()
        fit = fit_zoom(rect.width(), rect.height(), port.width(), port.height())
        self.setTransform(self.transform().fromScale(fit.zoom, fit.zoom))
        self._update_scene_rect()
        if fit.whole:
            self.centerOn(rect.center())
        else:
            half_w, half_h = port.width() / fit.zoom / 2, port.height() / fit.zoom / 2
            x = rect.center().x() if rect.width() <= 2 * half_w else rect.left() + half_w
            self.centerOn(QPointF(x, rect.top() + half_h))
        self.minimap.remeasure()

    def center_on(self, node_id: str) -> None:
        owner = self.graph_scene.owner_of(node_id)
        box = self.graph_scene.box(owner) if owner else None
        if box is not None:
            left, top, right, bottom = box.scene_rect()
            self.centerOn(QPointF((left + right) / 2.0, (top + bottom) / 2.0))

    def _content_rect(self) -> QRectF:
        return self.graph_scene.content_rect().adjusted(-30, -30, 30, 30)

    def _update_scene_rect(self) -> None:
        """The content plus a viewport of room on each side, so any part can be centred."""
        rect = self._content_rect()
        if rect.isEmpty():
            rect = QRectF(-200, -200, 400, 400)
        mx = self.viewport().width() / max(self.zoom, 1e-6)
        my = self.viewport().height() / max(self.zoom, 1e-6)
        self.setSceneRect(rect.adjusted(-mx, -my, mx, my))
        self.minimap.schedule()

    def _on_geometry_changed(self) -> None:
        rect = self._content_rect()
        if not self.sceneRect().contains(rect):
            self._update_scene_rect()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_scene_rect()

    def _on_graph_replaced(self) -> None:
        self._pastes = 0
        QTimer.singleShot(0, self.fit_to_view)

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y()
        if delta == 0:
            super().wheelEvent(event)
            return
        self.zoom_by(1.0015 ** delta, event.position())
        event.accept()

    def mousePressEvent(self, event) -> None:
        pan = event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space)
        if pan:
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            pos = event.position().toPoint()
            d = pos - self._pan_from
            self._pan_from = pos
            self._scroll_by(-d.x(), -d.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space else Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def _on_rubber_band(self, rect, _from, _to) -> None:
        if not rect.isNull():
            self._band = self.mapToScene(rect).boundingRect()
            return
        for item in self.graph_scene.selectedItems():  # edges only when wholly inside the band
            if isinstance(item, EdgeItem) and not self._band.contains(item.sceneBoundingRect().adjusted(8, 8, -8, -8)):
                item.setSelected(False)
        self._band = QRectF()

    # ================================================================ keys
    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        for keys, action in self._key_table():
            if any(event.matches(k) if isinstance(k, QKeySequence.StandardKey) else
                   (event.key(), event.modifiers()) == k for k in keys):
                action()
                event.accept()
                return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
        super().keyReleaseEvent(event)

    def _key_table(self):
        no, ctrl = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier
        shift = Qt.KeyboardModifier.ShiftModifier
        return [
            ((QKeySequence.StandardKey.Delete, (Qt.Key.Key_Backspace, no)), self.delete_selection),
            (((Qt.Key.Key_F, no),), self.fit_to_view),
            ((QKeySequence.StandardKey.Copy,), self.copy_selection),
            ((QKeySequence.StandardKey.Cut,), self.cut_selection),
            ((QKeySequence.StandardKey.Paste,), self.paste),
            (((Qt.Key.Key_D, ctrl),), self.duplicate_selection),
            ((QKeySequence.StandardKey.SelectAll,), self.select_all),
            (((Qt.Key.Key_G, ctrl),), lambda: self.group_selection()),
            (((Qt.Key.Key_G, ctrl | shift),), self.ungroup_selection),
            (((Qt.Key.Key_Plus, no), (Qt.Key.Key_Equal, no), (Qt.Key.Key_Plus, ctrl)), lambda: self.zoom_by(1.25)),
            (((Qt.Key.Key_Minus, no), (Qt.Key.Key_Minus, ctrl)), lambda: self.zoom_by(0.8)),
            (((Qt.Key.Key_0, ctrl),), self.reset_zoom),
        ]

    # ================================================================ drops from the palette
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if not event.mimeData().hasFormat(LAYER_MIME):
            super().dragMoveEvent(event)
            return
        edge = self.graph_scene.edge_at(self.mapToScene(event.position().toPoint()))
        if self._highlight(edge) and edge is not None:
            layer = bytes(event.mimeData().data(LAYER_MIME)).decode("utf-8")
            self.status_message.emit(f"Drop to insert {layer} between {edge.edges[0].src} and "
                                     f"{', '.join(e.dst for e in edge.edges)}")
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self._highlight(None)
        self.status_message.emit("")  # the drop hint no longer applies
        super().dragLeaveEvent(event)

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        if not mime.hasFormat(LAYER_MIME):
            super().dropEvent(event)
            return
        self._highlight(None)
        self.status_message.emit("")  # clear the drop hint; a refusal below replaces it
        layer_type = bytes(mime.data(LAYER_MIME)).decode("utf-8").strip()
        pos = self.mapToScene(event.position().toPoint())
        edge = self.graph_scene.edge_at(pos)
        if edge is not None:
            self._insert_on(edge, layer_type, pos)
        else:
            self.add_layer(layer_type, pos)
        event.acceptProposedAction()

    def _highlight(self, edge: EdgeItem | None) -> bool:
        """Highlight ``edge`` (the drop would insert on it); True if that changed."""
        changed = False
        for item in self.graph_scene.edge_items.values():
            if item.highlighted != (item is edge):
                item.set_highlighted(item is edge)
                changed = True
        return changed

    # ================================================================ look and export
    def set_dark(self, dark: bool) -> None:
        self.graph_scene.set_dark(dark)
        self.viewport().update()
        self.minimap.invalidate()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        if self.zoom < 0.45:
            return
        painter.setPen(QPen(colour(self.graph_scene.theme.grid), 0))
        left = int(rect.left() // GRID) * GRID
        top = int(rect.top() // GRID) * GRID
        x = left
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += GRID
        y = top
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += GRID

    def render_to_image(self, path) -> Path:
        """Write the whole design as PNG (or SVG when ``path`` ends in .svg)."""
        from .export import render_scene

        return render_scene(self.graph_scene, Path(path))

    # ================================================================ context menu
    def contextMenuEvent(self, event) -> None:
        scene_pos = self.mapToScene(event.pos())
        item = self.graph_scene.itemAt(scene_pos, self.transform())
        target = item if isinstance(item, (NodeItem, GroupNodeItem, GroupFrameItem, EdgeItem)) else None
        if target is not None and not target.isSelected():
            self.graph_scene.clearSelection()
            target.setSelected(True)
        menu = QMenu(self)
        entries = [("Delete", self.delete_selection), ("Duplicate", self.duplicate_selection),
                   ("Copy", self.copy_selection), ("Paste", self.paste), (None, None),
                   ("Group", lambda: self.group_selection()), ("Ungroup", self.ungroup_selection)]
        if isinstance(target, (GroupNodeItem, GroupFrameItem)):
            verb = "Expand" if isinstance(target, GroupNodeItem) else "Collapse"
            entries.append((f"{verb} block", lambda: self.toggle_group(target.group_id)))
        entries += freeze_entries(self, target)
        entries += [(None, None), ("Auto layout", self.auto_layout), ("Fit to view", self.fit_to_view)]
        for text, slot in entries:
            if text is None:
                menu.addSeparator()
            else:
                action = QAction(text, menu)
                action.triggered.connect(lambda _=False, s=slot: s())
                menu.addAction(action)
        menu.exec(event.globalPos())


__all__ = ["GraphView", "LAYER_MIME", "NODES_MIME"]
