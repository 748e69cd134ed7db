"""The network design model: nodes, ordered edges, groups, and change signals.

The Graph is the single source of truth of a design. Everything else (analysis, the canvas,
the compiler) is a projection of it. It is pure Python: it emits change signals through
psygnal so that the Qt layer can mirror it without the model importing Qt.
"""

from __future__ import annotations

import copy
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from psygnal import Signal


class GraphError(ValueError):
    """A structural edit that the graph refuses (duplicate id, missing node, taken port)."""


@dataclass
class Node:
    """One layer of the design: an id unique in the design, a layer type and its parameters."""

    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    position: tuple[float, float] = (0.0, 0.0)

    def copy(self) -> "Node":
        return Node(self.id, self.type, copy.deepcopy(self.params), tuple(self.position))


@dataclass(frozen=True)
class Edge:
    """A tensor flowing from ``src``'s output into input ``port`` of ``dst``."""

    src: str
    dst: str
    port: int = 0


class EdgeList(list):
    """The read-only list ``Graph.edges`` returns: changing it would not change the graph, so
    it refuses (use ``Graph.add_edge`` / ``remove_edge``)."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("Graph.edges is read-only: use Graph.add_edge, insert_edges or remove_edge")

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    def __reduce_ex__(self, protocol):  # copies and pickles are plain, changeable lists
        return (list, (list(self),))


@dataclass
class Group:
    """A named block of nodes (a residual block, an Inception module) that can be collapsed."""

    id: str
    name: str
    nodes: list[str] = field(default_factory=list)
    kind: str = ""
    collapsed: bool = True
    parent: str | None = None

    def copy(self) -> "Group":
        return Group(self.id, self.name, list(self.nodes), self.kind, self.collapsed, self.parent)


class Graph:
    """A directed graph of layers with ordered input ports.

    Signals are past-tense events; ``changed`` fires after every structural or parameter
    change, the fine-grained ones tell a view exactly what to update. A bulk insert
    (``insert_nodes`` / ``insert_edges``: undoing a delete, a paste) emits one
    ``nodes_added`` / ``edges_added`` with everything it added, in order, instead of one
    ``node_added`` / ``edge_added`` per item (one psygnal emit costs microseconds: thousands
    of them were ~0.1 s of undoing a 5,000-node delete); a view that mirrors the graph
    listens to both.
    """

    node_added = Signal(str)
    nodes_added = Signal(list)  # node ids, in order
    node_removed = Signal(str)
    nodes_removed = Signal(list)  # node ids, in order
    node_changed = Signal(str)
    node_moved = Signal(str)
    edge_added = Signal(object)
    edges_added = Signal(list)  # Edges, in order
    edge_removed = Signal(object)
    edges_removed = Signal(list)  # Edges, in order
    groups_changed = Signal()
    meta_changed = Signal()
    changed = Signal()

    def __init__(self, name: str = "Untitled", description: str = "") -> None:
        self.name = name
        self.description = description
        self.nodes: dict[str, Node] = {}
        self.groups: dict[str, Group] = {}
        self.training: dict[str, Any] = {}
        self._in: dict[str, list[Edge]] = {}
        self._out: dict[str, list[Edge]] = {}
        # The edges in file order: an insertion-ordered dict, so that removing one costs O(1)
        # whatever its place (undoing a 3,000-node paste removes thousands), while the order
        # that saves and undo reproduce byte for byte stays stable.
        self._edge_order: dict[Edge, None] = {}
        self._edge_list: list[Edge] | None = EdgeList()
        self._structure_token = object()

    @property
    def edges(self) -> list[Edge]:
        """Every edge in file order. The list is shared until the next change: do not modify
        it (use the mutation methods); iterating it while editing the graph is safe."""
        if self._edge_list is None:
            self._edge_list = EdgeList(self._edge_order)
        return self._edge_list

    @property
    def structure_token(self) -> object:
        """An object replaced whenever a node or an edge is added or removed (a parameter
        change keeps it). A copy shares it until either graph's structure changes, so that
        an analysis of one can be reused for the other's parameter edits."""
        return self._structure_token

    def edge_index(self, edge: Edge) -> int | None:
        """The place of ``edge`` in file order, or None if the graph has no such edge."""
        if edge not in self._edge_order:
            return None
        return self.edges.index(edge)

    def _structure_changed(self) -> None:
        self._edge_list = None
        self._structure_token = object()

    def restore_structure_token(self, token: object) -> None:
        """Take back ``token`` after an undo or redo has brought the graph back exactly to the
        structure that had it (the undo stack's guarantee), so that what was computed for that
        structure (its analysis) is found again."""
        self._edge_list = None
        self._structure_token = token

    # ----------------------------------------------------------------- queries
    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphError(f"there is no node with id {node_id!r}") from None

    def in_edges(self, node_id: str) -> list[Edge]:
        """Incoming edges of a node, ordered by port."""
        return sorted(self._in.get(node_id, ()), key=lambda e: e.port)

    def out_edges(self, node_id: str) -> list[Edge]:
        return list(self._out.get(node_id, ()))

    def adjacency(self) -> tuple[dict[str, list[Edge]], dict[str, list[Edge]]]:
        """(incoming, outgoing) edge lists per node id, for fast read-only graph passes.
        Do not modify them; use the mutation methods."""
        return self._in, self._out

    def in_degree(self, node_id: str) -> int:
        return len(self._in[node_id])

    def out_degree(self, node_id: str) -> int:
        return len(self._out[node_id])

    def predecessors(self, node_id: str) -> list[str]:
        return [e.src for e in self.in_edges(node_id)]

    def successors(self, node_id: str) -> list[str]:
        return [e.dst for e in self._out.get(node_id, ())]

    def edges_touching(self, node_ids: Iterable[str]) -> list[Edge]:
        """Edges into or out of any of ``node_ids``, in file order."""
        ids = set(node_ids)
        return [e for e in self.edges if e.src in ids or e.dst in ids]

    def has_edge(self, edge: Edge) -> bool:
        return edge in self._edge_order

    def free_port(self, node_id: str) -> int:
        """The lowest input port of ``node_id`` that no edge uses yet."""
        used = {e.port for e in self._in.get(node_id, ())}
        port = 0
        while port in used:
            port += 1
        return port

    def unique_id(self, base: str) -> str:
        """A node id not used yet, made from ``base`` ("conv" -> "conv3")."""
        stem = base.rstrip("0123456789") or base
        if base not in self.nodes and base not in self.groups:
            return base
        n = 1
        while f"{stem}{n}" in self.nodes or f"{stem}{n}" in self.groups:
            n += 1
        return f"{stem}{n}"

    def group_of(self, node_id: str) -> Group | None:
        """The innermost group that holds ``node_id`` directly, if any."""
        for group in self.groups.values():
            if node_id in group.nodes:
                return group
        return None

    # ----------------------------------------------------------------- mutations
    def add_node(self, node: Node, index: int | None = None) -> None:
        """Add a node (at ``index`` in the node order, so that undo restores the file exactly)."""
        if index is not None and index < len(self.nodes):
            self._insert_nodes([(index, node)])
            _emit(self.node_added, node.id)
            _emit(self.changed)
            return
        if node.id in self.nodes:
            raise GraphError(f"a node with id {node.id!r} already exists")
        if not node.id:
            raise GraphError("a node id must not be empty")
        self.nodes[node.id] = node
        self._in[node.id] = []
        self._out[node.id] = []
        self._structure_changed()
        _emit(self.node_added, node.id)
        _emit(self.changed)

    def insert_nodes(self, placed: list[tuple[int | None, Node]]) -> None:
        """Add several nodes at once, each at its index in the final node order (None: at the
        end), reordering the table once (undoing a large delete); one signal per node."""
        if not placed:
            return
        with collector_paused(len(placed)):
            self._insert_nodes(placed)
        _emit(self.nodes_added, [node.id for _, node in placed])
        _emit(self.changed)

    def _insert_nodes(self, placed: list[tuple[int | None, Node]]) -> None:
        ids = {node.id for _, node in placed}
        if len(ids) < len(placed):
            raise GraphError("the same node id is added twice")
        for _, node in placed:
            if node.id in self.nodes:
                raise GraphError(f"a node with id {node.id!r} already exists")
            if not node.id:
                raise GraphError("a node id must not be empty")
        self.nodes = _placed(self.nodes, [(i, (n.id, n)) for i, n in placed])
        for _, node in placed:
            self._in[node.id] = []
            self._out[node.id] = []
        self._structure_changed()

    def remove_node(self, node_id: str) -> Node:
        """Remove a node that has no edges left (remove its edges first)."""
        node = self.node(node_id)
        if self._in[node_id] or self._out[node_id]:
            raise GraphError(f"node {node_id!r} still has edges; remove them first")
        del self.nodes[node_id]
        del self._in[node_id]
        del self._out[node_id]
        self._structure_changed()
        _emit(self.node_removed, node_id)
        _emit(self.changed)
        return node

    def add_edge(self, edge: Edge, index: int | None = None) -> None:
        """Connect (at ``index`` in the edge order, so that undo restores the file exactly)."""
        if index is not None and index < len(self._edge_order):
            self._insert_edges([(index, edge)])
            _emit(self.edge_added, edge)
            _emit(self.changed)
            return
        self._check_edge(edge, ())
        self._edge_order[edge] = None
        self._in[edge.dst].append(edge)
        self._out[edge.src].append(edge)
        self._structure_changed()
        _emit(self.edge_added, edge)
        _emit(self.changed)

    def _check_edge(self, edge: Edge, taken) -> None:
        for end in (edge.src, edge.dst):
            if end not in self.nodes:
                raise GraphError(f"edge {edge.src!r} -> {edge.dst!r}: there is no node {end!r}")
        if edge.src == edge.dst:
            raise GraphError(f"node {edge.src!r} cannot feed itself")
        if not isinstance(edge.port, int) or edge.port < 0:
            raise GraphError(f"edge into {edge.dst!r}: port must be >= 0, got {edge.port}")
        if (edge.dst, edge.port) in taken or any(e.port == edge.port for e in self._in[edge.dst]):
            raise GraphError(f"input port {edge.port} of {edge.dst!r} is already connected")

    def insert_edges(self, placed: list[tuple[int | None, Edge]]) -> None:
        """Add several edges at once, each at its index in the final edge order (None: at the
        end), reordering once; all or nothing; one ``edges_added``."""
        if not placed:
            return
        with collector_paused(len(placed)):
            self._insert_edges(placed)
        _emit(self.edges_added, [edge for _, edge in placed])
        _emit(self.changed)

    def _insert_edges(self, placed: list[tuple[int | None, Edge]]) -> None:
        ports = set()
        for _, edge in placed:
            self._check_edge(edge, ports)
            ports.add((edge.dst, edge.port))
        self._edge_order = _placed(self._edge_order, [(i, (e, None)) for i, e in placed])
        for _, edge in placed:
            self._in[edge.dst].append(edge)
            self._out[edge.src].append(edge)
        self._structure_changed()

    def remove_edge(self, edge: Edge) -> None:
        if edge not in self._edge_order:
            raise GraphError(f"there is no edge {edge.src!r} -> {edge.dst!r} (port {edge.port})")
        del self._edge_order[edge]
        self._in[edge.dst].remove(edge)
        self._out[edge.src].remove(edge)
        self._structure_changed()
        _emit(self.edge_removed, edge)
        _emit(self.changed)

    def remove_many(self, edges: list[Edge], node_ids: list[str]) -> None:
        """Remove ``edges``, then the nodes ``node_ids`` (which must have no other edges):
        all or nothing, one ``edges_removed`` and one ``nodes_removed`` (deleting 1,000 nodes
        sent 5,000 signals one by one)."""
        order, gone, going = self._edge_order, set(edges), set(node_ids)
        if len(gone) < len(edges) or len(going) < len(node_ids):
            raise GraphError("the same edge or node is removed twice")
        for edge in edges:
            if edge not in order:
                raise GraphError(f"there is no edge {edge.src!r} -> {edge.dst!r} (port {edge.port})")
        for nid in node_ids:
            self.node(nid)
            if any(e not in gone for e in (*self._in[nid], *self._out[nid])):
                raise GraphError(f"node {nid!r} still has edges; remove them first")
        for edge in edges:
            del order[edge]
            if edge.dst not in going:
                self._in[edge.dst].remove(edge)
            if edge.src not in going:
                self._out[edge.src].remove(edge)
        for nid in node_ids:
            del self.nodes[nid], self._in[nid], self._out[nid]
        self._structure_changed()
        if edges:
            _emit(self.edges_removed, list(edges))
        if node_ids:
            _emit(self.nodes_removed, list(node_ids))
        _emit(self.changed)

    def set_params(self, node_id: str, params: dict[str, Any]) -> None:
        self.node(node_id).params = dict(params)
        _emit(self.node_changed, node_id)
        _emit(self.changed)

    def move_node(self, node_id: str, position: tuple[float, float]) -> None:
        self.node(node_id).position = (float(position[0]), float(position[1]))
        _emit(self.node_moved, node_id)

    def set_groups(self, groups: dict[str, Group]) -> None:
        self.groups = {gid: g.copy() for gid, g in groups.items()}
        _emit(self.groups_changed)
        _emit(self.changed)

    def set_meta(self, name: str, description: str) -> None:
        self.name, self.description = name, description
        _emit(self.meta_changed)
        _emit(self.changed)

    def clear(self) -> None:
        for edge in list(self.edges):
            self.remove_edge(edge)
        for node_id in list(self.nodes):
            self.remove_node(node_id)
        self.set_groups({})

    # ----------------------------------------------------------------- copies
    def copy(self) -> "Graph":
        """A deep, signal-free-of-listeners copy (used to freeze a design for training)."""
        other = Graph(self.name, self.description)
        for node in self.nodes.values():
            other.nodes[node.id] = node.copy()
            other._in[node.id] = []
            other._out[node.id] = []
        other._edge_order = dict(self._edge_order)
        other._edge_list = None
        for edge in self._edge_order:
            other._in[edge.dst].append(edge)
            other._out[edge.src].append(edge)
        other.groups = {gid: g.copy() for gid, g in self.groups.items()}
        other.training = copy.deepcopy(self.training)
        other._structure_token = self._structure_token
        return other


