"""Automatic layered layout (a small Sugiyama), aware of nested, collapsible groups.

Pure geometry on ids, so the GUI and the example builder share it and tests can check it.
Flow is top to bottom; each rank is a row. A position is the centre of a node's box.

Groups are laid out as compound blocks: every container (the design, or an expanded group)
is ranked and ordered on its own units (nodes and child groups), long edges get dummy
"lanes" so that they pass beside nodes rather than through them (shared per source: see
layout_rows), rows are ordered by barycentre sweeps, and x coordinates are chosen by
repeated least-squares alignment with neighbours (pool-adjacent-violators keeps the order
and the spacing: see layout_place). A collapsed group is one node-sized unit; its members
are laid out inside it, so expanding it later shows them in order, and ``group_anchor`` of
its members is exactly the slot it was given.

Cost: the containers are split in one pass over nodes and edges, every step is linear per
sweep (sorts aside) and the sweep counts are fixed, so the layout is near-linear in the size
of the design (bench/layout_scale.py measures it; bench/README.md has the numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .graph import Graph
from .layout_place import Block, assemble, place_x
from .layout_rows import LANE_WIDTH, longest_path_ranks, order_rows, rows_with_lanes

ROW_HEIGHT = 110.0
COLUMN_WIDTH = 220.0
NODE_WIDTH = 180.0
NODE_HEIGHT = 58.0
#: Room an expanded group's frame takes around its members, and above them for its title.
FRAME_PAD = 14.0
FRAME_TITLE = 24.0

Position = tuple[float, float]


# --------------------------------------------------------------------------- group tree
def group_parents(graph: Graph) -> dict[str, str | None]:
    """Each group's parent, with links to missing groups, or that would close a loop, cut
    (a hand-edited file may hold either; the hierarchy must stay a tree)."""
    parents: dict[str, str | None] = {}
    for gid, group in graph.groups.items():
        parent = group.parent if group.parent in graph.groups and group.parent != gid else None
        cur = parent
        while cur is not None and cur != gid:
            cur = parents.get(cur)
        parents[gid] = None if cur == gid else parent
    return parents


def _ancestry(parents: dict[str, str | None], gid: str | None) -> list[str]:
    chain: list[str] = []
    while gid is not None:
        chain.append(gid)
        gid = parents.get(gid)
    return chain


def group_chain(graph: Graph, node_id: str) -> list[str]:
    """The groups holding ``node_id``, innermost first."""
    group = graph.group_of(node_id)
    return _ancestry(group_parents(graph), group.id if group else None)


def group_chains(graph: Graph) -> dict[str, list[str]]:
    """``group_chain`` of every node, computed in one pass over the group table."""
    owner = {n: g.id for g in graph.groups.values() for n in g.nodes}
    parents = group_parents(graph)
    chains = {gid: _ancestry(parents, gid) for gid in graph.groups}
    return {nid: list(chains[owner[nid]]) if nid in owner else [] for nid in graph.nodes}


def visible_owner(graph: Graph, chains: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Which visible item shows each node: itself, or its outermost collapsed group."""
    chains = group_chains(graph) if chains is None else chains
    owner = {}
    for nid, chain in chains.items():
        shown = nid
        for gid in chain:
            if graph.groups[gid].collapsed:
                shown = gid
        owner[nid] = shown
    return owner


