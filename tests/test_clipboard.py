"""Copy/paste as data: inner edges travel, outer edges stay behind, ids are fresh."""

from __future__ import annotations

import pytest

from designer.core import clipboard, serialize
from designer.core.builder import DesignBuilder
from designer.core.graph import Edge


def design():
    b = DesignBuilder("d")
    x = b.input([3, 8, 8])
    with b.group("blk", kind="block", collapsed=False):
        y = b.conv2d(x, 4, 3, padding=1, id="conv1")
        with b.group("inner"):
            z = b.relu(y, id="relu1")
        x = b.concat(z, y, x, id="cat")
    b.output(b.linear(b.flatten(x, id="flat"), 2, id="fc"))
    return b.build()


def test_copy_keeps_only_inner_edges_and_whole_groups():
    graph = design()
    payload = clipboard.copy_nodes(graph, ["relu1", "cat", "conv1"])
    assert [n["id"] for n in payload["nodes"]] == ["conv1", "relu1", "cat"]
    assert {(e["from"], e["to"], e["port"]) for e in payload["edges"]} == {
        ("conv1", "relu1", 0), ("relu1", "cat", 0), ("conv1", "cat", 1)}
    assert [g["id"] for g in payload["groups"]] == ["blk", "inner"]
    assert clipboard.copy_nodes(graph, ["relu1", "cat"])["groups"][0]["parent"] is None


def test_paste_uses_fresh_ids_offsets_and_renumbers_merge_ports():
    graph = design()
    payload = clipboard.loads(clipboard.dumps(clipboard.copy_nodes(graph, ["relu1", "cat"])))
    edit, ids = clipboard.paste_edit(graph, payload, (100.0, 50.0))
    before = serialize.to_dict(graph)
    edit.apply(graph)
    assert ids == ["relu2", "cat1"]
    assert graph.nodes["cat1"].position == (graph.nodes["cat"].position[0] + 100, graph.nodes["cat"].position[1] + 50)
    assert Edge("relu2", "cat1", 0) in graph.edges
    assert graph.groups["inner1"].nodes == ["relu2"] and graph.groups["inner1"].parent is None
    edit.revert(graph)
    assert serialize.to_dict(graph) == before


def test_pasting_twice_never_collides():
    graph = design()
    payload = clipboard.copy_nodes(graph, ["conv1", "relu1", "cat"])
    first, a = clipboard.paste_edit(graph, payload, (10, 0))
    first.apply(graph)
    second, b = clipboard.paste_edit(graph, payload, (20, 0))
    second.apply(graph)
    assert not set(a) & set(b) and len(graph.nodes) == 7 + 6
    assert len(graph.groups) == 2 + 4
    assert graph.groups[[g for g in graph.groups if graph.groups[g].nodes == [b[1]]][0]].parent in graph.groups


@pytest.mark.parametrize("text", ["", "hello", "[]", '{"format": "other"}',
                                  '{"format": "designer.clipboard", "nodes": []}',
                                  '{"format": "designer.clipboard", "nodes": [{"id": 3}]}',
                                  '{"format": "designer.clipboard", "nodes": [{"id": "a", "type": "ReLU"}],'
                                  ' "edges": [{"from": "a", "to": "b"}]}'])
def test_loads_refuses_what_is_not_copied_layers(text):
    with pytest.raises(ValueError):
        clipboard.loads(text)


def test_bounds_and_centre():
    payload = clipboard.copy_nodes(design(), ["input", "fc"])
    left, top, right, bottom = clipboard.bounds(payload)
    assert top == 0 and bottom > top
    assert clipboard.centre(payload) == ((left + right) / 2, (top + bottom) / 2)
