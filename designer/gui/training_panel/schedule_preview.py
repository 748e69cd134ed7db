"""A small plot of the learning-rate schedule over the run, redrawn as its settings change.

The values come from the same pure arithmetic the loop uses (``schedules.schedule_values``),
so the preview is the schedule the run will follow.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from ...training.schedules import schedule_values
from ..plot_theme import restyle

POINTS_PER_EPOCH = 20  # resolution of the preview (warm-up and steps show as such)


class SchedulePreview(pg.PlotWidget):
    """Learning rate against epochs for a config (``show_config``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, enableMenu=False)
        self.setBackground("w")
        self.setFixedHeight(120)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setLabel("bottom", "epoch")
        self.setLabel("left", "lr")
        self.getAxis("left").enableAutoSIPrefix(False)
        self.curve = self.plot(pen=pg.mkPen("#1f77b4", width=2))
        restyle(self)  # the theme's background and ink

    def show_config(self, config) -> np.ndarray:
        """Draw ``config``'s schedule; returns the values drawn (one per POINTS_PER_EPOCH)."""
        epochs = max(1, min(config.epochs, 1000))
        per = POINTS_PER_EPOCH if epochs <= 200 else 1
        values = np.asarray(schedule_values(config.schedule, config.lr, epochs, per))
        x = np.arange(len(values)) / per
        self.curve.setData(x, values)
        self.setYRange(0, max(float(values.max()), 1e-12) * 1.05, padding=0)
        return values
