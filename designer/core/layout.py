"""Automatic layered layout (a small Sugiyama), aware of nested, collapsible groups.

Pure geometry on ids, so the GUI and the example builder share it and tests can check it.
Flow is top to bottom; each rank is a row. A position is the centre of a node's box.

Groups are laid out as compound blocks: every container (the design, or an expanded group)
is ranked and ordered on its own units (nodes and child groups), long edges get dummy
"lanes" so that they pass beside nodes rather than through them, and x coordinates are
chosen by repeated least-squares alignment with neighbours (pool-adjacent-violators keeps
the order and the spacing). A collapsed group is one node-sized unit; its members are laid
out inside it, so expanding it later shows them in order, and ``group_anchor`` of its
members is exactly the slot it was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .graph import Graph

ROW_HEIGHT = 110.0
COLUMN_WIDTH = 220.0
NODE_WIDTH = 180.0
NODE_HEIGHT = 58.0
#: Room an expanded group's frame takes around its members, and above them for its title.
FRAME_PAD = 14.0
FRAME_TITLE = 24.0
LANE_WIDTH = 56.0

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
    return _ranks(list(graph.nodes), succ)


def _ranks(units: list[str], succ: dict[str, list[str]]) -> dict[str, int]:
    indegree = {u: 0 for u in units}
    for u in units:
        for v in succ[u]:
            indegree[v] += 1
    rank = {u: 0 for u in units}
    ready = [u for u in reversed(units) if indegree[u] == 0]
    while ready:
        u = ready.pop()
        for v in succ[u]:
            rank[v] = max(rank[v], rank[u] + 1)
            indegree[v] -= 1
            if indegree[v] == 0:
                ready.append(v)
    return rank


# --------------------------------------------------------------------------- layout
@dataclass
class _Metrics:
    node_w: float
    node_h: float
    gap_x: float
    gap_y: float
    sweeps: int


@dataclass
class _Block:
    """A laid-out container: node centres relative to its origin (x = 0, top y = 0), and how
    far it reaches left (``lo`` <= 0) and right (``hi`` >= 0) of that origin."""

    lo: float
    hi: float
    height: float
    positions: dict[str, Position] = field(default_factory=dict)


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
    """
    metrics = _Metrics(node_width, node_height, max(column_width - node_width, 8.0),
                       max(row_height - node_height, 8.0), sweeps)
    chains = group_chains(graph)
    block = _layout_container(graph, None, chains, metrics)
    return {nid: (x, y - node_height / 2.0) for nid, (x, y) in block.positions.items()}


def _unit_of(node_id: str, chain: list[str], container: str | None) -> str | None:
    """The unit that represents ``node_id`` among the direct children of ``container``."""
    if container is None:
        return chain[-1] if chain else node_id
    if container not in chain:
        return None
    index = chain.index(container)
    return chain[index - 1] if index > 0 else node_id


def _layout_container(graph: Graph, container: str | None, chains, metrics: _Metrics) -> _Block:
    unit_of = {}
    units: list[str] = []
    for nid in graph.nodes:
        unit = _unit_of(nid, chains[nid], container)
        if unit is not None:
            unit_of[nid] = unit
            if unit not in units and (unit == nid or unit in graph.groups):
                units.append(unit)
    blocks = {u: _unit_block(graph, u, chains, metrics) for u in units}
    succ: dict[str, list[str]] = {u: [] for u in units}
    outside: tuple[set[str], set[str]] = (set(), set())  # units fed from / feeding outside
    for edge in graph.edges:
        a, b = unit_of.get(edge.src), unit_of.get(edge.dst)
        if a is not None and b is not None and a != b and b not in succ[a]:
            succ[a].append(b)
        elif a is None and b is not None:
            outside[0].add(b)
        elif b is None and a is not None:
            outside[1].add(a)
    rows, sizes, succ, pred = _rows_with_lanes(units, succ, blocks, outside)
    _order_rows(rows, succ, pred, metrics.sweeps)
    xs = _place_x(rows, sizes, succ, pred, metrics)
    return _assemble(rows, xs, sizes, blocks, metrics)


def _unit_block(graph: Graph, unit: str, chains, metrics: _Metrics) -> _Block:
    """A node is one box; a collapsed group one box holding its laid-out members."""
    half_w, half_h = metrics.node_w / 2.0, metrics.node_h / 2.0
    if unit in graph.nodes:
        return _Block(-half_w, half_w, metrics.node_h, {unit: (0.0, half_h)})
    inner = _layout_container(graph, unit, chains, metrics)
    if graph.groups[unit].collapsed:
        ax, ay = group_anchor(inner.positions, list(inner.positions))
        moved = {n: (x - ax, y - ay + half_h) for n, (x, y) in inner.positions.items()}
        return _Block(-half_w, half_w, metrics.node_h, moved)
    top = FRAME_TITLE + FRAME_PAD
    moved = {n: (x, y + top) for n, (x, y) in inner.positions.items()}
    return _Block(inner.lo - FRAME_PAD, inner.hi + FRAME_PAD, inner.height + top + FRAME_PAD, moved)


