"""Graph mutations and undoable edits: apply a sequence, revert it, and the design is unchanged."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.core import edits, serialize
from designer.core.graph import Edge, Graph, GraphError, Group, Node
from designer.zoo import find


def lenet() -> Graph:
    return serialize.load(find("lenet5"))


def test_graph_signals_are_fine_grained():
    g = Graph()
    seen = []
    g.node_added.connect(lambda nid: seen.append(("added", nid)))
    g.edge_added.connect(lambda e: seen.append(("edge", e.src, e.dst)))
    g.changed.connect(lambda: seen.append("changed"))
    g.add_node(Node("a", "Input", {"shape": [2]}))
    g.add_node(Node("b", "Output"))
    g.add_edge(Edge("a", "b"))
    assert seen == [("added", "a"), "changed", ("added", "b"), "changed", ("edge", "a", "b"), "changed"]


def test_graph_refuses_bad_structure():
    g = Graph()
    g.add_node(Node("a", "ReLU"))
    g.add_node(Node("b", "Concat"))
    with pytest.raises(GraphError, match="already exists"):
        g.add_node(Node("a", "ReLU"))
    with pytest.raises(GraphError, match="no node 'zz'"):
        g.add_edge(Edge("a", "zz"))
    with pytest.raises(GraphError, match="cannot feed itself"):
        g.add_edge(Edge("a", "a"))
    g.add_edge(Edge("a", "b", 0))
    with pytest.raises(GraphError, match="port 0 of 'b' is already connected"):
        g.add_edge(Edge("a", "b", 0))
    with pytest.raises(GraphError, match="still has edges"):
        g.remove_node("a")
    assert g.free_port("b") == 1
    assert g.unique_id("a") == "a1"


def test_in_edges_are_ordered_by_port():
    g = Graph()
    for nid in "xyc":
        g.add_node(Node(nid, "ReLU" if nid != "c" else "Concat"))
    g.add_edge(Edge("y", "c", 1))
    g.add_edge(Edge("x", "c", 0))
    assert g.predecessors("c") == ["x", "y"]


def test_remove_nodes_then_undo_restores_ids_edges_and_groups():
    g = lenet()
    g.groups = {"feat": Group("feat", "Features", ["conv1", "relu1", "pool1"], "block")}
    before = serialize.to_dict(g)
    edit = edits.RemoveNodes(["relu1", "conv2"])
    edit.apply(g)
    assert "relu1" not in g.nodes and g.groups["feat"].nodes == ["conv1", "pool1"]
    assert not any(e.src == "conv2" or e.dst == "conv2" for e in g.edges)
    edit.revert(g)
    assert serialize.to_dict(g) == before


def test_insert_on_edge_and_undo():
    g = lenet()
    before = serialize.dumps(g)
    edit = edits.insert_on_edge(g, Edge("conv1", "relu1"), Node("bn", "BatchNorm2d"))
    edit.apply(g)
    assert g.predecessors("relu1") == ["bn"] and g.predecessors("bn") == ["conv1"]
    edit.revert(g)
    assert serialize.dumps(g) == before


def test_compound_is_all_or_nothing():
    g = lenet()
    before = serialize.dumps(g)
    bad = edits.Compound([edits.AddNode(Node("x", "ReLU")), edits.AddEdge(Edge("x", "missing"))])
    with pytest.raises(GraphError):
        bad.apply(g)
    assert serialize.dumps(g) == before


def test_set_params_merges_a_drag_into_one_step():
    g = lenet()
    first = edits.SetParams("conv1", {"out_channels": 7, "kernel_size": 5}, merge_key="k")
    first.apply(g)
    second = edits.SetParams("conv1", {"out_channels": 9, "kernel_size": 5}, merge_key="k")
    second.apply(g)
    assert first.merge(second)
    first.revert(g)
    assert g.nodes["conv1"].params == {"out_channels": 6, "kernel_size": 5}
    first.apply(g)
    assert g.nodes["conv1"].params["out_channels"] == 9
    assert not first.merge(edits.SetParams("conv2", {}, merge_key="k"))


def test_replace_design_and_undo():
    g = lenet()
    other = Graph("other")
    other.add_node(Node("i", "Input", {"shape": [2]}))
    before = serialize.dumps(g)
    edit = edits.replace_design(g, other)
    edit.apply(g)
    assert list(g.nodes) == ["i"] and g.name == "other"
    edit.revert(g)
    assert serialize.dumps(g) == before


OPS = st.lists(st.tuples(st.sampled_from(["add", "remove", "connect", "disconnect", "params", "move"]),
                         st.integers(0, 50), st.integers(0, 50)), max_size=25)


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_any_sequence_of_edits_reverts_to_the_same_design(ops):
    g = lenet()
    before = serialize.to_dict(g)
    applied = []
    for op, a, b in ops:
        ids = list(g.nodes)
        edit = None
        if op == "add":
            edit = edits.AddNode(Node(g.unique_id("n"), "ReLU"))
        elif op == "remove" and ids:
            edit = edits.RemoveNodes([ids[a % len(ids)]])
        elif op == "connect" and len(ids) > 1:
            src, dst = ids[a % len(ids)], ids[b % len(ids)]
            if src != dst:
                edit = edits.AddEdge(Edge(src, dst, g.free_port(dst)))
        elif op == "disconnect" and g.edges:
            edit = edits.RemoveEdge(g.edges[a % len(g.edges)])
        elif op == "params" and ids:
            edit = edits.SetParams(ids[a % len(ids)], {"p": b})
        elif op == "move" and ids:
            nid = ids[a % len(ids)]
            edit = edits.MoveNodes({nid: (g.nodes[nid].position, (float(a), float(b)))})
        if edit is not None:
            edit.apply(g)
            applied.append(edit)
    for edit in reversed(applied):
        edit.revert(g)
    assert serialize.to_dict(g) == before
