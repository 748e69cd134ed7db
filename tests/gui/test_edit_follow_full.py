"""After parameter edits (each followed through the re-analysis of what it reaches: summary
rows, shares, problems rows, canvas items of the redone nodes only) the summary, problems,
status bar and canvas show exactly what panels built afresh from a full analysis show."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from designer.core.edits import Compound, SetGroups, SetParams
from designer.core.graph import Group
from designer.core.serialize import from_dict, to_dict
from designer.gui.canvas.scene import GraphScene
from designer.gui.document import Document
from designer.gui.panels.problems import ProblemsPanel
from designer.gui.panels.status import DesignStatus
from designer.gui.panels.summary_table import SummaryPanel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from gui_scale_designs import dense  # noqa: E402  (the benchmark's generated designs)


class Panels:
    """The panels that follow one document, as the window has them."""

    def __init__(self, qtbot, doc: Document) -> None:
        self.doc = doc
        self.summary, self.problems, self.status = SummaryPanel(doc), ProblemsPanel(doc), DesignStatus(doc)
        for widget in (self.summary, self.problems, self.status):
            qtbot.addWidget(widget)
        self.scene = GraphScene(doc)

    def shown(self) -> dict:
        m, s, sc = self.summary.model, self.status, self.scene
        return {
            "summary": [tuple(m.index(r, c).data() for c in range(m.columnCount())) for r in range(m.rowCount())],
            "totals": (self.summary.totals.text(), self.summary.shares.text(), self.summary.share_bar.shares),
            "problems": [tuple(self.problems.model.index(r, c).data() for c in range(3))
                         for r in range(self.problems.model.rowCount())],
            "status": (s.params.text(), s.params.toolTip(), s.macs.text(), s.size.text(), s.validity.text()),
            "boxes": {k: (item.text, item.toolTip()) for k, item in sc.nodes.items()},
            "groups": {k: (item.text, item.toolTip()) for k, item in sc.group_nodes.items()},
            "frames": {k: (f.title, f.detail, f.status, f.toolTip()) for k, f in sc.frames.items()},
            "edges": {k: (item.label.text, item.toolTip()) for k, item in sc.edge_items.items()},
        }


def _design():
    graph = dense(300, layout=False)
    ids = list(graph.nodes)
    start = next(i for i in range(60, len(ids)) if graph.nodes[ids[i]].type == "Conv2d")
    graph.groups = {  # one expanded block, one collapsed, so frames and group boxes follow too
        "open": Group("open", "open block", ids[10:40], "dense", collapsed=False),
        "shut": Group("shut", "shut block", ids[start + 1:start + 31], "dense", collapsed=True),
    }
    return graph


@pytest.mark.slow
def test_incremental_edits_show_what_a_full_analysis_shows(qtbot):
    doc = Document()
    doc.replace_graph(_design())
    panels = Panels(qtbot, doc)
    rng = random.Random(7)
    convs = [n for n, node in doc.graph.nodes.items() if node.type == "Conv2d"]
    incremental, compared, partial = 0, [], []
    retext = panels.scene._retext_nodes
    panels.scene._retext_nodes = lambda analysis, touched: (partial.append(1), retext(analysis, touched))
    shut = set(doc.graph.groups["shut"].nodes)
    feeding = [e.src for e in doc.graph.edges if e.dst in shut and e.src not in shut
               and doc.graph.nodes[e.src].type == "Conv2d"]  # its shape shows on the shut block
    assert feeding
    for step in range(24):
        nid = feeding[0] if step % 4 == 1 else rng.choice(convs)
        params = dict(doc.graph.nodes[nid].params)
        if step % 6 == 5:
            params["kernel_size"] = 99  # larger than its input: an error, and unknown shapes below
        elif step % 6 == 0:
            params["kernel_size"] = 3  # back to a valid design
        else:
            params["out_channels"] = rng.choice([4, 8, 12, 24, 1000])
        edit = SetParams(nid, params)
        if step in (11, 20):  # with a block collapsed or expanded in the same step: the canvas rebuilds
            groups = {gid: g.copy() for gid, g in doc.graph.groups.items()}
            groups["open"].collapsed = not groups["open"].collapsed
            edit = Compound([edit, SetGroups(groups)])
        assert doc.push(edit)
        doc.refresh_now()
        incremental += doc.analysis.redone is not None
        if step % 8 == 7:
            doc.undo_stack.undo()
            doc.refresh_now()
        if step in (17, 23):  # with an error shown, then valid again
            compared.append(_same_as_afresh(qtbot, panels, doc))
    assert incremental >= 20  # the edits did take the incremental paths
    assert compared[0] == (True, False)  # problems listed, both blocks collapsed
    assert compared[1][1]  # the open block expanded again
    assert len(partial) >= 18  # and the canvas re-texted only the items of what was redone


def _same_as_afresh(qtbot, panels: Panels, doc: Document) -> bool:
    fresh = Document()
    fresh.replace_graph(from_dict(to_dict(doc.graph)))
    assert fresh.analysis.redone is None
    mine, theirs = panels.shown(), Panels(qtbot, fresh).shown()
    for part in mine:
        assert mine[part] == theirs[part], part
    assert mine["groups"]
    return not mine["problems"][0][2].startswith("No problems"), bool(mine["frames"])
