"""The group-aware layered layout and the group helpers in core.layout."""

from __future__ import annotations

from designer.core.builder import DesignBuilder
from designer.core.graph import Graph, Group, Node
from designer.core.layout import (NODE_HEIGHT, NODE_WIDTH, ROW_HEIGHT, group_anchor, group_chains,
                                  group_members, layered_layout, visible_owner)


def blocks(collapsed: bool, n: int = 2):
    b = DesignBuilder("r")
    x = b.input([3, 8, 8])
    for i in range(n):
        with b.group(f"g{i}", collapsed=collapsed):
            y = b.conv2d(x, 3, 3, padding=1, id=f"c{i}a")
            y = b.relu(y, id=f"r{i}")
            y = b.conv2d(y, 3, 3, padding=1, id=f"c{i}b")
            with b.group(f"g{i}s", collapsed=collapsed):
                s = b.conv2d(x, 3, 1, id=f"s{i}")
            x = b.add_(y, s, id=f"a{i}")
    b.output(b.flatten(x, id="flat"))
    return b.build(layout=False)


def boxes_overlap(p, q, w=NODE_WIDTH, h=NODE_HEIGHT):
    return abs(p[0] - q[0]) < w and abs(p[1] - q[1]) < h


def test_a_chain_is_a_centred_column_of_rows():
    b = DesignBuilder("chain")
    x = b.input([1, 4, 4])
    for _ in range(3):
        x = b.relu(x)
    b.output(x)
    positions = layered_layout(b.build(layout=False))
    assert list(positions.values()) == [(0.0, i * ROW_HEIGHT) for i in range(5)]


def test_group_helpers():
    graph = blocks(True)
    chains = group_chains(graph)
    assert chains["s0"] == ["g0s", "g0"] and chains["input"] == []
    owner = visible_owner(graph)
    assert owner["s0"] == "g0" and owner["c1a"] == "g1" and owner["flat"] == "flat"
    assert group_members(graph)["g0"] == ["c0a", "r0", "c0b", "s0", "a0"]
    graph.groups["g0"].collapsed = False
    assert visible_owner(graph)["s0"] == "g0s" and visible_owner(graph)["r0"] == "r0"
    assert group_anchor({"a": (0, 10), "b": (100, 30)}, ["a", "b"]) == (50, 10)


def test_collapsed_groups_take_one_slot_each():
    graph = blocks(True)
    pos = layered_layout(graph)
    members = group_members(graph)
    slots = [pos["input"], group_anchor(pos, members["g0"]), group_anchor(pos, members["g1"]), pos["flat"]]
    assert slots == [(0.0, i * ROW_HEIGHT) for i in range(4)]


def test_expanded_groups_do_not_overlap_other_nodes_and_long_edges_get_lanes():
    graph = blocks(False)
    pos = layered_layout(graph)
    ids = list(pos)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            assert not boxes_overlap(pos[a], pos[b]), (a, b)
    members = group_members(graph)
    g0 = [pos[m] for m in members["g0"]]
    for outside in ("input", "flat"):
        x, y = pos[outside]
        assert not (min(p[1] for p in g0) <= y <= max(p[1] for p in g0))
    # the shortcut conv sits beside the main path, not on it
    assert pos["s0"][0] != pos["c0a"][0]
    assert pos["input"][1] < pos["c0a"][1] < pos["r0"][1] < pos["c0b"][1] < pos["a0"][1]


def test_cycles_and_empty_graphs_do_not_break_the_layout():
    assert layered_layout(Graph()) == {}
    graph = Graph()
    for n in "abc":
        graph.add_node(Node(n, "ReLU"))
    from designer.core.graph import Edge

    graph.add_edge(Edge("a", "b"))
    graph.add_edge(Edge("b", "c"))
    graph.add_edge(Edge("c", "a"))
    graph.groups = {"g": Group("g", "g", ["a"], parent="missing")}
    pos = layered_layout(graph)
    assert set(pos) == {"a", "b", "c"}


def test_group_parent_loops_from_a_hand_edited_file_are_cut():
    from designer.core.layout import group_parents

    graph = blocks(False)
    graph.groups["g0"].parent = "g0s"  # g0s's parent is g0: a loop
    parents = group_parents(graph)
    assert parents["g0"] is None or parents["g0s"] is None
    positions = layered_layout(graph)
    assert set(positions) == set(graph.nodes)
    assert all(len(c) == len(set(c)) for c in group_chains(graph).values())
