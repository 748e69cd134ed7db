"""Status-bar read-outs: total parameters, MACs, model size and validity at a glance."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from ...analysis import Analysis
from ...analysis.report import human, totals_text
from ...analysis.trainable import param_split
from .. import theme


class DesignStatus(QWidget):
    """Permanent widgets of the status bar; ``problems_requested`` when validity is clicked."""

    problems_requested = Signal()

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.params = QLabel(self)
        self.macs = QLabel(self)
        self.size = QLabel(self)
        self.validity = QToolButton(self)
        self.validity.setAutoRaise(True)
        self.validity.setToolTip("Show the Problems panel")
        self.validity.clicked.connect(self.problems_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(14)
        for w in (self.params, self.macs, self.size, self.validity):
            layout.addWidget(w)
        document.analysis_changed.connect(self.show_analysis)
        self.show_analysis(document.analysis)

    def show_analysis(self, analysis: Analysis) -> None:
        so_far = "" if analysis.complete else " so far"
        split = (param_split(self.document.graph, analysis)
                 if (self.document.graph.training or {}).get("freeze") else None)
        if split is not None and split.any_frozen:  # transfer learning: what actually trains
            self.params.setText(f"Params {analysis.total_params:,}{so_far} ({split.trainable:,} trainable)")
            trains = f"{split.trainable:,} trainable · {split.frozen:,} frozen (their weights stay as they are)"
        else:
            self.params.setText(f"Params {analysis.total_params:,}{so_far}")
            trains = f"{analysis.trainable_params:,} trainable"
        self.params.setToolTip(trains + ("" if analysis.complete else (
            f"; {totals_text(analysis)}: the totals count the {analysis.analysed} of "
            f"{len(analysis.nodes)} layers whose shapes are known")))
        self.macs.setText(f"MACs {human(analysis.total_macs)}")
        self.macs.setToolTip(f"{analysis.total_macs:,} multiply-accumulates per sample")
        self.size.setText(f"{analysis.param_bytes / 1e6:.2f} MB")
        self.size.setToolTip("Size of the parameters as float32")
        c = theme.colors()
        errors, warnings = len(analysis.errors), len(analysis.warnings)
        if errors:
            text, color = f"✖ {errors} error{'s' * (errors > 1)}", c.error
        elif warnings:
            text, color = f"⚠ valid, {warnings} warning{'s' * (warnings > 1)}", c.warning
        else:
            text, color = "✔ valid", c.ok
        self.validity.setText(text)
        style = f"color: {color}; font-weight: bold;"
        if self.validity.styleSheet() != style:  # a style sheet re-polishes the widget: ~2 ms
            self.validity.setStyleSheet(style)
