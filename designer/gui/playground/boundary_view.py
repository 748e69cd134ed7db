"""BoundaryView: a map over the input plane with the data points on top (pyqtgraph).

The map is a heat map of the probability of class 1 (or of one unit's output); training
points are drawn with a white outline, test points with a dark one, as in TensorFlow
Playground. ``set_points`` once per run, ``set_map`` on every BoundaryMaps event.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor

from .colours import CLASS_COLOURS, colorize, unit_colours


class BoundaryView(pg.PlotWidget):
    def __init__(self, parent=None, small: bool = False) -> None:
        super().__init__(parent, background="w", enableMenu=False)
        self.setAspectLocked(True)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        plot = self.getPlotItem()
        if small:
            plot.hideAxis("left")
            plot.hideAxis("bottom")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        size = 5 if small else 7
        self.train_points = pg.ScatterPlotItem(size=size, pen=pg.mkPen("w", width=1))
        self.test_points = pg.ScatterPlotItem(size=size, pen=pg.mkPen("#222222", width=1))
        self.addItem(self.train_points)
        self.addItem(self.test_points)
        self.extent = (-1.0, 1.0, -1.0, 1.0)
        self.show_test = True

    def set_points(self, train_x, train_y, test_x, test_y, extent) -> None:
        self.extent = tuple(extent)
        self._scatter(self.train_points, train_x, train_y)
        self._scatter(self.test_points, test_x, test_y)
        self.test_points.setVisible(self.show_test)
        x0, x1, y0, y1 = self.extent
        self.setRange(QRectF(x0, y0, x1 - x0, y1 - y0), padding=0)

    def set_show_test(self, show: bool) -> None:
        self.show_test = show
        self.test_points.setVisible(show)

    @staticmethod
    def _scatter(item: pg.ScatterPlotItem, x: np.ndarray, y: np.ndarray) -> None:
        brushes = [pg.mkBrush(QColor(CLASS_COLOURS[int(label) % 2])) for label in y]
        item.setData(x=x[:, 0], y=x[:, 1], brush=brushes) if len(x) else item.clear()

    def set_map(self, values: np.ndarray, extent=None, unit: bool = False) -> None:
        """Show ``values`` [H, W] (row 0 at the bottom): a probability, or a unit's output."""
        rgba = unit_colours(values) if unit else colorize(values)
        self.image.setImage(rgba, levels=(0, 255))
        x0, x1, y0, y1 = extent or self.extent
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def clear_map(self) -> None:
        self.image.clear()
        self.train_points.clear()
        self.test_points.clear()
