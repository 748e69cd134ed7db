"""The canvas menu's "Freeze up to here", "Freeze block" and "Unfreeze all": one undoable
change each of the design's training settings."""

from __future__ import annotations

from types import SimpleNamespace

from designer.core.builder import DesignBuilder
from designer.core.graph import Group
from designer.gui.canvas.freeze_menu import freeze_entries
from designer.gui.document import Document


def _doc():
    b = DesignBuilder("net")
    x = b.input([4])
    x = b.linear(x, 8, id="fc1")
    x = b.relu(x, id="relu1")
    x = b.linear(x, 2, id="head")
    b.output(x)
    graph = b.build()
    graph.set_groups({"body": Group("body", "body", ["fc1", "relu1"], "block")})
    return Document(graph)


def _run(entries, text):
    dict((t, s) for t, s in entries if t)[text]()


def test_freeze_up_to_here_then_unfreeze_and_undo(qtbot):
    doc = _doc()
    view = SimpleNamespace(document=doc)
    _run(freeze_entries(view, SimpleNamespace(node_id="relu1")), "Freeze up to here")
    assert doc.graph.training["freeze"] == ["input", "fc1", "relu1"]
    _run(freeze_entries(view, SimpleNamespace(node_id="head")), "Unfreeze all")
    assert "freeze" not in doc.graph.training
    doc.undo_stack.undo()
    assert doc.graph.training["freeze"] == ["input", "fc1", "relu1"]


def test_freeze_a_block(qtbot):
    doc = _doc()
    _run(freeze_entries(SimpleNamespace(document=doc), SimpleNamespace(group_id="body")), "Freeze block")
    assert doc.graph.training["freeze"] == ["fc1", "relu1"]
