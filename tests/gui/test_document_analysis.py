"""The Document's live analysis (issue 13): parameter edits re-analyse only what they reach,
anything structural re-analyses in full, and both always equal a fresh analysis."""

from designer.analysis import analyze
from designer.core import serialize
from designer.core.edits import RemoveNodes, SetParams
from designer.core.graph import Graph, Node
from designer.gui.document import Document
from designer.zoo import find


def equal_to_fresh(document: Document) -> None:
    live, fresh = document.refresh_now(), analyze(document.graph)
    assert live.nodes == fresh.nodes and live.issues == fresh.issues
    assert (live.total_params, live.total_macs, live.complete) == (
        fresh.total_params, fresh.total_macs, fresh.complete)


def test_parameter_edits_redo_only_what_they_reach(qtbot):
    doc = Document()
    doc.open(find("lenet5"))
    first = doc.refresh_now()
    with qtbot.waitSignal(doc.analysis_changed):
        doc.push(SetParams("fc2", {**doc.graph.nodes["fc2"].params, "out_features": 50}))
    again = doc.analysis
    assert again.redone == ["fc2", "relu4", "fc3"]
    assert again.nodes["conv1"] is first.nodes["conv1"]
    equal_to_fresh(doc)
    doc.undo_stack.undo()
    equal_to_fresh(doc)
    doc.push(RemoveNodes(["relu3"]))  # structural: a full pass, a design still being built
    assert doc.analysis.redone is None and not doc.analysis.complete
    equal_to_fresh(doc)
    doc.undo_stack.undo()
    equal_to_fresh(doc)


def test_another_design_gets_its_own_live_analysis(qtbot):
    doc = Document()
    doc.open(find("lenet5"))
    old = doc.graph
    other = Graph("other")
    other.add_node(Node("input", "Input", {"shape": [3, 8, 8]}))
    doc.replace_graph(other)
    old.set_params("conv1", {**old.nodes["conv1"].params, "out_channels": 3})  # not shown any more
    assert list(doc.analysis.nodes) == ["input"]
    assert doc.analysis.nodes["input"].output_shape == (3, 8, 8)
    assert serialize.dumps(doc.graph) == serialize.dumps(other)
