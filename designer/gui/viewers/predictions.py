"""Predictions on the validation set: the confusion matrix, per-class accuracy, and a gallery
of misclassified samples (most confident mistakes first) with their true and predicted
labels. Clicking a sample of the gallery opens it in the activation view.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QPushButton, QWidget

from .common import ViewerBase
from ..plot_theme import keep_colour
from .figure import COUNTS, Figure, INK, add_text, image_item, label_axis
from .tiling import images_hwc, tile

GALLERY_COLS = 12
TEXT_CLASSES = 20  # counts are written in the cells up to this many classes


def draw_predictions(figure: Figure, data: dict) -> pg.PlotItem | None:
    """Draw a predictions result (the view and the CLI); returns the gallery's plot."""
    figure.reset()
    classes = _class_names(data)
    _confusion(figure, data["confusion"], classes, data["accuracy"])
    _per_class(figure, data["per_class"], classes)
    return _gallery(figure, data, classes)


def _class_names(data: dict) -> list[str]:
    names = list(data.get("classes") or ())
    count = len(data["confusion"])
    return names if len(names) == count else [str(i) for i in range(count)]


def _confusion(figure: Figure, confusion: np.ndarray, classes: list[str], accuracy: float) -> None:
    totals = confusion.sum(axis=1, keepdims=True)
    share = confusion / np.maximum(totals, 1)
    title = (f"confusion matrix: {int(confusion.sum())} validation samples, accuracy {accuracy:.1%} "
             f"(colour: share of the true class)")
    plot, item = figure.image_panel(share, 0, 0, title=title, levels=(0.0, 1.0), cmap=COUNTS,
                                    axes=True, colorbar="")
    every = max(1, len(classes) // 25)
    label_axis(plot, "left", classes, [i + 0.5 for i in range(len(classes))], "true class", every)
    label_axis(plot, "bottom", classes, [i + 0.5 for i in range(len(classes))], "predicted class", every)
    if len(classes) <= TEXT_CLASSES:
        for (r, c), count in np.ndenumerate(confusion):
            if count:
                colour = "w" if share[r, c] > 0.6 else INK
                keep_colour(add_text(plot, str(count), c + 0.5, r + 0.5, color=colour, size=7))


def _per_class(figure: Figure, per_class: np.ndarray, classes: list[str]) -> None:
    plot = figure.plot_panel(0, 2, "accuracy per class")
    values = np.nan_to_num(np.asarray(per_class, float))
    plot.addItem(pg.BarGraphItem(x0=0, y=np.arange(len(values)), height=0.7, width=values,
                                 brush="#1f5aa8", pen=pg.mkPen(None)))
    plot.invertY(True)
    plot.setXRange(0, 1, padding=0.02)
    label_axis(plot, "left", classes, every=max(1, len(classes) // 25))
    plot.getAxis("bottom").setLabel("accuracy", color=INK)


def _gallery(figure: Figure, data: dict, classes: list[str]) -> pg.PlotItem | None:
    images = np.asarray(data["gallery"])
    wrong = len(data["wrong"])
    if not len(images):
        figure.note("No misclassified samples.", 1, 0, colspan=3)
        return None
    plot = figure.plot_panel(1, 0, f"misclassified: {wrong} (most confident first; click one to see "
                             f"its activations)", colspan=3, axes=False)
    tiles = images_hwc(images)
    h, w = tiles.shape[1:3]
    gap = _row_gap(h)
    plot.addItem(image_item(tile(tiles, GALLERY_COLS, pad=2, fill=np.nan, row_pad=gap), (0.0, 1.0)))
    for i in range(len(tiles)):
        r, c = divmod(i, GALLERY_COLS)
        true, pred = int(data["wrong_true"][i]), int(data["wrong_pred"][i])
        add_text(plot, f"{_short(classes, true)}→{_short(classes, pred)}", c * (w + 2) + w / 2,
                 r * (h + gap) + h, anchor=(0.5, 0), color=INK, size=7)
    plot.invertY(True)
    plot.setAspectLocked(True)
    rows = -(-len(tiles) // GALLERY_COLS)
    plot.setRange(xRange=(0, min(len(tiles), GALLERY_COLS) * (w + 2)), yRange=(0, rows * (h + gap)),
                  padding=0.02)  # the labels under the last row included
    figure.ci.layout.setRowStretchFactor(0, 3)
    figure.ci.layout.setRowStretchFactor(1, 2)
    return plot


def _row_gap(h: int) -> int:
    """Room under each gallery row for its labels, in image pixels."""
    return max(4, h // 2)


def _short(classes: list[str], index: int) -> str:
    name = classes[index] if 0 <= index < len(classes) else str(index)
    return name if len(name) <= 8 else name[:7] + "…"


def gallery_index(data: dict, x: float, y: float) -> int | None:
    """The validation index of the gallery tile at scene-data coordinates (x, y), if any."""
    images = np.asarray(data["gallery"])
    if not len(images):
        return None
    h, w = images.shape[-2:]
    col, row = int(x // (w + 2)), int(y // (h + _row_gap(h)))
    i = row * GALLERY_COLS + col
    if x < 0 or y < 0 or col >= GALLERY_COLS or i >= len(images):
        return None
    return int(data["wrong"][i])


class PredictionsView(ViewerBase):
    """Dock content: how the network does on each class, and where it goes wrong."""

    export_name = "predictions"
    min_figure_height = 640

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.data: dict | None = None
        self.gallery: pg.PlotItem | None = None
        self.evaluate = QPushButton("Evaluate", self)
        self.evaluate.setToolTip("Predict every validation sample again")
        self.toolbar.addWidget(self.evaluate)
        self.add_export_button()
        self.evaluate.clicked.connect(self.refresh)
        self.figure.scene().sigMouseClicked.connect(self._on_scene_clicked)

    def clear(self) -> None:
        self.data, self.gallery = None, None
        super().clear()

    def refresh(self, *_args) -> None:
        self.ask("predictions")

    def draw(self, result) -> None:
        self.data = result.data
        self.gallery = draw_predictions(self.figure, result.data)
        self.shown.emit(f"{int(result.data['confusion'].sum())}")

    def open_sample(self, index: int) -> None:
        """Open validation sample ``index`` in the activation view."""
        self.session.show_sample.emit(index)

    def _on_scene_clicked(self, event) -> None:
        if self.gallery is None or self.data is None:
            return
        point: QPointF = self.gallery.vb.mapSceneToView(event.scenePos())
        if not self.gallery.vb.sceneBoundingRect().contains(event.scenePos()):
            return
        index = gallery_index(self.data, point.x(), point.y())
        if index is not None:
            self.open_sample(index)