#: Batches smaller than this leave the collector alone: pausing it costs small designs a few
#: per cent (the deferred collection is larger), and it only pays from thousands of nodes.
PAUSE_FROM = 2_000


@contextmanager
def collector_paused(size: int = PAUSE_FROM):
    """Pause Python's cyclic garbage collector while a batch of ``size`` items creates many
    small objects (a paste, an undo, an analysis pass): its full collections would walk the
    whole heap again and again, a third of the time on large designs. Collection resumes
    right after. Small batches run as they are."""
    if size < PAUSE_FROM:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _emit(signal, *args) -> None:
    """Emit unless nobody listens (psygnal's emit costs microseconds even then)."""
    if len(signal):
        signal.emit(*args)


def _placed(table: dict, placed: list[tuple[int | None, tuple]]) -> dict:
    """``table`` with the (key, value) pairs of ``placed`` put at their indices in the result
    (as inserting them one by one in ascending order would; None goes last). Appending
    updates ``table`` in place; anything else rebuilds it once: O(len(table) + len(placed))."""
    if all(i is None or i >= len(table) + k for k, (i, _) in enumerate(placed)):
        for _, (key, value) in placed:
            table[key] = value
        return table
    at = sorted(((i, k) for k, (i, _) in enumerate(placed) if i is not None))
    tail = [pair for i, pair in placed if i is None]
    old = iter(table.items())
    merged = []
    position = 0
    for index, k in at:
        while position < index:
            nxt = next(old, None)
            if nxt is None:
                break
            merged.append(nxt)
            position += 1
        merged.append(placed[k][1])
        position += 1
    merged.extend(old)
    merged.extend(tail)
    return dict(merged)