def _rows_with_lanes(units, succ, blocks, outside):
    """Rank the units, and break edges that skip rows with one lane unit per skipped row
    (edges from or to outside a group get lanes from its top row or to its bottom row)."""
    rank = _ranks(units, succ)
    sizes = {u: (blocks[u].lo, blocks[u].hi, blocks[u].height) for u in units}
    full_succ: dict[str, list[str]] = {u: [] for u in units}

    def lanes(first: str | None, levels: range, last: str | None, tag: str) -> None:
        prev = first
        for level in levels:
            lane = f"\0{tag}\0{level}"
            rank[lane] = level
            sizes[lane] = (-LANE_WIDTH / 2.0, LANE_WIDTH / 2.0, 0.0)
            full_succ[lane] = []
            if prev is not None:
                full_succ[prev].append(lane)
            prev = lane
        if prev is not None and last is not None:
            full_succ[prev].append(last)

    bottom = max(rank.values(), default=0)
    for a in units:
        for b in succ[a]:
            lanes(a, range(rank[a] + 1, rank[b]), b, f"{a}\0{b}")
        if a in outside[0]:
            lanes(None, range(0, rank[a]), a, f"in\0{a}")
        if a in outside[1]:
            lanes(a, range(rank[a] + 1, bottom + 1), None, f"out\0{a}")
    pred: dict[str, list[str]] = {u: [] for u in full_succ}
    for a, targets in full_succ.items():
        for b in targets:
            pred[b].append(a)
    rows: dict[int, list[str]] = {}
    for u in full_succ:
        rows.setdefault(rank[u], []).append(u)
    return [rows[k] for k in sorted(rows)], sizes, full_succ, pred


def _order_rows(rows: list[list[str]], succ, pred, sweeps: int) -> None:
    """Barycentre sweeps, down then up, to reduce crossings (ties keep the current order)."""
    index = {u: float(i) for row in rows for i, u in enumerate(row)}
    for sweep in range(sweeps):
        down = sweep % 2 == 0
        neigh = pred if down else succ
        for row in rows if down else reversed(rows):

            def key(u: str) -> float:
                others = [index[o] for o in neigh[u]]
                return sum(others) / len(others) if others else index[u]

            row.sort(key=key)
            for i, u in enumerate(row):
                index[u] = float(i)


def _place_x(rows, sizes, succ, pred, metrics: _Metrics) -> dict[str, float]:
    """Centre x of every unit: aligned with its neighbours, never overlapping in a row."""
    xs: dict[str, float] = {}
    spacing = {id(row): _offsets(row, sizes, metrics.gap_x) for row in rows}  # fixed per row
    for row in rows:
        for u, x in zip(row, _packed(row, sizes, metrics.gap_x, [0.0] * len(row), spacing[id(row)])):
            xs[u] = x
    for sweep in range(2 * max(metrics.sweeps, 1) + 1):
        down = sweep % 2 == 0
        neigh = pred if down else succ
        for row in rows if down else reversed(rows):
            wanted = []
            for u in row:
                others = [xs[o] for o in neigh[u]]
                wanted.append(sum(others) / len(others) if others else xs[u])
            for u, x in zip(row, _packed(row, sizes, metrics.gap_x, wanted, spacing[id(row)])):
                xs[u] = x
    return xs


def _offsets(row: list[str], sizes, gap: float) -> list[float]:
    """Each unit's x relative to the row's first when packed tight (order and spacing)."""
    offsets = [0.0]
    for a, b in zip(row, row[1:]):
        offsets.append(offsets[-1] + sizes[a][1] - sizes[b][0] + gap)
    return offsets


def _packed(row: list[str], sizes, gap: float, wanted: list[float],
            offsets: list[float] | None = None) -> list[float]:
    """Least-squares closest positions to ``wanted`` that keep order and spacing (PAV)."""
    if offsets is None:
        offsets = _offsets(row, sizes, gap)
    targets = [w - o for w, o in zip(wanted, offsets)]
    pools: list[list[float]] = []  # [sum, count]
    for t in targets:
        pools.append([t, 1.0])
        while len(pools) > 1 and pools[-2][0] / pools[-2][1] > pools[-1][0] / pools[-1][1]:
            s, c = pools.pop()
            pools[-1][0] += s
            pools[-1][1] += c
    base: list[float] = []
    for s, c in pools:
        base.extend([s / c] * int(c))
    return [b + o for b, o in zip(base, offsets)]


def _assemble(rows, xs, sizes, blocks, metrics: _Metrics) -> _Block:
    if not rows:
        return _Block(-metrics.node_w / 2.0, metrics.node_w / 2.0, 0.0)
    positions: dict[str, Position] = {}
    top = 0.0
    left, right = float("inf"), float("-inf")
    for row in rows:
        for u in row:
            if u in blocks:
                for nid, (x, y) in blocks[u].positions.items():
                    positions[nid] = (xs[u] + x, top + y)
            left = min(left, xs[u] + sizes[u][0])
            right = max(right, xs[u] + sizes[u][1])
        top += max(sizes[u][2] for u in row) + metrics.gap_y
    first = [u for u in rows[0] if u in blocks]
    shift = xs[first[0]] if len(first) == 1 else (left + right) / 2.0
    positions = {n: (x - shift, y) for n, (x, y) in positions.items()}
    return _Block(left - shift, right - shift, top - metrics.gap_y, positions)


def apply_layout(graph: Graph, positions: dict[str, Position]) -> None:
    for nid, pos in positions.items():
        graph.move_node(nid, pos)
