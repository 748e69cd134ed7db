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
    first = panel.tree.topLevelItem(0)
    doc.push(SetParams("fc2", dict(doc.graph.nodes["fc2"].params, out_features=90)))
    doc.refresh_now()
    assert panel.tree.topLevelItem(0) is first  # the same "No problems" row: nothing rebuilt
