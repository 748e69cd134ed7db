"""Collapse and expand in place (core.layout_toggle): no global layout, room made by the
size difference, nothing overlaps, and expanding then collapsing returns every node."""

from __future__ import annotations

import random

import pytest

from designer.core import serialize
from designer.core.builder import DesignBuilder
from designer.core.layout import FRAME_PAD, FRAME_TITLE, group_anchor, group_members, layered_layout, visible_owner
from designer.core.layout_toggle import _Tree, _any_overlap, box_rect, toggle_moves
from designer.zoo import find


def toggle(graph, gid):
    moves = toggle_moves(graph, gid)
    graph.groups[gid].collapsed = not graph.groups[gid].collapsed
    for nid, (old, new) in moves.items():
        assert graph.nodes[nid].position == old
        graph.move_node(nid, new)
    return moves


def shown_rects(graph):
    """Every box on the canvas and every expanded frame, with the nodes each covers."""
    owner = visible_owner(graph)
    members = group_members(graph)
    boxes = {}
    for nid, shown in owner.items():
        boxes.setdefault(shown, []).append(nid)
    rects = {k: box_rect(graph.nodes[k].position) if k in graph.nodes
             else box_rect(group_anchor({n: graph.nodes[n].position for n in v}, v)) for k, v in boxes.items()}
    tree = _Tree(graph)
    flags = {g: grp.collapsed for g, grp in graph.groups.items()}
    frames = {g: tree.footprint(g, flags) for g in graph.groups
              if not flags[g] and all(not flags[a] for a in tree.lineage(g)[1:]) and members[g]}
    return rects, frames, boxes, members


def assert_tidy(graph):
    rects, frames, boxes, members = shown_rects(graph)
    assert not _any_overlap(list(rects.values()))
    for gid, frame in frames.items():
        inside = set(members[gid])
        for key, rect in rects.items():
            if not set(boxes[key]) <= inside:  # a box outside the block stays off its frame
                assert not (rect[0] < frame[2] and frame[0] < rect[2] and rect[1] < frame[3] and frame[1] < rect[3]), \
                    (gid, key)


@pytest.mark.parametrize("name, gids", [("resnet50", ["layer2", "layer2.0", "layer2.1"]),
                                        ("googlenet", ["inception3a", "inception4b"]),
                                        ("densenet121", ["denseblock1", "denseblock1.denselayer3"])])
def test_expanding_makes_room_and_collapsing_gives_it_back(name, gids):
    graph = serialize.load(find(name))
    start = {n: node.position for n, node in graph.nodes.items()}
    above = [n for n in graph.nodes if start[n][1] < min(start[m][1] for m in group_members(graph)[gids[0]])]
    for gid in gids:
        toggle(graph, gid)
        assert not graph.groups[gid].collapsed
        assert_tidy(graph)
        assert all(graph.nodes[n].position == start[n] for n in above)  # what lies above stays put
    for gid in reversed(gids):
        toggle(graph, gid)
        assert_tidy(graph)
    assert {n: node.position for n, node in graph.nodes.items()} == start


def test_no_global_layout_a_hand_placed_node_keeps_its_place():
    graph = serialize.load(find("resnet50"))
    graph.move_node("input", (-900.0, -300.0))  # the user's own spot, far from where layout puts it
    toggle(graph, "layer3")
    assert graph.nodes["input"].position == (-900.0, -300.0)


def piled_block():
    b = DesignBuilder("piled")
    x = b.input([3, 8, 8])
    with b.group("blk", collapsed=True):
        y = b.relu(b.conv2d(x, 4, 3, padding=1, id="c1"), id="r1")
        s = b.conv2d(x, 4, 1, id="skip")
        x = b.add_(y, s, id="sum")
    b.output(b.flatten(x, id="flat"))
    graph = b.build()
    for nid in ("c1", "r1", "skip", "sum"):  # a file that never placed the block's inside
        graph.move_node(nid, (0.0, 110.0))
    return graph


