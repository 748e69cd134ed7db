"""The Training panel's "Starts from" row: which weights the next run starts from, and a warning
when layers are frozen while nothing is loaded into them.

The choice is the design's training setting ``weights`` (TrainingConfig.weights, the file
``designer train --weights`` would load): "Fine-tune from Pretrained Weights…" and the row's
Choose… set it, Clear empties it, each as one undoable edit; every Train uses it until it is
cleared. How many tensors a file gave is known once a run loaded it (the loading needs the
compiled model, on the training thread): the row then quotes the latest run's note.

Frozen layers that start from initial (random) weights are a legitimate experiment but rarely
what was meant, so the row says so before Train, and the run's own note says it again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

from ...analysis.trainable import param_split
from ...core.trainable import RANDOM_FROZEN as RANDOM_FROZEN_NOTE
from ..availability import set_available
from ..theme import level_colour

FILTER = "Weights (*.pt *.pth *.safetensors);;All files (*)"
RANDOM_FROZEN = ("The frozen layers start from random weights: only the unfrozen layers will "
                 "learn, on random features. Load pretrained weights first (Run → Fine-tune "
                 "from Pretrained Weights…, or Choose… here), or unfreeze.")
CLEAR_TIP = "Start from initial (random) weights again"
#: How a run's note begins when it loaded weights (training.transfer / training.session).
LOADED = ("started from the weights in ", "continuing from the weights in ", "resuming from ")


def loaded_note(run) -> str:
    """The note of ``run`` saying which weights it started from ("" before it says)."""
    return next((n for n in run.notes if n.startswith(LOADED)), "")


def start_text(run) -> str:
    """What ``run`` started from, in a line (its tooltip in the run list)."""
    note = loaded_note(run)
    if note:
        return note[0].upper() + note[1:]
    weights = (run.config or {}).get("weights") if isinstance(run.config, dict) else ""
    if weights:
        return f"Starts from the weights in {weights}"
    return "Started from initial (random) weights" if run.notes else ""


def random_frozen_reminder(run) -> str:
    """" Its frozen layers …" when ``run`` trained frozen layers from random weights (its
    verdict keeps saying so once the warning banner gave way to it), else ""."""
    if RANDOM_FROZEN_NOTE not in run.notes:
        return ""
    return (" Its frozen layers kept their random initial weights (no pretrained weights were "
            "loaded).")


def frozen_without_weights(document, config) -> bool:
    """Layers with weights are frozen and the run would start from initial weights."""
    if config.weights or not config.freeze:
        return False
    return param_split(document.graph, document.analysis).any_frozen


class StartWeightsRow(QWidget):
    """"Starts from: initial weights / r18.pt (…) [Choose…] [Clear]" and the frozen warning."""

    changed = Signal(str)  # the chosen file ("" cleared)

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("start_weights")
        self.session = session
        self.value = QLabel(self)
        self.value.setObjectName("start_weights_value")
        self.value.setWordWrap(True)
        self.value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.choose = QPushButton("Choose…", self)
        self.choose.setToolTip("Start every run from a pretrained weights file (state_dict or "
                               "checkpoint): what fits is loaded, a replaced head starts fresh")
        self.clear = QPushButton("Clear", self)
        self.warning = QLabel(RANDOM_FROZEN, self)
        self.warning.setObjectName("frozen_random_warning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.value, 1)
        row.addWidget(self.choose)
        row.addWidget(self.clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.warning)
        self.choose.clicked.connect(self.ask)
        self.clear.clicked.connect(lambda: self.session.set_start_weights(""))
        session.config_changed.connect(lambda _config: self.refresh())
        session.run_changed.connect(lambda _run: self.refresh())
        session.document.graph_replaced.connect(self.refresh)
        session.document.analysis_changed.connect(self._on_analysis_changed)
        self.refresh()

    def ask(self) -> str:
        """Ask for a weights file and make it the choice; the path, or "" when cancelled."""
        path, _ = QFileDialog.getOpenFileName(self, "Pretrained weights", "", FILTER)
        if path:
            self.session.set_start_weights(path)
        return path

    def refresh(self) -> None:
        config = self.session.config
        weights = config.weights
        if weights:
            loaded = self._loaded(weights)
            loaded = loaded or "pretrained weights; what fits is loaded when Train is pressed"
            self.value.setText(f"Starts from: <b>{Path(weights).name}</b> ({loaded})")
            self.value.setToolTip(weights)
        else:
            self.value.setText("Starts from: <b>initial (random) weights</b>")
            self.value.setToolTip("No pretrained weights: Choose… a file to fine-tune from")
        set_available(self.clear, bool(weights), CLEAR_TIP,
                      "no weights file is chosen: runs already start from initial weights")
        warn = frozen_without_weights(self.session.document, config)
        self.warning.setStyleSheet(f"color: {level_colour('warning')};")
        self.warning.setVisible(warn)

    def _on_analysis_changed(self, _analysis) -> None:
        """Layers with weights may have come or gone under the freeze list (nothing to do,
        and nothing computed, unless something is frozen)."""
        config = self.session.config
        if config.freeze or not self.warning.isHidden():
            self.warning.setVisible(frozen_without_weights(self.session.document, config))

    def _loaded(self, weights: str) -> str:
        """"120 tensors loaded, 2 layer(s) left fresh" from the latest run that loaded ``weights``."""
        for run in reversed(self.session.runs):
            note = loaded_note(run)
            if (run.config or {}).get("weights") == weights and note.startswith(LOADED[0] + weights):
                inside = note[len(LOADED[0] + weights):].strip()
                return inside[1:inside.find(")")] if inside.startswith("(") and ")" in inside else ""
        return ""
