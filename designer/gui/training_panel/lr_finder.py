"""The learning-rate range test dialog: run it on the worker, plot loss against the learning
rate, show the suggested rate, and "Use it" to set it (one undoable edit).

The test trains a fresh copy of the design for a few steps while the rate rises
exponentially (designer.training.lr_finder); the dialog stays responsive and can cancel it.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from ..availability import set_available
from ..panels.param_editors import SpinBox
from ..plot_theme import restyle

USE_TIP = "Set the learning rate to the suggestion (undoable)"


class LRFinderDialog(QDialog):
    """Non-modal: Run starts the test on the session's worker; Use it sets the learning rate."""

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Learning-rate range test")
        self.session = session
        self.result = None
        self.plot = pg.PlotWidget(self, enableMenu=False)
        self.plot.setBackground("w")
        self.plot.setLogMode(x=True)
        self.plot.setLabel("bottom", "learning rate")
        self.plot.setLabel("left", "loss (smoothed)")
        for name in ("bottom", "left"):
            self.plot.getAxis(name).enableAutoSIPrefix(False)
        self.plot.setMinimumSize(420, 260)
        self.curve = self.plot.plot(pen=pg.mkPen("#1f77b4", width=2))
        self.marker = pg.InfiniteLine(angle=90, pen=pg.mkPen("#d62728", width=1.5))
        self.marker.hide()
        self.plot.addItem(self.marker)
        restyle(self.plot)  # the theme's background and ink
        self.steps = SpinBox(10, 2000, self)
        self.steps.setValue(100)
        self.steps.setSuffix(" steps")
        self.status = QLabel("Trains a fresh copy of the design for a few steps while the learning "
                             "rate rises from 1e-7 to 10, and suggests the rate where the loss "
                             "falls fastest.", self)
        self.status.setWordWrap(True)
        self.run_button = QPushButton("Run", self)
        self.use_button = QPushButton("Use it", self)
        set_available(self.use_button, False, USE_TIP, "run the test first")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        self.run_button.clicked.connect(self._on_run_clicked)
        self.use_button.clicked.connect(self.use_suggestion)
        row = QHBoxLayout()
        row.addWidget(self.steps)
        row.addWidget(self.run_button)
        row.addWidget(self.use_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)
        session.lr_test_finished.connect(self._on_session_lr_test_finished)
        session.lr_test_failed.connect(self._on_session_lr_test_failed)
        session.state_changed.connect(self._on_session_state_changed)
        self._on_session_state_changed(session.state)

    def _on_run_clicked(self) -> None:
        if self.session.state == "lr_test":
            self.session.stop()
            return
        if self.session.run_lr_test(self.steps.value()):
            set_available(self.use_button, False, USE_TIP, "the test is running")
            self.status.setText("Running the range test on the worker…")

    def _on_session_state_changed(self, state: str) -> None:
        self.run_button.setText("Cancel" if state == "lr_test" else "Run")
        set_available(self.run_button, state in ("idle", "lr_test"),
                      "Cancel the test" if state == "lr_test" else "Run the range test on the worker",
                      "a training run is using the worker; the test can run when it ends")
        if state not in ("idle", "lr_test"):
            self.status.setText("A training run is using the worker; the test can run when it ends.")

    def _on_session_lr_test_finished(self, result) -> None:
        self.result = result
        self.curve.setData(np.asarray(result.lrs), np.asarray(result.losses))
        ok = math.isfinite(result.suggested_lr)
        self.marker.setVisible(ok)
        if ok:
            self.marker.setValue(math.log10(result.suggested_lr))
            diverged = "The loss diverged at the end. " if result.stopped_early else ""
            self.status.setText(f"Suggested learning rate: {result.suggested_lr:.2g} (where the loss "
                                f"falls fastest). {diverged}Use it to set it.")
        else:
            self.status.setText("The loss did not fall: no rate to suggest. Try more steps.")
        set_available(self.use_button, ok, USE_TIP, "the loss did not fall: there is no rate to suggest")

    def _on_session_lr_test_failed(self, message: str) -> None:
        self.status.setText(f"The range test could not run: {message}")

    def use_suggestion(self) -> bool:
        """Set the suggested rate as the design's learning rate (undoable)."""
        if self.result is None or not math.isfinite(self.result.suggested_lr):
            return False
        lr = float(f"{self.result.suggested_lr:.2g}")
        self.session.update_config("lr", lr=lr)
        self.status.setText(f"The learning rate is now {lr:g}.")
        return True
