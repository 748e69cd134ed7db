"""Automatic layered layout (a small Sugiyama): ranks by longest path, order by barycentre.

Pure geometry on ids, so the GUI and the example builder share it and tests can check it.
Flow is top to bottom; each rank is a row, centred on x = 0.
"""

from __future__ import annotations

from .graph import Graph

ROW_HEIGHT = 110.0
COLUMN_WIDTH = 200.0


def ranks(graph: Graph) -> dict[str, int]:
    """Longest-path rank of each node (nodes on cycles keep rank 0 of their own)."""
    indegree = {nid: len(graph.in_edges(nid)) for nid in graph.nodes}
    rank = {nid: 0 for nid in graph.nodes}
    ready = [nid for nid, d in indegree.items() if d == 0]
    while ready:
        nid = ready.pop()
        for succ in graph.successors(nid):
            rank[succ] = max(rank[succ], rank[nid] + 1)
            indegree[succ] -= 1
            if indegree[succ] == 0:
                ready.append(succ)
    return rank


def layered_layout(
    graph: Graph, row_height: float = ROW_HEIGHT, column_width: float = COLUMN_WIDTH, sweeps: int = 4
) -> dict[str, tuple[float, float]]:
    """Positions for every node: rows by rank, columns ordered to reduce edge crossings."""
    rank = ranks(graph)
    rows: dict[int, list[str]] = {}
    for nid in graph.nodes:  # insertion order is a good first guess
        rows.setdefault(rank[nid], []).append(nid)
    index = {nid: float(i) for row in rows.values() for i, nid in enumerate(row)}
    levels = sorted(rows)
    for sweep in range(sweeps):
        down = sweep % 2 == 0
        for level in levels if down else reversed(levels):
            row = rows[level]
            neigh = graph.predecessors if down else graph.successors

            def key(nid: str) -> float:
                others = [index[o] for o in neigh(nid) if o in index]
                return sum(others) / len(others) if others else index[nid]

            row.sort(key=key)
            for i, nid in enumerate(row):
                index[nid] = float(i)
    positions = {}
    for level, row in rows.items():
        offset = (len(row) - 1) / 2.0
        for i, nid in enumerate(row):
            positions[nid] = ((i - offset) * column_width, level * row_height)
    return positions


def apply_layout(graph: Graph, positions: dict[str, tuple[float, float]]) -> None:
    for nid, pos in positions.items():
        graph.move_node(nid, pos)
