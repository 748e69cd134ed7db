"""Figure: a white pyqtgraph canvas of image, heat-map and bar panels that exports PNG.

Every viewer draws its picture into a Figure, and ``designer figure`` draws the very same
picture into an offscreen one, so what a report shows is what the window shows. Panels are
placed on the layout grid; images use row-major numpy arrays ([rows, cols(, 3)]).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics

from ..image_io import save_image

INK = "#222222"
MUTED = "#666666"
DIVERGING = "CET-D1"  # blue - white - red: negative, zero, positive weights
GREY = pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)])
COUNTS = pg.ColorMap([0.0, 1.0], [(255, 255, 255), (31, 90, 168)])


def colormap(name: str | pg.ColorMap) -> pg.ColorMap:
    return name if isinstance(name, pg.ColorMap) else pg.colormap.get(name)


class Figure(pg.GraphicsLayoutWidget):
    """A canvas for one viewer's picture; ``reset`` before drawing a new one."""

    def __init__(self, parent=None) -> None:
        from .. import plot_theme  # (imported here: the theme's colours, see restyle)

        super().__init__(parent)
        self.setBackground(plot_theme.colours().background)
        self.setMinimumSize(200, 150)

    def reset(self) -> None:
        """Clear for a new picture; once it is drawn (this event-loop turn), its paper
        colours become the theme's, whichever code path drew it."""
        from PySide6.QtCore import QTimer

        from .. import plot_theme

        self.clear()
        self.setBackground(plot_theme.colours().background)
        QTimer.singleShot(0, self, self.restyle)

    def restyle(self, dark: bool | None = None) -> None:
        """Panels are drawn in the light paper colours; this gives them the theme's
        (viewers call it after drawing; the theme manager after a theme change)."""
        from .. import plot_theme

        plot_theme.restyle(self, dark)

    # ----------------------------------------------------------------- panels
    def plot_panel(self, row: int, col: int, title: str = "", rowspan: int = 1, colspan: int = 1,
                   axes: bool = True) -> pg.PlotItem:
        """An empty plot with dark axes (hidden when ``axes`` is False)."""
        plot = self.addPlot(row=row, col=col, rowspan=rowspan, colspan=colspan, enableMenu=False)
        if title:
            plot.setTitle(title, color=INK, size="10pt")
        for name in ("left", "bottom", "right", "top"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(MUTED))
            axis.setTextPen(pg.mkPen(INK))
        if not axes:
            plot.hideAxis("left")
            plot.hideAxis("bottom")
        return plot

    def image_panel(self, image: np.ndarray, row: int, col: int, *, title: str = "",
                    levels: tuple[float, float] | None = None, cmap=None, axes: bool = False,
                    colorbar: str | None = None, rowspan: int = 1) -> tuple[pg.PlotItem, pg.ImageItem]:
        """A panel showing ``image`` (grey with ``cmap``/``levels``, or RGB [H, W, 3] in 0..1),
        aspect kept, first row at the top; a colour bar labelled ``colorbar`` to its right."""
        plot = self.plot_panel(row, col, title, rowspan=rowspan, axes=axes)
        item = image_item(image, levels, cmap)
        plot.addItem(item)
        plot.invertY(True)
        plot.setAspectLocked(True)
        plot.autoRange(padding=0.02)
        if colorbar is not None and image.ndim == 2:
            self.colour_bar(item, row, col + 1, colorbar, levels, cmap, rowspan)
        return plot, item

    def colour_bar(self, item: pg.ImageItem, row: int, col: int, label: str,
                   levels: tuple[float, float] | None, cmap, rowspan: int = 1) -> pg.ColorBarItem:
        values = levels or _finite_range(item.image)
        bar = pg.ColorBarItem(values=values, colorMap=colormap(cmap or GREY), interactive=False,
                              width=14, rounding=_rounding(values), colorMapMenu=False)
        bar.axis.enableAutoSIPrefix(False)
        bar.setImageItem(item)
        bar.axis.setTextPen(pg.mkPen(INK))
        bar.axis.setPen(pg.mkPen(MUTED))
        bar.axis.setLabel(label, color=INK)
        self.addItem(bar, row=row, col=col, rowspan=rowspan)
        return bar

    def note(self, text: str, row: int, col: int, colspan: int = 1, size: str = "9pt",
             color: str = INK) -> pg.LabelItem:
        """A line (or short HTML) of text in the layout."""
        label = pg.LabelItem(text, color=color, size=size, justify="left")
        self.addItem(label, row=row, col=col, colspan=colspan)
        return label

    # ----------------------------------------------------------------- export
    def export_png(self, path: str | Path, width: int | None = None) -> Path:
        """Write the picture as PNG (at ``width`` pixels, default the widget's width)."""
        from pyqtgraph.exporters import ImageExporter

        path = Path(path)
        exporter = ImageExporter(self.scene())
        exporter.parameters()["width"] = int(width or max(self.width(), 200))
        exporter.parameters()["background"] = QColor("white")
        image = exporter.export(toBytes=True)  # drawn in memory, then written atomically
        return save_image(image, path)


