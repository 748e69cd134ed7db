"""Undoable edits: small pure objects with apply(graph) / revert(graph) and a text.

Edits only mutate the graph: no pushing, no UI, no I/O. They refer to nodes by id, so that
undoing a delete restores the same ids and edges. The GUI wraps each in one QUndoCommand;
tests apply a sequence, revert it, and compare ``to_dict()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .graph import Edge, Graph, GraphError, Group, Node, collector_paused


class Edit:
    text: str = "Edit"

    def apply(self, graph: Graph) -> None:
        raise NotImplementedError

    def revert(self, graph: Graph) -> None:
        raise NotImplementedError

    def merge(self, other: "Edit") -> bool:
        """Absorb a following edit of the same gesture (spin-box drags); False if not."""
        return False


@dataclass
class AddNode(Edit):
    node: Node

    @property
    def text(self) -> str:
        return f"Add {self.node.type}"

    def apply(self, graph: Graph) -> None:
        graph.add_node(self.node.copy())

    def revert(self, graph: Graph) -> None:
        graph.remove_node(self.node.id)


@dataclass
class AddEdge(Edit):
    edge: Edge
    text: str = "Connect"

    def apply(self, graph: Graph) -> None:
        graph.add_edge(self.edge)

    def revert(self, graph: Graph) -> None:
        graph.remove_edge(self.edge)


@dataclass
class AddNodes(Edit):
    """Add several nodes and the edges between them (and to the design) as one bulk insert:
    a paste of 1,000 layers reorders nothing and signals once (``nodes_added`` /
    ``edges_added``) instead of once per node and edge. All or nothing."""

    nodes: list[Node]
    edges: list[Edge]
    text: str = "Add"

    def apply(self, graph: Graph) -> None:
        with collector_paused(len(self.nodes) + len(self.edges)):
            graph.insert_nodes([(None, node.copy()) for node in self.nodes])
            try:
                graph.insert_edges([(None, edge) for edge in self.edges])
            except Exception:
                for node in reversed(self.nodes):
                    graph.remove_node(node.id)
                raise

    def revert(self, graph: Graph) -> None:
        with collector_paused(len(self.nodes) + len(self.edges)):
            for edge in reversed(self.edges):
                graph.remove_edge(edge)
            for node in reversed(self.nodes):
                graph.remove_node(node.id)


@dataclass
class RemoveEdge(Edit):
    edge: Edge
    text: str = "Disconnect"
    _index: int | None = None

    def apply(self, graph: Graph) -> None:
        self._index = graph.edge_index(self.edge)
        graph.remove_edge(self.edge)

    def revert(self, graph: Graph) -> None:
        graph.add_edge(self.edge, self._index)


@dataclass
class RemoveNodes(Edit):
    """Delete nodes with every edge touching them and their group memberships."""

    node_ids: list[str]
    _nodes: list[tuple[int, Node]] = field(default_factory=list, repr=False)
    _edges: list[tuple[int, Edge]] = field(default_factory=list, repr=False)
    _groups: dict[str, Group] = field(default_factory=dict, repr=False)

    @property
    def text(self) -> str:
        return "Delete" if len(self.node_ids) != 1 else f"Delete {self.node_ids[0]}"

    def apply(self, graph: Graph) -> None:
        with collector_paused(len(self.node_ids)):
            self._apply(graph)

    def _apply(self, graph: Graph) -> None:
        ids = set(self.node_ids)
        self._nodes = [(i, graph.nodes[n].copy()) for i, n in enumerate(graph.nodes) if n in ids]
        self._edges = [(i, e) for i, e in enumerate(graph.edges) if e.src in ids or e.dst in ids]
        self._groups = {gid: g.copy() for gid, g in graph.groups.items()}
        graph.remove_many([edge for _, edge in self._edges], [node.id for _, node in self._nodes])
        if any(ids & set(g.nodes) for g in graph.groups.values()):
            remaining = {gid: g.copy() for gid, g in graph.groups.items()}
            for g in remaining.values():
                g.nodes = [n for n in g.nodes if n not in ids]
            graph.set_groups(remaining)

    def revert(self, graph: Graph) -> None:
        # Ascending indices: each lands where it was; one reordering for all of them.
        with collector_paused(len(self._nodes)):
            graph.insert_nodes([(index, node.copy()) for index, node in self._nodes])
        graph.insert_edges(self._edges)
        if self._groups != graph.groups:
            graph.set_groups(self._groups)


@dataclass
class SetParams(Edit):
    node_id: str
    new: dict[str, Any]
    old: dict[str, Any] | None = None
    #: Edits of the same key (a spin-box drag) merge into one undo step.
    merge_key: str | None = None

    @property
    def text(self) -> str:
        return f"Change {self.node_id}"

    def apply(self, graph: Graph) -> None:
        if self.old is None:
            self.old = dict(graph.node(self.node_id).params)
        graph.set_params(self.node_id, self.new)

    def revert(self, graph: Graph) -> None:
        graph.set_params(self.node_id, self.old or {})

    def merge(self, other: Edit) -> bool:
        if (
            isinstance(other, SetParams)
            and self.merge_key is not None
            and other.merge_key == self.merge_key
            and other.node_id == self.node_id
        ):
            self.new = other.new
            return True
        return False


@dataclass
class MoveNodes(Edit):
    moves: dict[str, tuple[tuple[float, float], tuple[float, float]]]  # id -> (old, new)
    text: str = "Move"

    def apply(self, graph: Graph) -> None:
        for nid, (_, new) in self.moves.items():
            graph.move_node(nid, new)

    def revert(self, graph: Graph) -> None:
        for nid, (old, _) in self.moves.items():
            graph.move_node(nid, old)


@dataclass
class SetGroups(Edit):
    """Replace the whole group table (group, ungroup, rename, collapse)."""

    new: dict[str, Group]
    text: str = "Group"
    old: dict[str, Group] | None = None

    def apply(self, graph: Graph) -> None:
        if self.old is None:
            self.old = {gid: g.copy() for gid, g in graph.groups.items()}
        graph.set_groups(self.new)

    def revert(self, graph: Graph) -> None:
        graph.set_groups(self.old or {})


@dataclass
class SetMeta(Edit):
    name: str
    description: str
    text: str = "Rename design"
    _old: tuple[str, str] | None = None

    def apply(self, graph: Graph) -> None:
        self._old = (graph.name, graph.description)
        graph.set_meta(self.name, self.description)

    def revert(self, graph: Graph) -> None:
        graph.set_meta(*self._old)


@dataclass
class Compound(Edit):
    """Several edits as one undo step (insert on an edge, paste, delete selection)."""

    edits: list[Edit]
    text: str = "Edit"

    def apply(self, graph: Graph) -> None:
        done: list[Edit] = []
        with collector_paused(len(self.edits)):  # a paste of thousands: no full GC walks meanwhile
            try:
                for edit in self.edits:
                    edit.apply(graph)
                    done.append(edit)
            except Exception:
                for edit in reversed(done):  # all or nothing
                    edit.revert(graph)
                raise

    def revert(self, graph: Graph) -> None:
        with collector_paused(len(self.edits)):
            for edit in reversed(self.edits):
                edit.revert(graph)


@dataclass
class RenameNode(Edit):
    """Give a node another id; its edges, group membership and place in the file follow."""

    old_id: str
    new_id: str

    @property
    def text(self) -> str:
        return f"Rename {self.old_id} to {self.new_id}"

    def apply(self, graph: Graph) -> None:
        check_node_id(graph, self.new_id)
        _rename(graph, self.old_id, self.new_id)

    def revert(self, graph: Graph) -> None:
        _rename(graph, self.new_id, self.old_id)


def check_node_id(graph: Graph, node_id: str) -> None:
    """Raise GraphError (with what to do) unless ``node_id`` can name a new node."""
    if not isinstance(node_id, str) or not node_id.strip():
        raise GraphError("a node id must not be empty; type a name such as conv1")
    if node_id != node_id.strip():
        raise GraphError(f"the id {node_id!r} starts or ends with a space; remove it")
    if len(node_id) > 200 or any(ord(c) < 32 for c in node_id):
        raise GraphError("an id is at most 200 characters, without control characters")
    if node_id in graph.nodes or node_id in graph.groups:
        raise GraphError(f"the id {node_id!r} is already used; choose another, e.g. "
                         f"{graph.unique_id(node_id)!r}")


def _rename(graph: Graph, old: str, new: str) -> None:
    """Remove the node and its edges, then put them back under the new id at the same indices."""
    node = graph.node(old)
    index = list(graph.nodes).index(old)
    touching = [(i, e) for i, e in enumerate(graph.edges) if old in (e.src, e.dst)]
    for _, edge in touching:
        graph.remove_edge(edge)
    graph.remove_node(old)
    graph.add_node(Node(new, node.type, node.params, node.position), index)
    swap = {old: new}
    graph.insert_edges([(i, Edge(swap.get(e.src, e.src), swap.get(e.dst, e.dst), e.port)) for i, e in touching])
    if any(old in g.nodes for g in graph.groups.values()):
        groups = {gid: g.copy() for gid, g in graph.groups.items()}
        for g in groups.values():
            g.nodes = [swap.get(n, n) for n in g.nodes]
        graph.set_groups(groups)
    from .trainable import renamed  # the transfer-learning settings name nodes too

    training = renamed(graph.training, old, new)
    if training is not None:
        graph.training = training


def insert_on_edge(graph: Graph, edge: Edge, node: Node) -> Compound:
    """The edit that puts ``node`` into ``edge`` (src → node → dst, same port at dst)."""
    return Compound(
        [RemoveEdge(edge), AddNode(node), AddEdge(Edge(edge.src, node.id, 0)), AddEdge(Edge(node.id, edge.dst, edge.port))],
        text=f"Insert {node.type}",
    )


def replace_design(graph: Graph, other: Graph) -> Compound:
    """The edit that turns ``graph`` into a copy of ``other`` (New, Revert, apply layout)."""
    edits: list[Edit] = [RemoveNodes(list(graph.nodes))]
    edits += [AddNode(n.copy()) for n in other.nodes.values()]
    edits += [AddEdge(e) for e in other.edges]
    edits.append(SetGroups({gid: g.copy() for gid, g in other.groups.items()}))
    edits.append(SetMeta(other.name, other.description))
    return Compound(edits, text="Replace design")
