"""The scene's gestures and selection: a mouse drag that moves boxes ends in one MoveNodes,
a drag from a port ends in one AddEdge (or a message why not), clicks on +/− toggle blocks,
and the scene's selection and the document's stay in step without feedback loops."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF

from ...core.edits import AddEdge, Edit, MoveNodes
from ...core.graph import Edge
from . import commands
from .edge_item import EdgeItem
from .group_item import GroupFrameItem, GroupNodeItem
from .interactions import ConnectGesture
from .node_item import BoxItem, NodeItem
from .port_item import Port


class SceneGestures:
    """Mixin of GraphScene (it uses the scene's items, document and signals)."""

    #: Collapsed blocks selected for only some of their layers (by the document): key → ids.
    _partial: dict[str, list[str]] = {}
    #: The edges of the boxes a mouse drag moves, and whether it moves any box.
    _drag_edges: set = set()
    _drag_moves = False

    def mousePressEvent(self, event) -> None:
        super().mousePressEvent(event)
        self._drag_edges, self._drag_moves = set(), False
        if self._connect is None:
            self._drag_start = {b: QPointF(b.pos()) for b in self.boxes()}
            selected = [i for i in self.selectedItems() if isinstance(i, BoxItem)]
            # A drag moves the selected boxes: their edges follow in the next geometry pass
            # (one set union per mouse move, not one Python call per box per move).
            self._drag_edges = {e.key for b in selected for e in self._touching.get(b.key, ())}
            self._drag_moves = bool(selected)

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        if self._drag_start is not None and self._drag_moves:
            self._dirty |= self._drag_edges
            self._frames_dirty = True
            self._content = None
            self._kept_obstacles = None
            self._schedule()

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if self._drag_start and self._dirty:
            self.flush()  # while the drag lasts: edges moved with both their boxes keep their shape
        start, self._drag_start = self._drag_start, None
        if start:
            edit = self._moves_since(start)
            if edit is not None:
                self.document.push(edit)

    def _moves_since(self, start: dict) -> Edit | None:
        moves = {}
        graph = self.graph
        for box, old in start.items():
            if box.scene() is not self or box.pos() == old:
                continue
            if isinstance(box, NodeItem):
                moves[box.key] = (graph.nodes[box.key].position, (box.pos().x(), box.pos().y()))
                continue
            d = box.pos() - old
            for m in self._members.get(box.key, []):
                x, y = graph.nodes[m].position
                moves[m] = ((x, y), (x + d.x(), y + d.y()))
        if not moves:
            return None
        text = f"Move {next(iter(moves))}" if len(moves) == 1 else f"Move {len(moves)} layers"
        return MoveNodes(moves, text=text)

    # ================================================================ connecting
    def begin_connect(self, port: Port, pos: QPointF) -> None:
        self._cancel_gestures()
        self._connect = ConnectGesture(self, port)
        if not self._connect.offered:
            self.status_message.emit("Nothing can connect to this port now")
        else:
            where = "an input" if port.direction == "out" else "an output"
            self.status_message.emit(f"Drop on {where} highlighted in green to connect; "
                                     f"release elsewhere to cancel")
        self._connect.move(pos)

    def update_connect(self, pos: QPointF) -> None:
        if self._connect is not None:
            self._connect.move(pos)

    def finish_connect(self, pos: QPointF) -> None:
        gesture, self._connect = self._connect, None
        if gesture is None:
            return
        edge, message = gesture.finish(pos)
        self.status_message.emit(message if edge is None and message else "")  # the drag's hint goes
        if edge is not None:
            self.document.push(AddEdge(edge, text=f"Connect {edge.src} → {edge.dst}"))

    def _cancel_gestures(self) -> None:
        if self._connect is not None:
            self._connect.cancel()
            self._connect = None
        self._drag_start = None

    def port_at(self, pos: QPointF) -> Port | None:
        for item in self.items(pos):
            if isinstance(item, BoxItem):
                port = item.port_at(item.mapFromScene(pos))
                if port is not None:
                    return port
        return None

    def box_at(self, pos: QPointF) -> BoxItem | None:
        for item in self.items(pos):
            if isinstance(item, BoxItem):
                return item
        return None

    def edge_at(self, pos: QPointF) -> EdgeItem | None:
        for item in self.items(QRectF(pos.x() - 4, pos.y() - 4, 8, 8)):
            if isinstance(item, EdgeItem):
                return item
        return None

    # ================================================================ groups, activation
    def request_toggle(self, group_id: str) -> bool:
        """Expand or collapse a block: view state, not a document change (no undo entry)."""
        try:
            edit = commands.toggle(self.graph, group_id)
        except ValueError as exc:
            self.status_message.emit(str(exc))
            return False
        return self.document.apply_view_state(edit)

    def item_activated(self, box: BoxItem) -> None:
        if isinstance(box, GroupNodeItem):
            self.request_toggle(box.group_id)
        else:
            self.node_activated.emit(box.key)

    def push_or_report(self, build) -> bool:
        """Build an edit and push it; a ValueError's message goes to the status bar."""
        try:
            edit = build()
        except ValueError as exc:
            self.status_message.emit(str(exc))
            return False
        return edit is not None and self.document.push(edit)

    # ================================================================ selection
    def selected_node_ids(self) -> list[str]:
        ids: list[str] = []
        for item in self.selectedItems():
            if isinstance(item, NodeItem):
                ids.append(item.key)
            elif isinstance(item, GroupNodeItem):  # the whole block, unless picked elsewhere
                ids += self._partial.get(item.key) or self._members.get(item.key, [])
            elif isinstance(item, GroupFrameItem):
                ids += self._members.get(item.group_id, [])
        order = {n: i for i, n in enumerate(self.graph.nodes)}
        return sorted(set(ids), key=lambda n: order.get(n, 0))

    def selected_group_ids(self) -> list[str]:
        return [i.group_id for i in self.selectedItems() if isinstance(i, (GroupNodeItem, GroupFrameItem))]

    def selected_edges(self) -> list[Edge]:
        return [e for i in self.selectedItems() if isinstance(i, EdgeItem) for e in i.edges]

    def _on_scene_selection(self) -> None:
        if self._syncing:
            return
        if self._batch:  # one hand-over at the end of the batch, not one per item
            self._selection_due = True
            return
        self._partial = {}
        self._syncing = True
        try:
            self.document.set_selection(self.selected_node_ids())
        finally:
            self._syncing = False

    def _on_document_selection(self, ids: list) -> None:
        if not self._syncing:
            self._select(ids)

    def _select(self, ids: list[str]) -> None:
        """Select what shows ``ids``; a block that shows only some of them stands for just
        those (a layer picked in the summary must not make Delete remove its whole block)."""
        self._syncing = True
        try:
            keys = {self._owner[n] for n in ids if n in self._owner}
            self._partial = {k: [n for n in ids if self._owner.get(n) == k] for k in keys
                             if k in self.group_nodes}
            for item in self.selectedItems():
                if getattr(item, "key", None) not in keys:
                    item.setSelected(False)
            for key in keys:
                box = self.box(key)
                if box is not None:
                    box.setSelected(True)
        finally:
            self._syncing = False