def image_item(image: np.ndarray, levels=None, cmap=None) -> pg.ImageItem:
    """An ImageItem of a row-major array: RGB images as they are, grey ones through ``cmap``."""
    item = pg.ImageItem(axisOrder="row-major")
    set_image(item, image, levels, cmap)
    return item


def set_image(item: pg.ImageItem, image: np.ndarray, levels=None, cmap=None) -> None:
    """Put ``image`` into ``item``; NaN cells (the gaps of a tiling) are transparent, so they
    show the white background."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3:
        alpha = (~np.isnan(image).any(axis=2, keepdims=True)).astype(np.float32)
        rgba = np.concatenate([np.nan_to_num(image, nan=1.0), alpha], 2)
        item.setImage((np.clip(rgba, 0, 1) * 255).astype(np.uint8), levels=(0, 255))
        return
    item.setImage(image, levels=levels or _finite_range(image))
    item.setColorMap(colormap(cmap or GREY))


def _finite_range(image) -> tuple[float, float]:
    values = np.asarray(image, dtype=np.float64)
    values = values[np.isfinite(values)] if values.ndim == 2 else values[..., 0]
    if values.size == 0:
        return (0.0, 1.0)
    lo, hi = float(values.min()), float(values.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def _rounding(values) -> float:
    span = abs(values[1] - values[0]) or 1.0
    return 10 ** (np.floor(np.log10(span)) - 2)


def label_axis(plot: pg.PlotItem, side: str, labels: Sequence[str], positions: Sequence[float] | None = None,
               title: str = "", every: int = 1) -> None:
    """Text ticks at ``positions`` (default 0, 1, ...) on the ``side`` axis."""
    positions = list(range(len(labels))) if positions is None else list(positions)
    axis = plot.getAxis(side)
    ticks = [(p, str(t)) for i, (p, t) in enumerate(zip(positions, labels)) if i % max(every, 1) == 0]
    axis.setTicks([ticks, []])
    if title:
        axis.setLabel(title, color=INK)
    if side in ("left", "right") and ticks:
        # Size the axis for its labels now: it otherwise grows only after a first paint,
        # too late for an offscreen export.
        metrics = QFontMetrics(axis.style.get("tickFont") or QFont())
        axis.setWidth(max(metrics.horizontalAdvance(t) for _, t in ticks) + 12 + (18 if title else 0))
    plot.showAxis(side)


def add_text(plot: pg.PlotItem, text: str, x: float, y: float, anchor=(0.5, 0.5), color: str = INK,
             size: int = 8, bold: bool = False) -> pg.TextItem:
    """A text label at data coordinates (x, y) of ``plot``."""
    item = pg.TextItem(text, color=color, anchor=anchor)
    font = QFont()
    font.setPointSize(size)
    font.setBold(bold)
    item.setFont(font)
    item.setPos(x, y)
    plot.addItem(item)
    return item


def outline(plot: pg.PlotItem, x: float, y: float, w: float, h: float, color: str = "#e8a200",
            width: float = 2.0) -> pg.QtWidgets.QGraphicsRectItem:
    """A rectangle drawn over a panel (a highlighted tile or cell)."""
    rect = pg.QtWidgets.QGraphicsRectItem(x, y, w, h)
    pen = pg.mkPen(color, width=width)
    pen.setCosmetic(True)
    rect.setPen(pen)
    rect.setBrush(Qt.BrushStyle.NoBrush)
    plot.addItem(rect)
    return rect