def test_a_block_whose_inside_was_never_placed_is_laid_out_where_its_box_was():
    graph = piled_block()
    anchor = group_anchor({n: graph.nodes[n].position for n in ("c1", "r1", "skip", "sum")},
                          ["c1", "r1", "skip", "sum"])
    toggle(graph, "blk")
    inside = {n: graph.nodes[n].position for n in ("c1", "r1", "skip", "sum")}
    assert not _any_overlap([box_rect(p) for p in inside.values()])
    ax, ay = group_anchor(inside, list(inside))
    assert ax == pytest.approx(anchor[0])  # where the box was, stepped down at most by the title's room
    assert anchor[1] <= ay <= anchor[1] + FRAME_PAD + FRAME_TITLE
    assert inside["c1"][1] < inside["r1"][1] < inside["sum"][1]
    assert_tidy(graph)


def test_a_block_inside_a_collapsed_block_moves_nothing():
    graph = serialize.load(find("resnet50"))
    assert graph.groups["layer2"].collapsed
    assert toggle_moves(graph, "layer2.1") == {}


def test_toggling_after_a_fresh_layout_matches_the_layout_of_the_expanded_design():
    graph = serialize.load(find("googlenet"))
    toggle(graph, "inception3a")
    fresh = layered_layout(graph)
    members = group_members(graph)["inception3a"]
    here = {n: graph.nodes[n].position for n in members}
    offset = (here[members[0]][0] - fresh[members[0]][0], here[members[0]][1] - fresh[members[0]][1])
    for n in members:  # the block's inside reads as the layout would draw it
        assert here[n] == pytest.approx((fresh[n][0] + offset[0], fresh[n][1] + offset[1]))


@pytest.mark.parametrize("name, gids", [("resnet50", ["layer1", "layer3.2"]), ("densenet121", ["transition1"]),
                                        ("mobilenet_v2", ["stage1", "head"])])
def test_collapsing_in_an_expanded_layout_then_expanding_returns_every_node(name, gids):
    graph = serialize.load(find(name))
    for group in graph.groups.values():
        group.collapsed = False
    for nid, position in layered_layout(graph).items():
        graph.move_node(nid, position)
    start = {n: node.position for n, node in graph.nodes.items()}
    for gid in gids:
        toggle(graph, gid)
        assert graph.groups[gid].collapsed
        assert_tidy(graph)
    for gid in reversed(gids):
        toggle(graph, gid)
        assert_tidy(graph)
    assert {n: node.position for n, node in graph.nodes.items()} == start


def randomly_grouped(seed: int):
    """A random branchy design with random nested groups over runs of its nodes, some
    collapsed, laid out."""
    from test_layout_scale import branchy

    from designer.core.graph import Group

    rng = random.Random(seed)
    graph = branchy(rng.randint(20, 120), seed)
    ids = list(graph.nodes)
    groups: dict[str, Group] = {}

    def every(gid):
        return [*groups[gid].nodes, *(n for c, g in groups.items() if g.parent == gid for n in every(c))]

    def make(lo, hi, parent, depth):
        i = lo
        while i < hi:
            if rng.random() < 0.3 and depth < 3:
                j = min(hi, i + rng.randint(2, 15))
                gid = f"g{len(groups)}"
                groups[gid] = Group(gid, gid, [], "", rng.random() < 0.5, parent)
                groups[gid].nodes = make(i, j, gid, depth + 1)
                i = j
            else:
                i += 1
        taken = {n for k, g in groups.items() if g.parent == parent for n in every(k)}
        return [ids[k] for k in range(lo, hi) if ids[k] not in taken]

    make(1, len(ids) - 2, None, 0)
    graph.groups = {k: g for k, g in groups.items() if every(k)}
    for nid, position in layered_layout(graph).items():
        graph.move_node(nid, position)
    return graph, rng


@pytest.mark.parametrize("seed", [*range(8), 56])
def test_random_nested_groups_lay_out_and_toggle_without_overlaps(seed):
    graph, rng = randomly_grouped(seed)
    assert_tidy(graph)
    for _ in range(3):
        gid = rng.choice(list(graph.groups))
        parent, shown = graph.groups[gid].parent, True
        while parent is not None:
            shown = shown and not graph.groups[parent].collapsed
            parent = graph.groups[parent].parent
        if shown:
            toggle(graph, gid)
            assert_tidy(graph)
