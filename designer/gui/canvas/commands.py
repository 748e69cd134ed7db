"""The edits behind canvas gestures and commands, built from the graph and ids only.

Each function returns one core edit (often a Compound = one undo step) or raises
ValueError with a message for the status bar; the view or scene pushes it. Nothing here
needs Qt, so the rules are easy to test.
"""

from __future__ import annotations

from ...core.builder import ID_STEMS
from ...core.edits import (AddEdge, AddNode, Compound, Edit, MoveNodes, RemoveEdge,
                           RemoveNodes, SetGroups, insert_on_edge)
from ...core.graph import Edge, Graph, Group, Node
from ...core.layout import (COLUMN_WIDTH, NODE_HEIGHT, NODE_WIDTH, ROW_HEIGHT, group_chains, group_members,
                            layered_layout)
from ...core.layout_toggle import toggle_moves
from ...layers import registry

Position = tuple[float, float]
GAP = 8.0  # the least space between two nodes placed by a command


def new_node(graph: Graph, layer_type: str, position: Position) -> Node:
    """A node of ``layer_type`` with default parameters and a fresh short id ("conv3")."""
    if registry.get(layer_type) is None:
        raise ValueError(f"there is no layer type {layer_type!r}; pick one from the palette")
    stem = ID_STEMS.get(layer_type, layer_type.lower())
    base = stem if layer_type in ("Input", "Output") else f"{stem}1"
    return Node(graph.unique_id(base), layer_type, {}, (float(position[0]), float(position[1])))


def add_node(graph: Graph, layer_type: str, position: Position) -> tuple[Edit, str]:
    node = new_node(graph, layer_type, position)
    return AddNode(node), node.id


def insert_into(graph: Graph, edges: list[Edge], layer_type: str, position: Position) -> tuple[Edit, str]:
    """Put a new layer on ``edges`` (all from one source): source → new → each old target.

    In a top-down design the layer goes one row below the source and, where the targets sit
    closer than a row below it, the targets and what hangs from them move down to make room
    (one undo step with the insertion). A wire that does not run downwards keeps the layer
    where it was dropped."""
    spec = registry.get(layer_type)
    if spec is not None and (spec.inputs == 0 or not spec.has_output):
        raise ValueError(f"an {layer_type} cannot sit on an edge; drop it on empty space")
    node = new_node(graph, layer_type, position)
    moves = _make_room(graph, edges, node)
    if len(edges) == 1 and not moves:
        return insert_on_edge(graph, edges[0], node), node.id
    edits: list[Edit] = [RemoveEdge(e) for e in edges]
    if moves:
        edits.append(MoveNodes(moves))
    edits += [AddNode(node), AddEdge(Edge(edges[0].src, node.id, 0))]
    edits += [AddEdge(Edge(node.id, e.dst, e.port)) for e in edges]
    return Compound(edits, text=f"Insert {layer_type}"), node.id


def _make_room(graph: Graph, edges: list[Edge], node: Node) -> dict[str, tuple[Position, Position]]:
    """Place ``node`` a row below the wire's source, in its target's column (or the nearest
    free column beside it, e.g. on a skip connection); return the moves that push the
    targets (and their descendants below the source) down until they are a row below it."""
    sx, sy = graph.nodes[edges[0].src].position
    targets = [graph.nodes[e.dst].position for e in edges]
    top = min(y for _, y in targets)
    if top <= sy:  # not a downward wire: leave the layer where it was dropped
        return {}
    shift = sy + 2 * ROW_HEIGHT - top
    moves = {}
    if shift > 0:  # no free row between them yet
        below = set()
        for e in edges:
            below.add(e.dst)
            below.update(_descendants(graph, e.dst))
        moves = {n: (graph.nodes[n].position, (graph.nodes[n].position[0], graph.nodes[n].position[1] + shift))
                 for n in graph.nodes if n in below and graph.nodes[n].position[1] > sy}
    placed = [moves[n][1] if n in moves else graph.nodes[n].position for n in graph.nodes]
    node.position = free_spot(placed, min(targets, key=lambda p: p[1])[0], sy + ROW_HEIGHT)
    return moves


def free_spot(positions, x: float, y: float) -> Position:
    """(x, y) if no node there overlaps a node put at it, else the nearest column (right
    first, then left) where none does."""
    row = [px for px, py in positions if abs(py - y) < NODE_HEIGHT + GAP]
    for k in range(0, 64):
        for cx in ((x,) if k == 0 else (x + k * COLUMN_WIDTH, x - k * COLUMN_WIDTH)):
            if all(abs(px - cx) >= NODE_WIDTH + GAP for px in row):
                return (cx, y)
    return (x, y)


def add_after(graph: Graph, node_id: str, layer_type: str) -> tuple[Edit, str]:
    """A new layer right after ``node_id``, taking over its outgoing edges; the layers
    below move down one row to make room."""
    src = graph.node(node_id)
    spec = registry.get(src.type)
    if spec is not None and not spec.has_output:
        raise ValueError(f"{node_id} is the Output: nothing can come after it; select a layer before it")
    new_spec = registry.get(layer_type)
    if new_spec is not None and new_spec.inputs == 0:
        raise ValueError("an Input cannot follow a layer; add it on its own")
    x, y = src.position
    node = new_node(graph, layer_type, (x, y + ROW_HEIGHT))
    outs = graph.out_edges(node_id)
    edits: list[Edit] = [RemoveEdge(e) for e in outs]
    below = _descendants(graph, node_id)
    moves = {n: (graph.nodes[n].position, (graph.nodes[n].position[0], graph.nodes[n].position[1] + ROW_HEIGHT))
             for n in below if graph.nodes[n].position[1] > y}
    if moves:
        edits.append(MoveNodes(moves))
    edits += [AddNode(node), AddEdge(Edge(node_id, node.id, 0))]
    if new_spec is None or new_spec.has_output:
        edits += [AddEdge(Edge(node.id, e.dst, e.port)) for e in outs]
    else:
        edits += [AddEdge(e) for e in outs]
    return Compound(edits, text=f"Add {layer_type}"), node.id


