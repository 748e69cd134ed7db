"""The inspector's form for one node: its id, typed parameter editors, the values inferred
from the input, and what the analysis derived (output shape with its arithmetic, receptive
field, parameters, MACs, issues).

A value that the layer refuses (a ParamError) is shown in red next to its field and never
applied; every accepted change is one SetParams edit (a spin-box drag merges into one step).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...analysis import Analysis
from ...analysis.report import human
from ...core.edits import RenameNode, SetParams, check_node_id
from ...core.graph import Graph, GraphError
from ...layers import registry
from ...layers.registry import CATEGORIES
from ...layers.spec import LayerSpec, ParamError
from .. import theme
from .param_editors import ParamEditor, make_editor
from .transfer_controls import TransferControls


def validate_params(graph: Graph, node_id: str, params: dict[str, Any]) -> str | None:
    """Why ``params`` cannot be applied to the node (a ParamError), or None if they can.

    The spec checks each value: that is all a bad-param issue of the analysis is, so no trial
    analysis of a copy of the design is needed (it cost a full pass per keystroke on large
    designs). Shape errors are not refusals: they are mistakes the canvas shows.
    """
    spec = registry.get(graph.node(node_id).type)
    if spec is None:
        return None
    try:
        spec.resolve(params)
    except ParamError as exc:
        return str(exc)
    return None


def with_value(spec: LayerSpec, params: dict[str, Any], name: str, raw: Any) -> dict[str, Any]:
    """``params`` with ``name`` set to ``raw``; a value equal to the default is left out."""
    new = dict(params)
    param = spec.param(name)
    try:
        is_default = param.coerce(raw) == param.coerce(param.default)
    except ParamError:
        is_default = False
    if is_default:
        new.pop(name, None)
    else:
        new[name] = raw
    return new


def shown_value(spec: LayerSpec, params: dict[str, Any], name: str) -> Any:
    """The resolved value to show for ``name`` (the default if the stored one is invalid)."""
    param = spec.param(name)
    try:
        return param.coerce(params.get(name, param.default))
    except ParamError:
        return param.coerce(param.default)


def _pair(v) -> str:
    return str(v[0]) if v[0] == v[1] else f"{v[0]}×{v[1]}"


def _label(text: str = "", parent: QWidget | None = None, wrap: bool = True) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class NodeForm(QWidget):
    """Editors and read-outs of one node; ``refresh(analysis)`` keeps them current."""

    def __init__(self, document, node_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.node_id = node_id
        node = document.graph.node(node_id)
        self.node_type = node.type
        self.spec = registry.get(node.type)
        self.editors: dict[str, ParamEditor] = {}
        self.errors: dict[str, QLabel] = {}
        self._gesture = 0
        self._seen_params = dict(node.params)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        self._build_header(layout)
        self._build_params(layout)
        self.transfer = TransferControls(document, [node_id], parent=self)  # trainable, LR ×
        layout.addWidget(self.transfer)
        self._build_readouts(layout)
        layout.addStretch(1)
        self.refresh(document.analysis)

    # ------------------------------------------------------------ building
    def _build_header(self, layout: QVBoxLayout) -> None:
        color = CATEGORIES.get(self.spec.category, "#888") if self.spec else "#888"
        title = _label(f"<span style='color:{color}'>■</span> <b>{self.node_type}</b>", self)
        title.setObjectName("inspector_title")
        layout.addWidget(title)
        if self.spec is not None:
            doc = _label(self.spec.doc, self)
            doc.setObjectName("inspector_doc")
            layout.addWidget(doc)
        form = QFormLayout()
        self.id_edit = QLineEdit(self.node_id, self)
        self.id_edit.setToolTip("The node's id (unique in the design); Enter renames it")
        self.id_edit.editingFinished.connect(self._on_id_edit_finished)
        form.addRow("id", self.id_edit)
        layout.addLayout(form)
        self.id_error = self._error_label()
        layout.addWidget(self.id_error)

    def _build_params(self, layout: QVBoxLayout) -> None:
        if self.spec is None:
            layout.addWidget(_label(f"{self.node_type} is not a known layer type: replace it "
                                    f"with a layer from the palette.", self))
            return
        if not self.spec.params:
            return
        self.params_form = QFormLayout()
        self.params_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.params_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # narrow docks
        for param in self.spec.params:
            editor = make_editor(param, self)
            editor.setToolTip(param.doc)
            editor.edited.connect(lambda raw, name=param.name: self._on_editor_edited(name, raw))
            editor.committed.connect(self._on_editor_committed)
            name = QLabel(param.name, self)
            name.setToolTip(param.doc)
            self.params_form.addRow(name, editor)
            error = self._error_label()
            self.params_form.addRow(error)
            self.editors[param.name], self.errors[param.name] = editor, error
        layout.addLayout(self.params_form)

    def _build_readouts(self, layout: QVBoxLayout) -> None:
        self.inferred = _label("", self)
        self.output = _label("", self)
        self.explain = _label("", self)
        self.explain.setObjectName("inspector_explain")
        self.stats = _label("", self)
        self.issues = _label("", self)
        for w in (self.inferred, self.output, self.explain, self.stats, self.issues):
            layout.addWidget(w)

    def _error_label(self) -> QLabel:
        label = _label("", self)
        label.setObjectName("field_error")
        label.hide()
        return label

    # ------------------------------------------------------------ refreshing
    def refresh(self, analysis: Analysis) -> None:
        node = self.document.graph.nodes.get(self.node_id)
        if node is None:
            return
        info = analysis.nodes.get(self.node_id)
        if node.params != self._seen_params:  # changed elsewhere (undo): refusals are stale
            self._seen_params = dict(node.params)
            for label in self.errors.values():
                self._show_error(label, None)
        if self.spec is not None:
            for name, editor in self.editors.items():
                if self.errors[name].isHidden():
                    editor.set_value(shown_value(self.spec, node.params, name))
        self._show_readouts(info)
        self.transfer.refresh(analysis)

    def _show_readouts(self, info) -> None:
        c = theme.colors()
        muted = f"color:{c.muted}"
        inferred = info.inferred if info else {}
        self.inferred.setText("<br>".join(
            f"<span style='{muted}'>{k} = {v}, inferred</span>" for k, v in inferred.items()))
        self.inferred.setVisible(bool(inferred))
        shape = info.output_shape if info else None
        text = "×".join(map(str, shape)) if shape else ("error" if info and info.status == "error" else "unknown")
        self.output.setText(f"<b>Output</b> {text}")
        self.output.setVisible(self.spec is None or self.spec.has_output)
        lines = info.explain if info else []
        self.explain.setText("<br>".join(f"<span style='font-family:monospace'>{ln}</span>" for ln in lines))
        self.explain.setVisible(bool(lines))
        stats = self._stats_text(info)
        self.stats.setText(stats)
        self.stats.setVisible(bool(stats))
        self.issues.setText("<br>".join(
            f"<span style='color:{c.error if i.is_error else c.warning}'>"
            f"{'✖' if i.is_error else '⚠'} {i.message}</span>" for i in (info.issues if info else [])))
        self.issues.setVisible(bool(info and info.issues))

    @staticmethod
    def _stats_text(info) -> str:
        if info is None or info.output_shape is None:
            return ""
        parts = [f"<b>Parameters</b> {info.params:,}", f"<b>MACs</b> {human(info.macs) if info.macs else 0}"]
        if info.receptive_field:
            jump = f" (step {_pair(info.jump)})" if info.jump else ""
            parts.append(f"<b>Receptive field</b> {_pair(info.receptive_field)} px{jump}")
        return "<br>".join(parts)

    # ------------------------------------------------------------ editing
    def _on_editor_edited(self, name: str, raw: Any) -> None:
        graph = self.document.graph
        node = graph.nodes.get(self.node_id)
        if node is None or self.spec is None:
            return
        params = with_value(self.spec, node.params, name, raw)
        reason = None if params == node.params else validate_params(graph, self.node_id, params)
        self._show_error(self.errors[name], reason)
        if reason is None and params != node.params:
            key = f"{self.node_id}/{name}/{self._gesture}"
            self.document.push(SetParams(self.node_id, params, merge_key=key))
            self._seen_params = dict(node.params)  # our own change: other refusals still hold

    def _on_editor_committed(self) -> None:
        self._gesture += 1

    def _on_id_edit_finished(self) -> None:
        new_id = self.id_edit.text()
        if new_id == self.node_id:
            self._show_error(self.id_error, None)
            return
        try:
            check_node_id(self.document.graph, new_id)
        except GraphError as exc:
            self._show_error(self.id_error, str(exc))
            return
        self._show_error(self.id_error, None)
        if self.document.push(RenameNode(self.node_id, new_id)):
            self.document.set_selection([new_id])

    def _show_error(self, label: QLabel, reason: str | None) -> None:
        if reason is None:
            label.hide()
            label.clear()
            return
        label.setText(f"<span style='color:{theme.colors().error}'>✖ {reason}</span>")
        label.show()

    def error_text(self, name: str) -> str:
        """The refusal shown next to parameter ``name`` ("" when none): for tests and tools."""
        label = self.errors.get(name, self.id_error if name == "id" else None)
        return label.text() if label is not None and not label.isHidden() else ""
