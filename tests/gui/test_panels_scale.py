"""Panels follow an edit with work for what changed only: the summary emits dataChanged for
the rows whose cells changed, the problems list is redrawn only when the problems change."""

from designer.core.edits import SetParams
from designer.gui.document import Document
from designer.gui.panels.problems import ProblemsPanel
from designer.gui.panels.summary_table import SummaryPanel
from designer.zoo import find


def _document() -> Document:
    doc = Document()
    doc.open(find("lenet5"))
    return doc


def test_an_edit_updates_only_the_rows_it_changed(qtbot):
    doc = _document()
    panel = SummaryPanel(doc)
    qtbot.addWidget(panel)
    resets, changed = [], []
    panel.model.modelReset.connect(lambda: resets.append(1))
    panel.model.dataChanged.connect(lambda a, b, *_: changed.append((a.row(), b.row())))
    params = dict(doc.graph.nodes["fc2"].params, out_features=90)
    doc.push(SetParams("fc2", params))
    doc.refresh_now()
    rows = {panel.model.rows[i].id for first, last in changed for i in range(first, last + 1)}
    assert not resets
    assert "fc2" in rows and "fc3" in rows  # its own width and the next layer's parameters
    assert "conv1" not in rows and "pool1" not in rows  # upstream rows are left alone
    assert panel.model.index(panel.model.row_of("fc2"), 2).data() == "90"


def test_problems_are_redrawn_only_when_they_change(qtbot):
    doc = _document()
    panel = ProblemsPanel(doc)
    qtbot.addWidget(panel)
    signals = []
    for name in ("modelReset", "rowsInserted", "rowsRemoved", "dataChanged"):
        getattr(panel.model, name).connect(lambda *_a, name=name: signals.append(name))
    doc.push(SetParams("fc2", dict(doc.graph.nodes["fc2"].params, out_features=90)))
    doc.refresh_now()
    assert not signals  # the same "No problems" row: nothing redrawn
    assert panel.model.index(0, 2).data().startswith("No problems")


def test_problem_rows_change_in_place_and_come_and_go(qtbot, qtmodeltester):
    """set_rows keeps the head and tail, changes the middle in place, inserts or removes the
    rest: whatever the lists, the model ends up showing exactly the new rows."""
    from designer.gui.panels.problems import ProblemsModel

    model = ProblemsModel({True: None, False: None})
    qtmodeltester.check(model)

    def row(n, text="m"):
        return (True, f"n{n}", f"{text}{n}", "code", ())

    cases = [
        [row(1), row(2), row(3)],
        [row(1), row(2, "x"), row(3)],  # one changed in place
        [row(1), row(2, "x"), row(4), row(5), row(3)],  # two inserted
        [row(5), row(3)],  # the head removed
        [row(5)],
        [],
        [row(7), row(8)],
    ]
    signals = []
    model.rowsInserted.connect(lambda _p, a, b: signals.append(("+", a, b)))
    model.rowsRemoved.connect(lambda _p, a, b: signals.append(("-", a, b)))
    model.modelReset.connect(lambda: signals.append("reset"))
    for rows in cases:
        signals.clear()
        model.set_rows(rows)
        assert model.rows == rows and model.rowCount() == len(rows)
        assert [model.index(i, 2).data() for i in range(len(rows))] == [r[2] for r in rows]
        assert "reset" not in signals
    model.set_rows([row(7), row(9)])  # the same length: one row changed, nothing inserted
    assert model.index(1, 1).data() == "n9"


def test_summary_columns_fit_their_longest_text(qtbot):
    """Columns are widened from the longest text each has shown (no sampling of rows): no
    number is cut off, whichever row holds it."""
    doc = Document()
    doc.open(find("resnet18"))
    panel = SummaryPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    header = panel.table.horizontalHeader()
    qtbot.waitUntil(lambda: not panel._sized, timeout=60_000)
    for col in range(panel.model.columnCount()):
        assert header.sectionSize(col) >= panel.table.sizeHintForColumn(col), col


def test_layers_that_come_and_go_are_rows_inserted_and_removed(qtbot, qtmodeltester):
    """A structural edit splices the summary: rows before and after the change stay (the
    view keeps its scroll position and selection), no model reset; Qt's model tester agrees."""
    from designer.analysis.report import summary_rows
    from designer.core.edits import insert_on_edge
    from designer.core.graph import Edge, Node

    doc = _document()
    panel = SummaryPanel(doc)
    qtbot.addWidget(panel)
    qtmodeltester.check(panel.model)  # and it keeps checking every change below
    signals = []
    panel.model.modelReset.connect(lambda: signals.append("reset"))
    panel.model.rowsInserted.connect(lambda _p, a, b: signals.append(("+", a, b)))
    panel.model.rowsRemoved.connect(lambda _p, a, b: signals.append(("-", a, b)))
    at = panel.model.row_of("relu1")
    assert doc.push(insert_on_edge(doc.graph, Edge("relu1", "pool1"), Node("drop", "Dropout2d", {})))
    doc.refresh_now()
    assert signals == [("+", at + 1, at + 1)]
    assert panel.model.rows == summary_rows(doc.analysis, doc.graph.groups)
    assert panel.model.row_of("drop") == at + 1 and panel.model.index(at + 1, 0).data() == "drop"
    signals.clear()
    doc.undo_stack.undo()
    doc.refresh_now()
    assert signals == [("-", at + 1, at + 1)]
    assert panel.model.rows == summary_rows(doc.analysis, doc.graph.groups)
    assert [panel.model.index(r, 0).data() for r in range(panel.model.rowCount())] == [
        r.id for r in panel.model.rows]