def _descendants(graph: Graph, start: str) -> list[str]:
    seen, stack = set(), [start]
    while stack:
        for nxt in graph.successors(stack.pop()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return [n for n in graph.nodes if n in seen]


def delete(graph: Graph, node_ids: list[str], edges: list[Edge]) -> Edit | None:
    """Delete nodes (with their edges) and edges; groups left empty go too."""
    wanted = set(node_ids)
    ids = [n for n in graph.nodes if n in wanted]
    gone = set(ids)
    loose = [e for e in dict.fromkeys(edges) if e.src not in gone and e.dst not in gone and graph.has_edge(e)]
    if not ids and not loose:
        return None
    edits: list[Edit] = [RemoveEdge(e) for e in loose]
    if ids:
        edits.append(RemoveNodes(ids))
        remaining = _without_empty(graph, set(ids))
        if remaining.keys() != graph.groups.keys():
            edits.append(SetGroups(remaining, text="Delete"))
    n = len(ids) + len(loose)
    text = f"Delete {ids[0]}" if len(ids) == 1 and not loose else ("Delete edge" if n == 1 else f"Delete {n} items")
    return Compound(edits, text=text)


def _without_empty(graph: Graph, removed: set[str]) -> dict[str, Group]:
    """The group table after ``removed`` nodes are gone, dropping groups with no nodes left."""
    groups = {gid: g.copy() for gid, g in graph.groups.items()}
    for g in groups.values():
        g.nodes = [n for n in g.nodes if n not in removed]
    members = {gid: [n for n in m if n not in removed]
               for gid, m in group_members(graph).items()}
    dead = {gid for gid, m in members.items() if not m}
    for g in groups.values():
        seen = set()
        while g.parent in dead and g.parent not in seen:
            seen.add(g.parent)
            g.parent = groups[g.parent].parent
    return {gid: g for gid, g in groups.items() if gid not in dead}


def group(graph: Graph, node_ids: list[str], group_ids: list[str], name: str | None, kind: str = "") -> tuple[Edit, str]:
    """Put the selected nodes and groups into a new, expanded group inside their container."""
    chains = group_chains(graph)
    units = [("n", n) for n in node_ids] + [("g", g) for g in group_ids]
    if not units:
        raise ValueError("select the layers to group first")
    containers = {_container(graph, chains, kind_, uid) for kind_, uid in units}
    if len(containers) > 1:
        raise ValueError("the selection spans several blocks; select layers inside one block")
    parent = containers.pop()
    gid = graph.unique_id(name or "block1")
    if name and (name in graph.groups or name in graph.nodes):
        gid = graph.unique_id(f"{name}1")
    groups = {k: g.copy() for k, g in graph.groups.items()}
    chosen = set(node_ids)
    if parent is not None:
        groups[parent].nodes = [n for n in groups[parent].nodes if n not in chosen]
    for g in group_ids:
        groups[g].parent = gid
    members = [n for n in graph.nodes if n in chosen]
    groups[gid] = Group(gid, name or gid, members, kind, False, parent)
    return SetGroups(groups, text=f"Group {gid}"), gid


def _container(graph: Graph, chains, kind: str, uid: str) -> str | None:
    if kind == "n":
        chain = chains[uid]
        return chain[0] if chain else None
    return graph.groups[uid].parent


def ungroup(graph: Graph, group_ids: list[str]) -> Edit:
    """Dissolve groups: their nodes and sub-groups move up into the parent."""
    if not group_ids:
        raise ValueError("select a block (or a layer inside one) to ungroup")
    groups = {k: g.copy() for k, g in graph.groups.items()}
    for gid in group_ids:
        g = groups.pop(gid)
        if g.parent is not None and g.parent in groups:
            groups[g.parent].nodes += g.nodes
        for other in groups.values():
            if other.parent == gid:
                other.parent = g.parent
    return SetGroups(groups, text="Ungroup")


def toggle(graph: Graph, group_id: str) -> Edit:
    """Collapse or expand a group in place: the rest moves only as much as the change of
    size needs (layout_toggle), never a fresh layout of the whole design."""
    if group_id not in graph.groups:
        raise ValueError(f"there is no block {group_id!r}")
    moves = toggle_moves(graph, group_id)
    groups = {k: g.copy() for k, g in graph.groups.items()}
    groups[group_id].collapsed = not groups[group_id].collapsed
    verb = "Collapse" if groups[group_id].collapsed else "Expand"
    # moves first: the boxes they touch are then made once, in place, by the group rebuild
    edits: list[Edit] = [MoveNodes(moves)] if moves else []
    edits.append(SetGroups(groups, text=f"{verb} {group_id}"))
    return Compound(edits, text=f"{verb} {group_id}")


def layout_moves(graph: Graph) -> dict[str, tuple[Position, Position]]:
    """The moves that put every node where the layered layout wants it."""
    positions = layered_layout(graph)
    return {n: (graph.nodes[n].position, p) for n, p in positions.items()
            if _far(graph.nodes[n].position, p)}


def _far(a: Position, b: Position) -> bool:
    return abs(a[0] - b[0]) > 0.01 or abs(a[1] - b[1]) > 0.01


def auto_layout(graph: Graph) -> Edit | None:
    moves = layout_moves(graph)
    return MoveNodes(moves, text="Auto layout") if moves else None
