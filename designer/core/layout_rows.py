"""Rows of the layered layout: longest-path ranks, lanes for edges that skip rows, and the
order of each row (barycentre crossing reduction).

Every step is linear (or ``n log n`` for the sorts) in the units, edges and lanes of one
container, and the number of sweeps is fixed, so the whole is near-linear in the design.

Lanes are shared: all the edges that leave one unit and skip rows run down one chain of
lanes (a "bus", as DenseNet drawings have), each leaving it on the row above its target;
likewise all the edges that enter a group from one outside source. So a unit that feeds k
later rows costs one lane per row, not one per edge and row (dense blocks: linear, not cubic).
"""

from __future__ import annotations

#: Width a lane keeps free in its row (room for a few parallel wires).
LANE_WIDTH = 56.0

Size = tuple[float, float, float]  # (left of centre <= 0, right of centre >= 0, height)


def longest_path_ranks(units: list[str], succ: dict[str, list[str]]) -> dict[str, int]:
    """Longest-path rank of each unit (units on cycles keep rank 0 of their own); O(V + E)."""
    indegree = dict.fromkeys(units, 0)
    for u in units:
        for v in succ[u]:
            indegree[v] += 1
    rank = dict.fromkeys(units, 0)
    ready = [u for u in reversed(units) if indegree[u] == 0]
    while ready:
        u = ready.pop()
        next_rank = rank[u] + 1
        for v in succ[u]:
            if rank[v] < next_rank:
                rank[v] = next_rank
            indegree[v] -= 1
            if indegree[v] == 0:
                ready.append(v)
    return rank


def rows_with_lanes(units: list[str], succ: dict[str, list[str]], sizes: dict[str, Size],
                    fed_from: dict[str, list[str]], feeding_out: list[str]):
    """Rank the units, route edges that skip rows through shared lanes, and group by row.

    ``fed_from`` maps each source outside this container to the units it feeds (their lanes
    start on the top row); ``feeding_out`` lists the units with edges leaving the container
    (their lanes run to the bottom row). Returns (rows, sizes, succ, pred) over units and
    lanes; ``sizes`` gains the lanes' sizes.
    """
    rank = longest_path_ranks(units, succ)
    full_succ: dict[str, list[str]] = {u: [] for u in units}
    lane_size = (-LANE_WIDTH / 2.0, LANE_WIDTH / 2.0, 0.0)

    def lane_chain(head: str | None, tag: str, first: int, last: int) -> list[str]:
        """Lanes on rows first..last, linked top to bottom, hanging from ``head``."""
        chain = []
        prev = head
        for level in range(first, last + 1):
            lane = f"\0{tag}\0{level}"
            rank[lane] = level
            sizes[lane] = lane_size
            full_succ[lane] = []
            if prev is not None:
                full_succ[prev].append(lane)
            chain.append(lane)
            prev = lane
        return chain

    bottom = max(rank.values(), default=0)
    for a in units:
        start = rank[a] + 1
        far = []
        for b in succ[a]:
            if rank[b] > start:
                far.append(b)
            else:
                full_succ[a].append(b)
        if far:
            chain = lane_chain(a, a, start, max(rank[b] for b in far) - 1)
            for b in far:
                full_succ[chain[rank[b] - 1 - start]].append(b)
    for a in feeding_out:
        lane_chain(a, f"out\0{a}", rank[a] + 1, bottom)
    for source, targets in fed_from.items():
        chain = lane_chain(None, f"in\0{source}", 0, max(rank[b] for b in targets) - 1)
        for b in targets:
            if rank[b] > 0:
                full_succ[chain[rank[b] - 1]].append(b)
    pred: dict[str, list[str]] = {u: [] for u in full_succ}
    for a, targets in full_succ.items():
        for b in targets:
            pred[b].append(a)
    rows: dict[int, list[str]] = {}
    for u in full_succ:
        rows.setdefault(rank[u], []).append(u)
    return [rows[k] for k in sorted(rows)], sizes, full_succ, pred


def order_rows(rows: list[list[str]], succ: dict[str, list[str]], pred: dict[str, list[str]],
               sweeps: int) -> None:
    """Barycentre sweeps, down then up, to reduce crossings (ties keep the current order).

    Each sweep sorts every row once by the mean position of its neighbours in the row just
    placed: O(E + V log V) per sweep, and the number of sweeps is fixed."""
    pos: dict[str, float] = {}
    for row in rows:
        for i, u in enumerate(row):
            pos[u] = float(i)
    for sweep in range(sweeps):
        down = sweep % 2 == 0
        neigh = pred if down else succ
        for row in rows if down else reversed(rows):
            if len(row) == 1:
                continue
            keys = {}
            for u in row:
                others = neigh[u]
                if others:
                    total = 0.0
                    for o in others:
                        total += pos[o]
                    keys[u] = total / len(others)
                else:
                    keys[u] = pos[u]
            row.sort(key=keys.__getitem__)
            for i, u in enumerate(row):
                pos[u] = float(i)
