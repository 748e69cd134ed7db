"""x coordinates of the layered layout, and a container's rows stacked into one block.

Coordinate assignment is a fixed number of sweeps of a linear-time compaction: each row in
turn takes the least-squares closest positions to the mean x of its neighbours in the row
just placed that keep its order and spacing (isotonic regression by pool-adjacent-violators,
O(row) per row). So one sweep is O(V + E) and the whole is linear for a fixed sweep count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Position = tuple[float, float]
#: Sweeps stop early once no unit moves more than this (pixels) in a sweep.
SETTLED = 0.5


@dataclass
class Block:
    """A laid-out container: node centres relative to its origin (x = 0, top y = 0), and how
    far it reaches left (``lo`` <= 0) and right (``hi`` >= 0) of that origin."""

    lo: float
    hi: float
    height: float
    positions: dict[str, Position] = field(default_factory=dict)


def place_x(rows: list[list[str]], sizes, succ, pred, gap: float, sweeps: int) -> dict[str, float]:
    """Centre x of every unit: aligned with its neighbours, never overlapping in a row."""
    offsets = [row_offsets(row, sizes, gap) for row in rows]  # fixed per row
    xs: dict[str, float] = {}
    for row, offs in zip(rows, offsets):
        for u, x in zip(row, packed([0.0] * len(row), offs)):
            xs[u] = x
    order = list(range(len(rows)))
    for sweep in range(max(sweeps, 1) + 1):
        down = sweep % 2 == 0
        neigh = pred if down else succ
        moved = 0.0
        for r in order if down else reversed(order):
            row = rows[r]
            wanted = []
            for u in row:
                others = neigh[u]
                if others:
                    total = 0.0
                    for o in others:
                        total += xs[o]
                    wanted.append(total / len(others))
                else:
                    wanted.append(xs[u])
            placed = wanted if len(row) == 1 else packed(wanted, offsets[r])
            for u, x in zip(row, placed):
                moved = max(moved, abs(xs[u] - x))
                xs[u] = x
        if sweep > 0 and moved < SETTLED:  # a sweep each way moved nothing: converged
            break
    return xs


def row_offsets(row: list[str], sizes, gap: float) -> list[float]:
    """Each unit's x relative to the row's first when packed tight (order and spacing)."""
    offsets = [0.0]
    last = 0.0
    for a, b in zip(row, row[1:]):
        last += sizes[a][1] - sizes[b][0] + gap
        offsets.append(last)
    return offsets


def packed(wanted: list[float], offsets: list[float]) -> list[float]:
    """Least-squares closest positions to ``wanted`` that keep order and the least spacing
    ``offsets`` gives (pool-adjacent-violators; amortised linear)."""
    sums: list[float] = []
    counts: list[int] = []
    for w, o in zip(wanted, offsets):
        s, c = w - o, 1
        while sums and sums[-1] * c > s * counts[-1]:  # previous pool's mean > this one's
            s += sums.pop()
            c += counts.pop()
        sums.append(s)
        counts.append(c)
    out: list[float] = []
    i = 0
    for s, c in zip(sums, counts):
        mean = s / c
        for _ in range(c):
            out.append(mean + offsets[i])
            i += 1
    return out


def assemble(rows, xs, sizes, blocks: dict[str, Block], node_w: float, gap_y: float) -> Block:
    """Stack the rows top to bottom (each as tall as its tallest unit) into one block, with
    its origin on the single unit of the first row (or the middle of the whole)."""
    if not rows:
        return Block(-node_w / 2.0, node_w / 2.0, 0.0)
    positions: dict[str, Position] = {}
    top = 0.0
    left, right = float("inf"), float("-inf")
    for row in rows:
        tallest = 0.0
        for u in row:
            x = xs[u]
            block = blocks.get(u)
            if block is not None:
                for nid, (bx, by) in block.positions.items():
                    positions[nid] = (x + bx, top + by)
            lo, hi, height = sizes[u]
            left = min(left, x + lo)
            right = max(right, x + hi)
            tallest = max(tallest, height)
        top += tallest + gap_y
    first = [u for u in rows[0] if u in blocks]
    shift = xs[first[0]] if len(first) == 1 else (left + right) / 2.0
    positions = {n: (x - shift, y) for n, (x, y) in positions.items()}
    return Block(left - shift, right - shift, top - gap_y, positions)
