"""The inspector's transfer-learning row: a "Trainable" switch and a learning-rate multiplier
for the selected layer, a selected block (group) or several layers.

Both write the design's training settings (``freeze`` and ``lr_multipliers``, saved in the
file and honoured by training, export and the train script) as one undoable SetTraining edit
each; a spin-box drag merges into one step. Layers without parameters (ReLU, pooling, Input)
have nothing to freeze: the controls are disabled and say so.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QLabel, QWidget

from ...analysis import Analysis
from ...core.trainable import frozen_nodes, multiplier_of, with_multiplier, with_trainable
from ...layers import registry
from .. import theme
from ..training_panel.config_edit import SetTraining

MAX_MULTIPLIER = 1000.0


def has_parameters(document, node_id: str) -> bool:
    """Does the layer hold weights? From the analysis when its shapes are known, else from
    its type (a Linear whose input is not connected yet still has weights to freeze)."""
    node = document.graph.nodes.get(node_id)
    if node is None:
        return False
    info = document.analysis.nodes.get(node_id)
    if info is not None and info.output_shape is not None:
        return info.params > 0
    spec = registry.get(node.type)
    return spec is not None and getattr(spec.count_params, "__name__", "") != "_zero"


class Switch(QCheckBox):
    """A check box whose click goes from "some frozen" (partly checked) to all trainable, and
    never to the partial state itself."""

    def nextCheckState(self) -> None:  # noqa: N802 (Qt name)
        checked = self.checkState() != Qt.CheckState.Checked
        self.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


class TransferControls(QWidget):
    """See the module docstring. ``ids``: the layers; ``group``: a block's id (its layers are
    then ``ids``), recorded as the block in the settings."""

    def __init__(self, document, ids: list[str], group: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document, self.ids, self.group = document, list(ids), group
        self._gesture = 0
        form = QFormLayout(self)
        form.setContentsMargins(0, 4, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.switch = Switch("Trainable", self)
        self.switch.setObjectName("trainable_switch")
        self.switch.clicked.connect(self._on_switch_clicked)
        self.multiplier = QDoubleSpinBox(self)
        self.multiplier.setObjectName("lr_multiplier")
        self.multiplier.setRange(0.0, MAX_MULTIPLIER)
        self.multiplier.setDecimals(3)
        self.multiplier.setSingleStep(0.1)
        self.multiplier.setSuffix(" ×")
        self.multiplier.setKeyboardTracking(False)  # typed values apply on Enter / leaving
        self.multiplier.valueChanged.connect(self._on_multiplier_changed)
        self.multiplier.editingFinished.connect(self._on_multiplier_finished)
        self.bn_eval = QCheckBox("Frozen BatchNorm keeps its statistics", self)
        self.bn_eval.setObjectName("frozen_batchnorm_eval")
        self.bn_eval.setToolTip("On: frozen BatchNorm layers stay in evaluation mode while training "
                                "(their running mean and variance are the pretrained ones). Off: "
                                "they update them from your data. For every frozen BatchNorm of "
                                "the design.")
        self.bn_eval.clicked.connect(self._on_bn_eval_clicked)
        self.reason = QLabel(self)
        self.reason.setWordWrap(True)
        self.reason.setObjectName("transfer_reason")
        form.addRow("Fine-tuning", self.switch)
        form.addRow("LR multiplier", self.multiplier)
        form.addRow(self.bn_eval)
        form.addRow(self.reason)
        self._syncing = False
        self.refresh(document.analysis)

    # ------------------------------------------------------------ state
    def weighted(self) -> list[str]:
        """The layers that hold weights (the only ones the switch and multiplier concern)."""
        return [n for n in self.ids if has_parameters(self.document, n)]

    def refresh(self, analysis: Analysis | None = None) -> None:
        graph = self.document.graph
        weighted = self.weighted()
        frozen = frozen_nodes(graph)
        count = sum(1 for n in weighted if n in frozen)
        state = (Qt.CheckState.Checked if count == 0 else
                 Qt.CheckState.Unchecked if count == len(weighted) else Qt.CheckState.PartiallyChecked)
        factors = {multiplier_of(graph, n) for n in weighted if n not in frozen}
        self._syncing = True
        try:
            self.switch.setTristate(state == Qt.CheckState.PartiallyChecked)
            self.switch.setCheckState(state)
            if not self.multiplier.hasFocus():
                self.multiplier.setValue(min(factors) if factors else 1.0)
        finally:
            self._syncing = False
        nodes = graph.nodes
        frozen_bn = any(n in frozen and nodes[n].type.startswith("BatchNorm") for n in weighted)
        self.bn_eval.setChecked(bool((graph.training or {}).get("frozen_batchnorm_eval", True)))
        self.bn_eval.setVisible(frozen_bn)
        self.switch.setEnabled(bool(weighted))
        self.multiplier.setEnabled(bool(weighted) and count < len(weighted))
        self._explain(weighted, count, factors)

    def _explain(self, weighted: list[str], frozen: int, factors: set[float]) -> None:
        what = "this block" if self.group else ("these layers" if len(self.ids) > 1 else "this layer")
        if not weighted:
            kind = self.document.graph.nodes[self.ids[0]].type if len(self.ids) == 1 and \
                self.ids[0] in self.document.graph.nodes else "it"
            text = (f"{kind} has no parameters: nothing to freeze or to scale" if len(self.ids) == 1
                    else f"{what} hold no parameters: nothing to freeze or to scale")
            self.switch.setToolTip(text)
        elif frozen == len(weighted):
            text = f"Frozen: the weights of {what} stay as they are while training"
        elif frozen:
            text = f"{frozen} of {len(weighted)} layers with weights are frozen"
        else:
            text = ""
        if len(factors) > 1:
            text += ("; " if text else "") + "the learning-rate multipliers differ (the smallest is shown)"
        tip = ("Untick to freeze: training leaves the weights as they are (fine-tuning a "
               "pretrained network). Saved in the design file.")
        if weighted:
            self.switch.setToolTip(tip)
        self.multiplier.setToolTip("The learning rate of this part is the run's rate times this "
                                   "factor (discriminative fine-tuning: e.g. 0.1 for a pretrained "
                                   "backbone, 1 for a new head). Every optimiser honours it.")
        self.reason.setText(f"<span style='color:{theme.colors().muted}'>{text}</span>" if text else "")
        self.reason.setVisible(bool(text))

    # ------------------------------------------------------------ editing
    def _name(self) -> str:
        return self.group or (self.ids[0] if len(self.ids) == 1 else f"{len(self.ids)} layers")

    def _on_switch_clicked(self) -> None:
        trainable = self.switch.checkState() == Qt.CheckState.Checked
        graph = self.document.graph
        ids = [] if self.group else self.weighted()
        settings = with_trainable(graph, graph.training, ids, trainable, self.group)
        if settings != graph.training:
            verb = "Unfreeze" if trainable else "Freeze"
            self.document.push(SetTraining(settings, text=f"{verb} {self._name()}"))
        else:
            self.refresh()

    def _on_bn_eval_clicked(self, checked: bool) -> None:
        settings = {**(self.document.graph.training or {}), "frozen_batchnorm_eval": bool(checked)}
        what = "keeps its statistics" if checked else "updates its statistics"
        self.document.push(SetTraining(settings, text=f"Frozen BatchNorm {what}"))

    def _on_multiplier_changed(self, value: float) -> None:
        if self._syncing:
            return
        graph = self.document.graph
        ids = [] if self.group else self.weighted()
        settings = with_multiplier(graph, graph.training, ids, value, self.group)
        if settings != graph.training:
            key = f"lr_multiplier/{self._name()}/{self._gesture}"
            self.document.push(SetTraining(settings, merge_key=key,
                                           text=f"Learning-rate multiplier of {self._name()}"))

    def _on_multiplier_finished(self) -> None:
        self._gesture += 1
