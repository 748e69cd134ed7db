"""The Graph's edge index (issue 13): removing an edge costs O(1) wherever it is, batch
inserts reorder once, and the edge and node ORDER stays exactly what one-by-one list edits
would give, since saves and undo are byte-exact."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from designer.core import edits, serialize
from designer.core.clipboard import copy_nodes, paste_edit
from designer.core.graph import Edge, Graph, GraphError, Node

import pytest


def ring_graph(n: int) -> Graph:
    g = Graph("g")
    for i in range(n):
        g.add_node(Node(f"n{i}", "ReLU"))
    return g


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "insert", "remove"]), st.integers(0, 30),
                          st.integers(0, 30)), max_size=60))
def test_edge_order_matches_a_plain_list(ops):
    """The reference is the old representation: a list with append/insert/remove."""
    g = ring_graph(8)
    ref: list[Edge] = []
    for op, a, b in ops:
        if op == "remove":
            if ref:
                edge = ref[a % len(ref)]
                g.remove_edge(edge)
                ref.remove(edge)
            continue
        edge = Edge(f"n{a % 8}", f"n{b % 8}", a % 3)
        if edge.src == edge.dst or any(e.dst == edge.dst and e.port == edge.port for e in ref):
            with pytest.raises(GraphError):
                g.add_edge(edge)
            continue
        if op == "add":
            g.add_edge(edge)
            ref.append(edge)
        else:
            g.add_edge(edge, b)
            ref.insert(b, edge)
        assert g.edges == ref
    assert g.edges == ref
    assert all(g.edge_index(e) == i for i, e in enumerate(ref))
    key = lambda e: (e.dst, e.port)  # noqa: E731
    assert sorted((e for n in g.nodes for e in g.in_edges(n)), key=key) == sorted(ref, key=key)


def test_batch_insert_lands_like_ascending_one_by_one_inserts():
    g = ring_graph(6)
    base = [Edge("n0", "n1"), Edge("n1", "n2"), Edge("n2", "n3"), Edge("n3", "n4")]
    for e in base:
        g.add_edge(e)
    extra = [(0, Edge("n5", "n0")), (2, Edge("n4", "n5")), (9, Edge("n0", "n2", 1))]
    ref = list(base)
    for i, e in extra:
        ref.insert(i, e)
    g.insert_edges(extra)
    assert g.edges == ref


def test_refused_batch_changes_nothing():
    g = ring_graph(3)
    g.add_edge(Edge("n0", "n1"))
    before = serialize.dumps(g)
    with pytest.raises(GraphError, match="already connected"):
        g.insert_edges([(None, Edge("n1", "n2")), (None, Edge("n0", "n2"))])
    with pytest.raises(GraphError, match="no node"):
        g.insert_edges([(None, Edge("n1", "n2", 1)), (None, Edge("n0", "zz"))])
    assert serialize.dumps(g) == before


def test_structure_token_changes_with_structure_only():
    g = ring_graph(3)
    token = g.structure_token
    g.set_params("n0", {"p": 1})
    g.move_node("n0", (5, 5))
    assert g.structure_token is token
    copy = g.copy()
    assert copy.structure_token is token
    g.add_edge(Edge("n0", "n1"))
    assert g.structure_token is not token and copy.structure_token is token


def test_delete_and_paste_round_trip_byte_exact_on_a_large_design():
    from designer.core.builder import DesignBuilder

    b = DesignBuilder("big")
    x = b.input([3, 8, 8])
    for i in range(300):
        y = b.relu(x)
        x = b.concat(x, y) if i % 3 == 0 else y
    b.output(x)
    g = b.build(layout=False)
    before = serialize.dumps(g)
    doomed = [n for i, n in enumerate(g.nodes) if i % 7 == 3]
    edit = edits.RemoveNodes(doomed)
    edit.apply(g)
    edit.revert(g)
    assert serialize.dumps(g) == before
    paste, ids = paste_edit(g, copy_nodes(g, list(g.nodes)), (10.0, 10.0))
    paste.apply(g)
    assert len(g) == 2 * len(ids)
    paste.revert(g)
    assert serialize.dumps(g) == before
    rename = edits.RenameNode(doomed[0], "renamed")
    rename.apply(g)
    rename.revert(g)
    assert serialize.dumps(g) == before


def test_the_edge_list_refuses_changes_that_would_not_reach_the_graph():
    g = ring_graph(3)
    g.add_edge(Edge("n0", "n1"))
    for change in (lambda l: l.append(Edge("n1", "n2")), lambda l: l.remove(l[0]), lambda l: l.clear(),
                   lambda l: l.__setitem__(0, Edge("n1", "n2")), lambda l: l.__delitem__(0)):
        with pytest.raises(TypeError, match="read-only"):
            change(g.edges)
    assert g.edges == [Edge("n0", "n1")] and list(g.edges) + [1] == [Edge("n0", "n1"), 1]
    import copy
    import pickle

    for clone in (copy.copy(g.edges), copy.deepcopy(g.edges), pickle.loads(pickle.dumps(g.edges))):
        assert type(clone) is list and clone == g.edges


def test_bulk_inserts_signal_once_and_single_inserts_per_item():
    g = ring_graph(4)
    seen = []
    for name in ("node_added", "nodes_added", "edge_added", "edges_added", "changed"):
        getattr(g, name).connect(lambda *a, name=name: seen.append((name, *a)))
    g.insert_nodes([(0, Node("a", "ReLU")), (None, Node("b", "ReLU"))])
    g.insert_edges([(None, Edge("a", "b")), (None, Edge("n0", "n1"))])
    assert seen == [("nodes_added", ["a", "b"]), ("changed",),
                    ("edges_added", [Edge("a", "b"), Edge("n0", "n1")]), ("changed",)]
    assert list(g.nodes)[:2] == ["a", "n0"]
    seen.clear()
    g.add_node(Node("c", "ReLU"), 0)  # one node at an index: its own signal
    g.add_edge(Edge("c", "a"), 0)
    assert seen == [("node_added", "c"), ("changed",), ("edge_added", Edge("c", "a")), ("changed",)]
    assert g.edges[0] == Edge("c", "a") and list(g.nodes)[0] == "c"


def test_add_nodes_is_all_or_nothing_and_reverts_exactly():
    g = ring_graph(3)
    g.add_edge(Edge("n0", "n1"))
    before = serialize.dumps(g)
    bad = edits.AddNodes([Node("a", "ReLU"), Node("b", "ReLU")], [Edge("a", "b"), Edge("n0", "n1")])
    with pytest.raises(GraphError, match="already connected"):
        bad.apply(g)
    assert serialize.dumps(g) == before
    good = edits.AddNodes([Node("a", "ReLU"), Node("b", "ReLU")], [Edge("a", "b"), Edge("b", "n2")])
    good.apply(g)
    assert list(g.nodes)[-2:] == ["a", "b"] and g.edges[-2:] == [Edge("a", "b"), Edge("b", "n2")]
    good.revert(g)
    assert serialize.dumps(g) == before


def _chain_with_skips(n: int) -> Graph:
    g = Graph("g")
    for i in range(n):
        g.add_node(Node(f"n{i}", "Add" if i else "Input"))
    for i in range(1, n):
        g.add_edge(Edge(f"n{i - 1}", f"n{i}", 0))
        if i >= 2:
            g.add_edge(Edge(f"n{i - 2}", f"n{i}", 1))
    return g


@settings(max_examples=100, deadline=None)
@given(st.sets(st.integers(0, 11)))
def test_removing_many_nodes_gives_what_one_by_one_gives_and_signals_once(doomed):
    ids = [f"n{i}" for i in sorted(doomed)]
    bulk, single = _chain_with_skips(12), _chain_with_skips(12)
    seen = []
    bulk.nodes_removed.connect(lambda ids: seen.append(("nodes", ids)))
    bulk.edges_removed.connect(lambda edges: seen.append(("edges", len(edges))))
    bulk.node_removed.connect(lambda nid: seen.append(("node", nid)))
    touching = bulk.edges_touching(ids)
    bulk.remove_many(touching, ids)
    for edge in single.edges_touching(ids):
        single.remove_edge(edge)
    for nid in ids:
        single.remove_node(nid)
    assert serialize.dumps(bulk) == serialize.dumps(single)
    assert [e for n in bulk.nodes for e in bulk.in_edges(n)] == [e for n in single.nodes for e in single.in_edges(n)]
    assert [e for n in bulk.nodes for e in bulk.out_edges(n)] == [e for n in single.nodes for e in single.out_edges(n)]
    expected = ([("edges", len(touching))] if touching else []) + ([("nodes", ids)] if ids else [])
    assert seen == expected


def test_removing_many_is_all_or_nothing():
    g = _chain_with_skips(5)
    before = serialize.dumps(g)
    with pytest.raises(GraphError, match="still has edges"):
        g.remove_many([Edge("n1", "n2", 0)], ["n2"])  # n2 keeps its other edges
    with pytest.raises(GraphError, match="twice"):
        g.remove_many([], ["n4", "n4"])
    with pytest.raises(GraphError, match="no edge"):
        g.remove_many([Edge("n0", "n4", 0)], [])
    assert serialize.dumps(g) == before
