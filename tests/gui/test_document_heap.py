"""The Document sets a large design's heap aside from the collector once it is shown
(issue 13: no full collector passes over it during its edits); undoing a delete of everything restores the design and its analysis exactly."""

import gc

from designer.analysis import analyze
from designer.core import serialize
from designer.core.edits import RemoveNodes
from designer.core.graph import Edge, Graph, Node
from designer.core.heap import FREEZE_FROM
from designer.gui.document import Document


def chain(n: int) -> Graph:
    g = Graph("chain")
    g.add_node(Node("in", "Input", {"shape": [4]}))
    prev = "in"
    for i in range(n - 1):
        g.add_node(Node(f"r{i}", "ReLU"))
        g.add_edge(Edge(prev, f"r{i}"))
        prev = f"r{i}"
    return g


def test_a_large_design_is_set_aside_after_its_open(qtbot):
    gc.unfreeze()
    doc = Document()
    try:
        doc.replace_graph(chain(3))
        qtbot.waitUntil(lambda: not doc._freeze_timer.isActive(), timeout=60_000)
        assert gc.get_freeze_count() == 0  # small designs leave the heap as it is
        doc.replace_graph(chain(FREEZE_FROM))
        qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=60_000)
    finally:
        gc.unfreeze()


def test_undoing_a_delete_of_everything_restores_file_and_analysis(qtbot):
    doc = Document()
    doc.replace_graph(chain(50))
    before = serialize.dumps(doc.graph)
    doc.push(RemoveNodes(list(doc.graph.nodes)))
    assert not doc.graph.nodes
    doc.undo_stack.undo()
    assert serialize.dumps(doc.graph) == before
    live, fresh = doc.refresh_now(), analyze(doc.graph)
    assert live.nodes == fresh.nodes and live.total_params == fresh.total_params
    gc.unfreeze()
