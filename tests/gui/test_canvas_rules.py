"""The rules behind canvas gestures, without a view: which connections are allowed, and the
edits that grouping, inserting, adding and toggling build (each reverts exactly)."""

from __future__ import annotations

import pytest

from designer.core import serialize
from designer.core.builder import DesignBuilder
from designer.core.graph import Edge
from designer.gui.canvas import commands
from designer.gui.canvas.interactions import connection_error


def design():
    b = DesignBuilder("rules")
    x = b.input([3, 8, 8])
    with b.group("blk", collapsed=False):
        y = b.conv2d(x, 3, 3, padding=1, id="conv")
        y = b.relu(y, id="relu")
    z = b.add_(y, x, id="add")
    b.output(b.flatten(z, id="flat"))
    return b.build()


@pytest.mark.parametrize("src, dst, port, reason", [
    ("relu", "relu", None, "cannot feed itself"),
    ("output", "flat", None, "Output"),
    ("relu", "input", None, "is an Input"),
    ("input", "relu", None, "already has an input (conv)"),
    ("relu", "add", 1, "already connected"),
    ("flat", "conv", None, "loop"),
])
def test_connection_rules(src, dst, port, reason):
    graph = design()
    graph.remove_edge(Edge("input", "conv"))
    assert reason in connection_error(graph, src, dst, port)


def test_allowed_connections():
    graph = design()
    assert connection_error(graph, "relu", "add", 2) is None  # a merge takes more inputs
    graph.remove_edge(Edge("relu", "add", 0))
    assert connection_error(graph, "conv", "add", 0) is None


def exact_revert(graph, edit):
    before = serialize.to_dict(graph)
    edit.apply(graph)
    after = serialize.to_dict(graph)
    edit.revert(graph)
    assert serialize.to_dict(graph) == before
    return after


def test_grouping_refuses_a_selection_across_blocks():
    graph = design()
    with pytest.raises(ValueError, match="several blocks"):
        commands.group(graph, ["conv", "add"], [], "x")
    with pytest.raises(ValueError, match="select"):
        commands.group(graph, [], [], None)
    edit, gid = commands.group(graph, ["add", "flat"], ["blk"], None)
    after = exact_revert(graph, edit)
    groups = {g["id"]: g for g in after["groups"]}
    assert gid == "block1" and groups["blk"]["parent"] == "block1"
    assert groups["block1"]["nodes"] == ["add", "flat"]


def test_inserting_and_adding_after():
    graph = design()
    with pytest.raises(ValueError, match="cannot sit on an edge"):
        commands.insert_into(graph, [Edge("relu", "add")], "Output", (0, 0))
    edit, nid = commands.insert_into(graph, [Edge("relu", "add", 0)], "BatchNorm2d", (0, 0))
    after = exact_revert(graph, edit)
    assert {"from": nid, "to": "add"} in after["edges"]
    with pytest.raises(ValueError, match="Output"):
        commands.add_after(graph, "output", "ReLU")
    edit, nid = commands.add_after(graph, "input", "BatchNorm2d")
    after = exact_revert(graph, edit)
    edges = {(e["from"], e["to"], e.get("port", 0)) for e in after["edges"]}
    assert {("input", nid, 0), (nid, "conv", 0), (nid, "add", 1)} <= edges


def test_toggle_and_ungroup_and_delete_revert_exactly():
    graph = design()
    after = exact_revert(graph, commands.toggle(graph, "blk"))
    assert after["groups"][0]["collapsed"] is True
    after = exact_revert(graph, commands.ungroup(graph, ["blk"]))
    assert "groups" not in after
    after = exact_revert(graph, commands.delete(graph, ["conv", "relu"], [Edge("input", "add", 1)]))
    assert "groups" not in after and len(after["edges"]) == 2
    assert commands.delete(graph, [], []) is None
    with pytest.raises(ValueError, match="no layer type"):
        commands.add_node(graph, "Nope", (0, 0))


def test_inserting_on_a_skip_wire_finds_a_free_column():
    from designer.core.graph import Graph, Node
    from designer.core.layout import NODE_HEIGHT, NODE_WIDTH, ROW_HEIGHT

    graph = Graph("skip")
    for i, (nid, kind) in enumerate((("input", "Input"), ("conv", "Conv2d"), ("relu", "ReLU"), ("add", "Add"),
                                     ("output", "Output"))):
        graph.add_node(Node(nid, kind, {}, (0.0, i * ROW_HEIGHT)))
    for src, dst, port in (("input", "conv", 0), ("conv", "relu", 0), ("relu", "add", 0), ("input", "add", 1),
                           ("add", "output", 0)):
        graph.add_edge(Edge(src, dst, port))
    edit, nid = commands.insert_into(graph, [Edge("input", "add", 1)], "BatchNorm2d", (0, 0))
    after = exact_revert(graph, edit)
    spots = {n["id"]: n["position"] for n in after["nodes"]}
    assert spots[nid][1] == ROW_HEIGHT and spots[nid][0] != 0.0  # beside conv, not on it
    for a in spots:
        for b in spots:
            if a < b:
                dx, dy = abs(spots[a][0] - spots[b][0]), abs(spots[a][1] - spots[b][1])
                assert dx >= NODE_WIDTH or dy >= NODE_HEIGHT, (a, b)