def group_members(graph: Graph, chains: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Every node inside each group, nested groups included, in design order."""
    chains = group_chains(graph) if chains is None else chains
    members: dict[str, list[str]] = {gid: [] for gid in graph.groups}
    for nid, chain in chains.items():
        for gid in chain:
            members[gid].append(nid)
    return members


def group_anchor(positions: dict[str, Position], members: list[str]) -> Position:
    """Where a collapsed group sits: centred over its members, on its first row."""
    points = [positions[m] for m in members if m in positions]
    if not points:
        return (0.0, 0.0)
    xs = [p[0] for p in points]
    return ((min(xs) + max(xs)) / 2.0, min(p[1] for p in points))


# --------------------------------------------------------------------------- ranking
def ranks(graph: Graph) -> dict[str, int]:
    """Longest-path rank of each node (nodes on cycles keep rank 0 of their own)."""
    succ = {nid: graph.successors(nid) for nid in graph.nodes}
    return longest_path_ranks(list(graph.nodes), succ)


# --------------------------------------------------------------------------- layout
@dataclass
class _Metrics:
    node_w: float
    node_h: float
    gap_x: float
    gap_y: float
    sweeps: int


@dataclass
class _Partition:
    """Every container's units (nodes and child groups, in design order) and its unit-level
    links, built in one pass over the nodes and one over the edges: O((V + E) * depth)."""

    units: dict[str | None, list[str]] = field(default_factory=dict)
    succ: dict[str | None, dict[str, dict[str, None]]] = field(default_factory=dict)
    fed_from: dict[str | None, dict[str, dict[str, None]]] = field(default_factory=dict)
    feeding_out: dict[str | None, dict[str, None]] = field(default_factory=dict)


def _partition(graph: Graph, chains: dict[str, list[str]]) -> _Partition:
    part = _Partition()
    unit_in: dict[str, dict[str | None, str]] = {}
    for nid, chain in chains.items():
        outer_first = chain[::-1]
        here = dict(zip([None, *outer_first], [*outer_first, nid]))
        unit_in[nid] = here
        for container, unit in here.items():
            seen = part.succ.setdefault(container, {})
            if unit not in seen:
                seen[unit] = {}
                part.units.setdefault(container, []).append(unit)
    for edge in graph.edges:
        src, dst = unit_in.get(edge.src), unit_in.get(edge.dst)
        if src is None or dst is None:
            continue
        for container, a in src.items():
            b = dst.get(container)
            if b is None:
                part.feeding_out.setdefault(container, {})[a] = None
            elif a != b:
                part.succ[container][a][b] = None
        for container, b in dst.items():
            if container not in src:
                part.fed_from.setdefault(container, {}).setdefault(edge.src, {})[b] = None
    return part


def layered_layout(
    graph: Graph,
    row_height: float = ROW_HEIGHT,
    column_width: float = COLUMN_WIDTH,
    sweeps: int = 4,
    node_width: float = NODE_WIDTH,
    node_height: float = NODE_HEIGHT,
) -> dict[str, Position]:
    """Positions for every node: rows by rank, columns ordered to reduce edge crossings.

    The design's first row is centred on x = 0 at y = 0 and rows are ``row_height`` apart
    (taller where an expanded group fills a row); collapsed groups count as one node.
    Near-linear in nodes + edges (see layout_rows and layout_place).
    """
    block = container_block(graph, None, node_width=node_width, node_height=node_height,
                            row_height=row_height, column_width=column_width, sweeps=sweeps)
    return {nid: (x, y - node_height / 2.0) for nid, (x, y) in block.positions.items()}


def container_block(graph: Graph, container: str | None, *, row_height: float = ROW_HEIGHT,
                    column_width: float = COLUMN_WIDTH, sweeps: int = 4, node_width: float = NODE_WIDTH,
                    node_height: float = NODE_HEIGHT) -> Block:
    """The layout of one container (the design when None, or a group laid out as if it were
    expanded): node centres relative to its origin, its first row's top at y = 0."""
    metrics = _Metrics(node_width, node_height, max(column_width - node_width, 8.0),
                       max(row_height - node_height, 8.0), sweeps)
    part = _partition(graph, group_chains(graph))
    return _layout_container(graph, container, part, metrics)


def _layout_container(graph: Graph, container: str | None, part: _Partition, metrics: _Metrics) -> Block:
    units = part.units.get(container, [])
    blocks = {u: _unit_block(graph, u, part, metrics) for u in units}
    succ = {u: list(targets) for u, targets in part.succ.get(container, {}).items()}
    fed_from = {src: list(targets) for src, targets in part.fed_from.get(container, {}).items()}
    sizes = {u: (b.lo, b.hi, b.height) for u, b in blocks.items()}
    rows, sizes, succ, pred = rows_with_lanes(units, succ, sizes, fed_from,
                                              list(part.feeding_out.get(container, {})))
    order_rows(rows, succ, pred, metrics.sweeps)
    xs = place_x(rows, sizes, succ, pred, metrics.gap_x, metrics.sweeps)
    return assemble(rows, xs, sizes, blocks, metrics.node_w, metrics.gap_y)


def _unit_block(graph: Graph, unit: str, part: _Partition, metrics: _Metrics) -> Block:
    """A node is one box; a collapsed group one box holding its laid-out members."""
    half_w, half_h = metrics.node_w / 2.0, metrics.node_h / 2.0
    if unit in graph.nodes:
        return Block(-half_w, half_w, metrics.node_h, {unit: (0.0, half_h)})
    inner = _layout_container(graph, unit, part, metrics)
    if graph.groups[unit].collapsed:
        ax, ay = group_anchor(inner.positions, list(inner.positions))
        moved = {n: (x - ax, y - ay + half_h) for n, (x, y) in inner.positions.items()}
        return Block(-half_w, half_w, metrics.node_h, moved)
    top = FRAME_TITLE + FRAME_PAD
    moved = {n: (x, y + top) for n, (x, y) in inner.positions.items()}
    return Block(inner.lo - FRAME_PAD, inner.hi + FRAME_PAD, inner.height + top + FRAME_PAD, moved)


def apply_layout(graph: Graph, positions: dict[str, Position]) -> None:
    for nid, pos in positions.items():
        graph.move_node(nid, pos)
