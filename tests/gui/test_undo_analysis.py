"""Undo and redo bring a structure back exactly, and with it its structure token: the
analysis made for that structure is reused (an undo of a delete of 5,000 layers needs no new
analysis), and never once a parameter has changed since."""

from designer.analysis import analyze
from designer.core.edits import RemoveNodes, SetParams
from designer.core.graph import Edge, Graph, Node
from designer.gui.document import Document


def chain(n: int) -> Graph:
    g = Graph("chain")
    g.add_node(Node("in", "Input", {"shape": [3, 16, 16]}))
    prev = "in"
    for i in range(n):
        g.add_node(Node(f"c{i}", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}))
        g.add_edge(Edge(prev, f"c{i}"))
        prev = f"c{i}"
    return g


def fresh_equal(doc: Document) -> None:
    live, fresh = doc.refresh_now(), analyze(doc.graph)
    assert live.nodes == fresh.nodes and live.issues == fresh.issues
    assert live.total_params == fresh.total_params and live.order == fresh.order


def test_undo_and_redo_of_a_delete_reuse_the_analyses_of_their_structures(qtbot):
    doc = Document()
    doc.replace_graph(chain(6))
    before = doc.refresh_now()
    doc.push(RemoveNodes(["c2", "c3"]))
    after = doc.refresh_now()
    assert after is not before and "c2" not in after.nodes
    doc.undo_stack.undo()
    assert doc.refresh_now() is before
    fresh_equal(doc)
    doc.undo_stack.redo()
    assert doc.refresh_now() is after
    fresh_equal(doc)


def test_a_parameter_changed_since_is_never_taken_from_the_kept_analysis(qtbot):
    doc = Document()
    doc.replace_graph(chain(6))
    doc.refresh_now()
    doc.push(SetParams("c4", {"out_channels": 9, "kernel_size": 3, "padding": 1}))
    doc.push(RemoveNodes(["c1"]))  # the analysis was never read between the two edits
    doc.undo_stack.undo()
    fresh_equal(doc)
    assert doc.analysis.nodes["c4"].output_shape[0] == 9
    doc.undo_stack.undo()  # the parameter edit
    fresh_equal(doc)
    doc.push(RemoveNodes(["c0"]))
    doc.refresh_now()
    doc.undo_stack.undo()
    fresh_equal(doc)
    assert doc.analysis.nodes["c4"].output_shape[0] == 4
