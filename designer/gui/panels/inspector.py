"""Inspector: edits the selected node (NodeForm), or shows the design as a whole when nothing
is selected, or a short summary of a multiple selection.

The form is rebuilt only when the selection (or the selected node's type) changes; analysis
updates refresh it in place, so a spin box being dragged keeps its focus.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from ...analysis import Analysis
from ...analysis.report import human
from ...analysis.trainable import param_split
from ...core.edits import SetMeta
from ...core.freezing import members
from .. import theme
from .node_form import NodeForm
from .transfer_controls import TransferControls


class DesignForm(QWidget):
    """Nothing selected: the design's name, description and totals."""

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        form = QFormLayout()
        self.name_edit = QLineEdit(document.graph.name, self)
        self.name_edit.setToolTip("The design's name (saved in the file); Enter applies it")
        self.name_edit.editingFinished.connect(self._on_name_edit_finished)
        form.addRow("Design", self.name_edit)
        layout.addLayout(form)
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.totals = QLabel(self)
        self.totals.setWordWrap(True)
        hint = QLabel("Select a layer to edit it. Drag layers from the palette onto the canvas, "
                      "or double-click one to add it after the selected layer.", self)
        hint.setWordWrap(True)
        hint.setObjectName("inspector_hint")
        for w in (self.description, self.totals, hint):
            layout.addWidget(w)
        layout.addStretch(1)
        self.refresh(document.analysis)

    def refresh(self, analysis: Analysis) -> None:
        graph = self.document.graph
        if not self.name_edit.hasFocus():
            self.name_edit.setText(graph.name)
        c = theme.colors()
        self.description.setText(f"<span style='color:{c.muted}'>{graph.description}</span>")
        self.description.setVisible(bool(graph.description))
        out = analysis.output_shape
        validity = (f"<span style='color:{c.ok}'>✔ valid</span>" if analysis.valid else
                    f"<span style='color:{c.error}'>✖ {len(analysis.errors)} error(s)</span>")
        self.totals.setText(
            f"<b>Layers</b> {len(graph.nodes)}<br><b>Parameters</b> {analysis.total_params:,}"
            f"{'' if analysis.complete else ' so far'}"
            f"{_frozen_line(self.document.graph, analysis)}"
            f"<br><b>MACs</b> {human(analysis.total_macs)}<br><b>Output</b> "
            f"{'×'.join(map(str, out)) if out else '—'}<br>{validity}")

    def _on_name_edit_finished(self) -> None:
        name = self.name_edit.text().strip()
        graph = self.document.graph
        if name and name != graph.name:
            self.document.push(SetMeta(name, graph.description))


def _frozen_line(graph, analysis: Analysis) -> str:
    """"<br>Trainable … · Frozen …" once some layers are frozen (transfer learning)."""
    split = param_split(graph, analysis)
    if not split.any_frozen:
        return ""
    return f"<br><b>Trainable</b> {split.trainable:,} &nbsp;<b>Frozen</b> {split.frozen:,}"


def selected_group(graph, ids: list[str]) -> str | None:
    """The block (group) whose layers are exactly ``ids`` (what selecting a block selects)."""
    want = set(ids)
    for gid in graph.groups:
        if set(members(graph, gid)) == want:
            return gid
    return None


class SelectionForm(QWidget):
    """Several nodes selected (or a block): how many, which, their parameters together, and
    their trainable switch and learning-rate multiplier."""

    def __init__(self, document, ids: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.ids = ids
        self.group = selected_group(document.graph, ids)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        layout.addWidget(self.text)
        self.transfer = TransferControls(document, ids, self.group, self)
        layout.addWidget(self.transfer)
        layout.addStretch(1)
        self.refresh(document.analysis)

    def refresh(self, analysis: Analysis) -> None:
        params = sum(analysis.nodes[n].params for n in self.ids if n in analysis.nodes)
        macs = sum(analysis.nodes[n].macs for n in self.ids if n in analysis.nodes)
        names = ", ".join(self.ids[:12]) + (" …" if len(self.ids) > 12 else "")
        title = (f"Block {self.group} ({len(self.ids)} layers)" if self.group
                 else f"{len(self.ids)} layers selected")
        self.text.setText(f"<b>{title}</b><br>{names}<br><br>"
                          f"<b>Parameters</b> {params:,}<br><b>MACs</b> {human(macs)}")
        self.transfer.refresh(analysis)


class InspectorPanel(QWidget):
    """The dock content: a scroll area holding the form that fits the selection."""

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.form: QWidget | None = None
        self._key: tuple | None = None
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        document.selection_changed.connect(self._on_document_selection_changed)
        document.analysis_changed.connect(self._on_document_analysis_changed)
        document.graph_replaced.connect(self._rebuild)
        self._rebuild()

    def _selection_key(self) -> tuple:
        ids = [n for n in self.document.selection if n in self.document.graph.nodes]
        if len(ids) == 1:
            return ("node", ids[0], self.document.graph.nodes[ids[0]].type)
        return ("many", tuple(ids)) if ids else ("design", id(self.document.graph))

    def _rebuild(self) -> None:
        self._key = self._selection_key()
        kind = self._key[0]
        if kind == "node":
            form = NodeForm(self.document, self._key[1])
        elif kind == "many":
            form = SelectionForm(self.document, list(self._key[1]))
        else:
            form = DesignForm(self.document)
        old = self.scroll.takeWidget()
        if old is not None:  # later: we may be inside one of its signal handlers (rename)
            old.hide()
            old.deleteLater()
        self.form = form
        self.scroll.setWidget(form)

    def _on_document_selection_changed(self, ids: list) -> None:
        if self._selection_key() != self._key:
            self._rebuild()

    def _on_document_analysis_changed(self, analysis: Analysis) -> None:
        if self._selection_key() != self._key:
            self._rebuild()
        elif self.form is not None:
            self.form.refresh(analysis)
