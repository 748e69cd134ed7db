"""GraphScene: the canvas mirror of the document's Graph.

The scene listens to the graph's fine-grained psygnal signals and keeps one item per visible
thing: a NodeItem per node, a GroupNodeItem per collapsed group (its members hidden, their
edges drawn to it), a GroupFrameItem per expanded group, and an EdgeItem per visible
connection. Analysis results only change text (``labels.py``), and only items whose text
changed repaint. Items never write the model: every gesture ends in one ``document.push``.
Edge routes and frames are recomputed lazily (once per event-loop turn) after moves.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QPointF, QRectF, QTimer, Signal
from PySide6.QtWidgets import QGraphicsScene

from ...core.graph import Edge, Graph, collector_paused
from ...core.layout import (group_anchor, group_chain, group_chains, group_members, group_parents,
                            visible_owner)
from . import labels
from .edge_item import EdgeItem
from .group_item import GroupFrameItem, GroupNodeItem
from .node_item import BoxItem, NodeItem
from .port_item import Port
from .geometry import union
from .scene_geometry import ROUTE_AT_ONCE, SceneGeometry, group_chain_of_group
from .scene_gestures import SceneGestures
from .scene_items import SceneItems
from .style import LIGHT, category_colour, colour, theme_for


class GraphScene(SceneGeometry, SceneGestures, SceneItems, QGraphicsScene):
    """See the module docstring. ``nodes`` maps node id → NodeItem (visible nodes only)."""

    status_message = Signal(str)
    #: Routes or frames changed (once per geometry pass): the view re-fits its scroll area.
    geometry_changed = Signal()
    node_activated = Signal(str)

    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.theme = LIGHT
        self.nodes: dict[str, NodeItem] = {}
        self.group_nodes: dict[str, GroupNodeItem] = {}
        self.frames: dict[str, GroupFrameItem] = {}
        self.edge_items: dict[tuple, EdgeItem] = {}
        self._touching: dict[str, list[EdgeItem]] = {}  # box key → its edges
        self._owner: dict[str, str] = {}
        self._chains: dict[str, list[str]] = {}
        self._members: dict[str, list[str]] = {}
        self._graph: Graph | None = None
        self._syncing = False
        self._placing = False
        self._connect = None  # the ConnectGesture of a drag from a port
        self._drag_start: dict | None = None
        self._dirty: set[tuple] = set()
        self._backlog: dict[tuple, None] = {}  # edges waiting for a later geometry pass
        self._frames_dirty = False
        self._batch = 0  # > 0 inside a document batch or a selection gesture
        self._ports_dirty: set[str] = set()  # boxes whose ports wait for the batch's end
        self._rebuild_due = False
        self._selection_due = False
        self._pending: dict[str, list] = {}  # nodes added during the batch, in order
        self._pending_edges: dict[Edge, None] = {}  # edges added during the batch, in order
        self._route_cache: dict[tuple, tuple] = {}
        self._init_items()
        self._content: QRectF | None = None  # content_rect(), until the geometry changes
        self._seen: int | None = None  # the serial of the analysis the items show
        self._edited: set[str] = set()  # nodes whose parameters changed since
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.flush_some)
        self.setBackgroundBrush(colour(self.theme.background))
        self._binding: list = []
        # Qt may delete the scene while the document (and its graph) lives on: let go then.
        self.destroyed.connect(partial(_disconnect, self._binding))
        self.selectionChanged.connect(self._on_scene_selection)
        self._texted_with = None  # the Analysis the items' texts were last made from
        document.analysis_changed.connect(self._on_document_analysis)
        document.selection_changed.connect(self._on_document_selection)
        document.graph_replaced.connect(self._on_graph_replaced)
        document.batch_started.connect(self.begin_batch)
        document.batch_finished.connect(self.end_batch)
        self._bind(document.graph)
        self.rebuild()

    # ================================================================ model binding
    @property
    def graph(self) -> Graph:
        return self.document.graph

    def _bind(self, graph: Graph) -> None:
        if self._graph is not None:
            _disconnect(self._binding)
        self._graph = graph
        self._binding[:] = self._slots(graph)
        for signal, slot in self._binding:
            signal.connect(slot)

    def _slots(self, graph: Graph):
        return [(graph.node_added, self._on_node_added), (graph.nodes_added, self._on_nodes_added),
                (graph.edges_added, self._on_edges_added), (graph.node_removed, self._on_node_removed),
                (graph.node_moved, self._on_node_moved), (graph.edge_added, self._on_edge_added),
                (graph.edge_removed, self._on_edge_removed), (graph.groups_changed, self._on_groups_changed),
                (graph.node_changed, self._on_node_changed), (graph.nodes_removed, self._on_nodes_removed),
                (graph.edges_removed, self._on_edges_removed)]

    def _on_graph_replaced(self) -> None:
        self._route_cache.clear()
        self._bind(self.document.graph)
        self.rebuild()
        self._forget_spares()  # another design: the items kept for undo are of no use now

    # ================================================================ batches
    def begin_batch(self) -> None:
        """Until the matching ``end_batch``: new nodes and edges, ports, group rebuilds and
        the selection's hand-over to the document wait, so a 1,000-node edit costs one of
        each (and items are not made for what a group rebuild at the end recreates)."""
        self._batch += 1

    def end_batch(self) -> None:
        self._batch -= 1
        if self._batch > 0:
            return
        nodes, edges = self._pending, self._pending_edges
        self._pending, self._pending_edges = {}, {}
        with collector_paused(len(nodes) + len(edges)), \
                self._index_paused(len(self._doomed) + len(nodes) + len(edges)):
            self._batch += 1  # selection changes and ports once, below
            self._drop_doomed()
            self._batch -= 1
            if self._rebuild_due:
                self._rebuild_due = False
                self._ports_dirty.clear()
                self.rebuild()
            else:
                self._batch += 1
                for nid in nodes:
                    if nid in self.graph.nodes:
                        self._add_node(nid)
                for edge in edges:
                    self._add_edge(edge)
                    self._ports_changed(edge)
                self._batch -= 1
                if nodes or edges:
                    self._schedule()
        ports, self._ports_dirty = self._ports_dirty, set()
        for key in ports:
            box = self.box(key)
            if box is not None:
                self._update_ports(box)
        if self._selection_due:
            self._selection_due = False
            self._on_scene_selection()

    def _on_groups_changed(self) -> None:
        if self._batch:
            self._rebuild_due = True
        else:
            self.rebuild()

    def detach(self) -> None:
        """Stop mirroring the graph (the view is going away)."""
        _disconnect(self._binding)
        self._graph = None

    # ================================================================ building
    def rebuild(self) -> None:
        """Recreate every item from the graph (open, group changes); keeps the selection."""
        graph = self.graph
        chains = group_chains(graph)
        owners = visible_owner(graph, chains)
        shown = sum(1 for nid, owner in owners.items() if owner == nid)
        count = len(self.nodes) + len(self.edge_items) + 2 * shown  # items that go and come
        with collector_paused(count), self._index_paused(count):
            self._rebuild(chains, owners)

    def _rebuild(self, chains: dict, owners: dict) -> None:
        selected = self.document.selection
        self._cancel_gestures()
        self._timer.stop()
        self._drop_doomed()
        for item in list(self.items()):
            if item.parentItem() is None:
                self.removeItem(item)
        for item in self.nodes.values():
            self._keep_spare(item)
        for item in self.edge_items.values():
            self._keep_spare_edge(item)
        self.nodes, self.group_nodes, self.frames, self.edge_items = {}, {}, {}, {}
        self._pending, self._pending_edges = {}, {}
        self._touching = {}
        self._content = None
        self._kept_obstacles = None
        graph = self.graph
        self._chains = chains
        self._owner = owners
        self._members = group_members(graph, chains)
        for nid, owner in self._owner.items():
            if owner == nid:
                self._add_node_item(nid, placeholder=False)  # texted from the analysis below
        parents = group_parents(graph)
        for gid in graph.groups:
            self._add_group_items(gid, parents)
        for edge in graph.edges:
            self._add_edge(edge)
        self._ports_dirty.clear()
        for box in self.boxes():
            self._update_ports(box)
        self._seen = None  # every item is new: all of them take their text
        self._on_analysis_changed(self.document.analysis)
        self._place_groups()
        self._dirty = set(self.edge_items)
        self._backlog = {}
        self._frames_dirty = True
        if len(self._dirty) <= ROUTE_AT_ONCE:
            self.flush()  # frames and routes at once
        else:  # frames; the routes in passes nearest the view, once it shows the design
            self.flush_frames()
            self._schedule()
        self._select(selected)

    def boxes(self) -> list[BoxItem]:
        return [*self.nodes.values(), *self.group_nodes.values()]

    def box(self, key: str) -> BoxItem | None:
        return self.nodes.get(key) or self.group_nodes.get(key)

    def _add_node_item(self, nid: str, placeholder: bool = True) -> None:
        node = self.graph.nodes[nid]
        header = category_colour(node.type)
        item = self._spare.pop(nid, None)
        title = self._display_id(nid)
        if item is None or item.header_colour != header:
            item = NodeItem(nid, header)
            item.title = title
            if placeholder:
                item.set_text(labels.placeholder(node, title))
        else:  # the box this node had (undo, a group rebuild): text and ports are kept
            item.setSelected(False)
            if item.title != title:
                item.title, item.source = title, None
        self._placing = True
        item.setPos(*node.position)
        self._placing = False
        if not self._take_back(item):
            self.addItem(item)
        self.nodes[nid] = item

    def _add_group_items(self, gid: str, parents: dict) -> None:
        graph = self.graph
        if not self._members.get(gid):
            return
        ancestors = group_chain_of_group(graph, gid, parents)
        if any(graph.groups[a].collapsed for a in ancestors):
            return
        group = graph.groups[gid]
        if group.collapsed:
            item = GroupNodeItem(gid)
            item.set_text(labels.placeholder_group(group, len(self._members[gid])))
            self.addItem(item)
            self.group_nodes[gid] = item
        else:
            frame = GroupFrameItem(gid, len(ancestors))
            self.addItem(frame)
            self.addItem(frame.plate)
            self.frames[gid] = frame

    def _place_groups(self) -> None:
        positions = {n: self.graph.nodes[n].position for n in self.graph.nodes}
        self._placing = True
        for gid, item in self.group_nodes.items():
            item.setPos(*group_anchor(positions, self._members[gid]))
        self._placing = False
        self._content = None

    # ================================================================ edges and ports
    def _edge_key(self, edge: Edge) -> tuple | None:
        s, d = self._owner.get(edge.src), self._owner.get(edge.dst)
        if s is None or d is None or s == d:
            return None
        src_port = edge.src if s in self.group_nodes else 0
        dst_port = s if d in self.group_nodes else edge.port
        return (s, src_port, d, dst_port)

    def _add_edge(self, edge: Edge) -> None:
        key = self._edge_key(edge)
        if key is None or self.box(key[0]) is None or self.box(key[2]) is None:
            return
        item = self.edge_items.get(key)
        if item is None:
            src, dst = self.box(key[0]), self.box(key[2])
            item = self._spare_edge(key, src, dst)
            kept = None
            if item is None:
                item = EdgeItem(key, [edge], src, key[1], dst, key[3])
            else:  # the connection this edge had (undo): label and route are kept
                item.edges = [edge]
                item.setSelected(False)
                kept, item.kept_at = item.kept_at, None
            if not self._take_back(item):
                self.addItem(item)
            self.edge_items[key] = item
            self._touching.setdefault(key[0], []).append(item)
            self._touching.setdefault(key[2], []).append(item)
            if kept is not None and kept == (src.pos(), dst.pos()):
                return  # back between boxes where they were: its route still holds
        elif edge not in item.edges:
            item.edges.append(edge)
        self._dirty.add(key)

    def _update_ports(self, box: BoxItem) -> None:
        signature = labels.port_signature(self.graph, box.key)
        edges = self._touching.get(box.key, ())
        if signature is None or signature != box.port_signature:  # else: the same ports
            specs = labels.port_specs(self.graph, box, self._owner, self._members)
            if box.set_ports(specs):
                for item in edges:
                    self._dirty.add(item.key)
            box.port_signature = signature
        connected_in = {item.key[3] for item in edges if item.dst is box}
        connected_out = {item.key[1] for item in edges if item.src is box}
        for key, port in box.in_ports.items():
            port.connected = key in connected_in
        for key, port in box.out_ports.items():
            port.connected = key in connected_out

    def edges_of(self, box) -> list[EdgeItem]:
        return list(self._touching.get(box.key, ()))

    def all_ports(self) -> list[Port]:
        return [p for b in self.boxes() for p in (*b.in_ports.values(), *b.out_ports.values())]

    # ================================================================ graph signals
    def _on_node_added(self, nid: str) -> None:
        if self._batch:  # made at the end of the batch (or by its rebuild)
            self._pending.setdefault(nid, [])
            return
        self._add_node(nid)

    def _on_nodes_added(self, ids: list[str]) -> None:
        if self._batch:
            pending = self._pending
            for nid in ids:
                pending.setdefault(nid, [])
            return
        for nid in ids:
            self._add_node(nid)

    def _add_node(self, nid: str) -> None:
        chain = group_chain(self.graph, nid)
        self._chains[nid] = chain
        owner = nid
        for gid in chain:
            if self.graph.groups[gid].collapsed:
                owner = gid
        self._owner[nid] = owner
        self._content = None
        self._kept_obstacles = None
        if owner == nid:
            self._add_node_item(nid)
            self._ports_later(nid)
        self._schedule()

    def _on_node_removed(self, nid: str) -> None:
        if self._pending.pop(nid, None) is not None:
            return  # added and removed within one batch: never shown
        item = self.nodes.pop(nid, None)
        self._content = None
        self._kept_obstacles = None
        self._owner.pop(nid, None)
        self._touching.pop(nid, None)
        self._chains.pop(nid, None)
        if item is not None:
            self._cancel_gestures()
            self._drop(item)
            self._keep_spare(item)
        self._frames_dirty = True
        self._schedule()

    def _on_nodes_removed(self, ids: list[str]) -> None:
        for nid in ids:
            self._on_node_removed(nid)

    def _on_node_changed(self, nid: str) -> None:
        self._edited.add(nid)  # its box is re-texted with the next analysis, even if that is equal
        item = self.nodes.get(nid)
        if item is not None and item.text.status == "unknown" and not item.text.line2:
            item.set_text(labels.placeholder(self.graph.nodes[nid], self._display_id(nid)))

    def _on_node_moved(self, nid: str) -> None:
        owner = self._owner.get(nid)
        box = self.box(owner) if owner else None
        if box is None:
            return
        if owner == nid:
            pos = QPointF(*self.graph.nodes[nid].position)
        else:
            positions = {m: self.graph.nodes[m].position for m in self._members[owner]}
            pos = QPointF(*group_anchor(positions, self._members[owner]))
        if box.pos() != pos:
            self._placing = True
            box.setPos(pos)
            self._placing = False
            self._mark_moved(box)

    def _on_edge_added(self, edge: Edge) -> None:
        if self._batch:
            self._pending_edges[edge] = None
            return
        self._add_edge(edge)
        self._ports_changed(edge)
        self._schedule()

    def _on_edges_added(self, edges: list[Edge]) -> None:
        if self._batch:
            self._pending_edges.update(dict.fromkeys(edges))
            return
        for edge in edges:
            self._add_edge(edge)
            self._ports_changed(edge)
        self._schedule()

    def _on_edges_removed(self, edges: list[Edge]) -> None:
        for edge in edges:
            self._on_edge_removed(edge)

    def _on_edge_removed(self, edge: Edge) -> None:
        if edge in self._pending_edges:
            del self._pending_edges[edge]
            return
        key = self._edge_key(edge)
        item = self.edge_items.get(key) if key else None
        if item is not None and edge in item.edges:
            item.edges.remove(edge)
            if not item.edges:
                del self.edge_items[key]
                for end in (key[0], key[2]):
                    self._touching[end].remove(item)
                current = item.routed and key not in self._dirty and key not in self._backlog
                item.kept_at = (item.src.pos(), item.dst.pos()) if current else None
                self._dirty.discard(key)
                if item.isSelected():
                    item.setSelected(False)
                self._drop(item)
                self._keep_spare_edge(item)
        self._ports_changed(edge)
        self._schedule()

    def _ports_changed(self, edge: Edge) -> None:
        for nid in (edge.src, edge.dst):
            owner = self._owner.get(nid)
            if owner is not None:
                self._ports_later(owner)

    def _ports_later(self, key: str) -> None:
        """Update ``key``'s ports now, or once at the end of the batch."""
        if self._batch:
            self._ports_dirty.add(key)
            return
        box = self.box(key)
        if box is not None:
            self._update_ports(box)

    # ================================================================ analysis → text
    def _on_document_analysis(self, analysis) -> None:
        """The document's analysis: skipped when the items were just texted from this very
        Analysis (an open texts them while building, then the document broadcasts it)."""
        if analysis is not self._texted_with:
            self._on_analysis_changed(analysis)

    def _on_analysis_changed(self, analysis) -> None:
        """Update the text of every item from ``analysis``; only changed items repaint, and
        only boxes whose height changed (an issue line came or went) re-route their edges.
        After a re-analysis of the analysis shown last, only the items of its redone nodes
        and of the nodes edited since are looked at."""
        self._texted_with = analysis
        edited, self._edited = self._edited, set()
        seen, self._seen = self._seen, analysis.serial
        if analysis.redone is not None and analysis.base == seen:
            self._retext_nodes(analysis, edited.union(analysis.redone))
            return
        with collector_paused(len(self.nodes) + len(self.edge_items)):
            self._retext_all(analysis)

    def _retext_all(self, analysis) -> None:
        graph = self.graph
        nodes, infos = graph.nodes, analysis.nodes
        for nid, item in self.nodes.items():
            node, info = nodes[nid], infos.get(nid)
            shown = item.source  # what the text was made from: skip boxes whose sources are equal
            if shown is not None and (shown[0] is info or shown[0] == info) and shown[1] == node.params:
                continue
            item.source = (info, node.params)
            self._retext(item, labels.node_text(node, info, item.title))
        for gid, item in self.group_nodes.items():
            self._retext(item, labels.group_text(graph, gid, self._members[gid], analysis, self.edges_of(item)))
        for gid, frame in self.frames.items():
            frame.set_text(*labels.frame_text(graph.groups[gid], self._members[gid], analysis))
        for item in self.edge_items.values():
            info = infos.get(item.edges[0].src)
            source = (info.output_shape if info is not None else None, *item.edges)
            if source != item.source:
                item.source = source
                item.set_label(*labels.edge_label(graph, item.edges, analysis))

    def _retext_nodes(self, analysis, touched: set[str]) -> None:
        """``_on_analysis_changed`` for the items that ``touched`` nodes show: their boxes, the
        edges at those boxes, the groups holding them and the collapsed groups at those edges."""
        graph = self.graph
        nodes, infos = graph.nodes, analysis.nodes
        keys, groups = set(), set()
        for nid in touched:
            if nid not in nodes:
                continue
            item = self.nodes.get(nid)
            if item is not None:
                info, shown = infos.get(nid), item.source
                if shown is None or shown[1] is not nodes[nid].params or not (
                        shown[0] is info or shown[0] == info):
                    item.source = (info, nodes[nid].params)
                    self._retext(item, labels.node_text(nodes[nid], info, item.title))
            groups.update(self._chains.get(nid, ()))
            owner = self._owner.get(nid)
            if owner is not None:
                keys.add(owner)
        for key in keys:
            for item in self._touching.get(key, ()):
                groups.update((item.key[0], item.key[2]))
                info = infos.get(item.edges[0].src)
                source = (info.output_shape if info is not None else None, *item.edges)
                if source != item.source:
                    item.source = source
                    item.set_label(*labels.edge_label(graph, item.edges, analysis))
        for gid in groups:
            if gid in self.group_nodes:
                item = self.group_nodes[gid]
                self._retext(item, labels.group_text(graph, gid, self._members[gid], analysis, self.edges_of(item)))
            if gid in self.frames:
                self.frames[gid].set_text(*labels.frame_text(graph.groups[gid], self._members[gid], analysis))

    def _retext(self, box: BoxItem, text) -> None:
        height = box.height
        if box.set_text(text) and box.height != height:
            self._mark_moved(box)

    def content_rect(self) -> QRectF:
        """The boxes and frames, with room for edge loops and labels (cheaper than asking
        every item for its bounds); remembered until something moves, comes or goes."""
        if self._content is None:
            rects = [b.scene_rect() for b in self.boxes()]
            rects += [_rect_tuple(f.mapRectToScene(f.frame_rect())) for f in self.frames.values()]
            if not rects:
                return QRectF()
            left, top, right, bottom = union(rects)
            self._content = QRectF(left, top, right - left, bottom - top).adjusted(-70, -20, 90, 20)
        return QRectF(self._content)

    def _display_id(self, nid: str) -> str:
        """A node's id without its block's prefix ("layer1.0.conv1" → "conv1" inside the
        layer1.0 frame, which already says where it is)."""
        chain = self._chains.get(nid)
        if not chain or chain[0] not in self.graph.groups:
            return nid
        group = self.graph.groups[chain[0]]
        for prefix in (f"{group.id}.", f"{group.name}."):
            at = nid.rfind(prefix)  # "features.denseblock1.x" in denseblock1 → "x"
            if at >= 0 and (at == 0 or nid[at - 1] == ".") and len(nid) > at + len(prefix):
                return nid[at + len(prefix):]
        return nid

    def owner_of(self, node_id: str) -> str | None:
        return self._owner.get(node_id)

    def members_of(self, group_id: str) -> list[str]:
        return list(self._members.get(group_id, []))

    # ================================================================ theme
    def set_dark(self, dark: bool) -> None:
        self.theme = theme_for(dark)
        self.setBackgroundBrush(colour(self.theme.background))
        self.update()


def _rect_tuple(rect: QRectF) -> tuple[float, float, float, float]:
    return (rect.left(), rect.top(), rect.right(), rect.bottom())


def _disconnect(binding: list) -> None:
    for signal, slot in binding:
        signal.disconnect(slot)
    binding.clear()
