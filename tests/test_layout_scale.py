"""The layered layout on generated designs: deterministic, no two boxes overlap, every edge
points down the page, and long edges share lanes (what keeps dense designs near-linear)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from designer.core.builder import DesignBuilder
from designer.core.layout import NODE_HEIGHT, NODE_WIDTH, layered_layout
from designer.core.layout_rows import longest_path_ranks, rows_with_lanes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from gui_scale_designs import chain, dense  # noqa: E402


def overlapping_pairs(positions) -> list[tuple[str, str]]:
    """Pairs of node boxes that overlap, found through a grid of box-sized cells."""
    cells: dict[tuple[int, int], list[str]] = {}
    found = []
    for nid, (x, y) in positions.items():
        cx, cy = int(x // NODE_WIDTH), int(y // NODE_HEIGHT)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other in cells.get((cx + dx, cy + dy), ()):
                    ox, oy = positions[other]
                    if abs(ox - x) < NODE_WIDTH - 0.5 and abs(oy - y) < NODE_HEIGHT - 0.5:
                        found.append((other, nid))
        cells.setdefault((cx, cy), []).append(nid)
    return found


def branchy(n: int, seed: int) -> "DesignBuilder":
    """A random DAG of merges and skips (Add of two earlier tensors of one shape)."""
    rng = random.Random(seed)
    b = DesignBuilder(f"branchy-{seed}")
    outs = [b.conv2d(b.input([3, 8, 8]), 4, 3, padding=1)]
    while len(b.graph.nodes) < n:
        if len(outs) > 2 and rng.random() < 0.4:
            outs.append(b.add_(rng.choice(outs[-6:]), rng.choice(outs)))
        else:
            outs.append(b.relu(rng.choice(outs[-4:])))
    b.output(b.flatten(outs[-1]))
    return b.build(layout=False)


@pytest.mark.parametrize("make", [lambda: chain(300, layout=False), lambda: dense(400, layout=False),
                                  lambda: branchy(250, 1), lambda: branchy(250, 2)],
                         ids=["chain", "dense", "branchy1", "branchy2"])
def test_generated_designs_lay_out_without_overlaps_and_flow_down(make):
    graph = make()
    positions = layered_layout(graph)
    assert set(positions) == set(graph.nodes)
    assert overlapping_pairs(positions) == []
    for edge in graph.edges:
        assert positions[edge.dst][1] > positions[edge.src][1], edge  # every edge points down


def test_the_layout_is_deterministic():
    first = layered_layout(dense(300, layout=False))
    again = layered_layout(dense(300, layout=False))
    assert first == again
    graph = branchy(200, 3)
    assert layered_layout(graph) == layered_layout(graph.copy())


def test_edges_from_one_source_share_one_lane_per_row():
    # a -> b1 -> ... -> b6, and a feeds every b (a DenseNet-like fan-out)
    units = ["a", *(f"b{i}" for i in range(1, 7))]
    succ = {u: [] for u in units}
    for i in range(1, 7):
        succ["a"].append(f"b{i}")
        if i > 1:
            succ[f"b{i - 1}"].append(f"b{i}")
    assert longest_path_ranks(units, succ)["b6"] == 6
    sizes = {u: (-90.0, 90.0, 58.0) for u in units}
    rows, _, full_succ, pred = rows_with_lanes(units, succ, sizes, {}, [])
    lanes = [u for row in rows for u in row if u not in succ]
    assert len(lanes) == 5  # rows 1..5: one lane each, not one per edge and row (15)
    for i in range(2, 7):  # b_i leaves the bus from the row above it
        assert any(p in lanes for p in pred[f"b{i}"])
    assert [len(row) for row in rows] == [1, 2, 2, 2, 2, 2, 1]


def test_a_dense_design_stays_one_column_wide():
    # every layer of a dense block feeds every later Concat of the block: with a lane per
    # edge and row the layout spread over about 2,700 px at 1,000 nodes; shared lanes keep
    # the layers in one column with their buses beside it
    positions = layered_layout(dense(1000, layout=False))
    xs = [p[0] for p in positions.values()]
    assert max(xs) - min(xs) < 2 * NODE_WIDTH
