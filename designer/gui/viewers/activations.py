"""Activation maps: what each layer makes of one input, with the prediction for it.

Pick a validation sample (by index, or the n-th of a class) or an image file (converted to
the design's input shape like the training data), and see the feature maps of every layer
(the first few channels of each, one row per layer) or of the selected layer (a page of up
to 64 maps). Each map is stretched on its own: darkest = its smallest value, brightest = its
largest. The class probabilities of the input are drawn beside them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QSpinBox, QWidget

from ..availability import set_available
from .common import ViewerBase, layer_nodes
from .figure import INK, MUTED, Figure, add_text, image_item, label_axis
from .tiling import MAX_MAPS, grid_dims, images_hwc, map_row, stretch, tile, vector_square

ROW_GAP = 0.35  # blank space between layer rows, in row heights
ROW_PIXELS = 44  # screen height of a layer row in the dock (the figure scrolls beyond)
LAYER_MAPS = 16  # maps per layer in the all-layers view


def draw_activations(figure: Figure, data: dict, node_id: str | None = None, first_map: int = 0) -> None:
    """Draw an activations result: all captured layers as rows, or one layer as a grid."""
    figure.reset()
    plot = figure.plot_panel(0, 0, _title(data), axes=False)
    plot.invertY(True)
    plot.setAspectLocked(True)
    if node_id:
        _layer_grid(plot, data, node_id, first_map)
    else:
        _layer_rows(plot, data)
    plot.autoRange(padding=0.02)
    if data.get("probabilities") is not None:
        _probabilities(figure, data)
        figure.ci.layout.setColumnStretchFactor(0, 3)
        figure.ci.layout.setColumnStretchFactor(1, 1)


def _title(data: dict) -> str:
    probs, classes = data.get("probabilities"), tuple(data.get("classes") or ())
    source = f"sample {data['sample']}" if data.get("sample") is not None else "image file"
    if data.get("label") is not None:
        source += f" (true: {_name(classes, data['label'])})"
    if probs is None:
        return source
    best = int(np.argmax(probs))
    return f"{source} → predicted {_name(classes, best)} ({probs[best]:.0%})"


def _name(classes: tuple, index: int) -> str:
    return classes[index] if 0 <= index < len(classes) else str(index)


def _layer_rows(plot: pg.PlotItem, data: dict) -> None:
    """One row per layer: the input first, then each layer's first maps side by side; the
    rows are named on the left axis."""
    rows: list[tuple[np.ndarray, str]] = []
    shown = data.get("input")
    if shown is not None:
        img = images_hwc(np.asarray(shown)[None])[0]
        rows.append((img if img.ndim == 3 else stretch(img[None])[0], "input"))
    for nid, maps in data["maps"].items():
        total = data["channels"].get(nid, len(maps))
        if maps.ndim == 1 or maps[0].size == 1:  # features, or 1×1 maps (global pooling)
            maps = maps.ravel()
            rows.append((vector_square(maps), f"{nid} [{total}]"))
            continue
        kept = min(len(maps), LAYER_MAPS)
        count = f"{kept} of {total}" if kept < total else f"{total}"
        rows.append((map_row(maps[:LAYER_MAPS]), f"{nid} {count}×{maps.shape[-2]}×{maps.shape[-1]}"))
    for i, (image, _) in enumerate(rows):
        _place(plot, image, 0.0, i * (1 + ROW_GAP), 1.0)
    label_axis(plot, "left", [label for _, label in rows], [i * (1 + ROW_GAP) + 0.5 for i in range(len(rows))])


def _place(plot: pg.PlotItem, image: np.ndarray, x: float, y: float, height: float) -> None:
    """Put ``image`` at (x, y), scaled to ``height`` with its aspect kept."""
    item = image_item(image, (0.0, 1.0))
    scale = height / image.shape[0]
    item.setRect(QRectF(x, y, image.shape[1] * scale, height))
    plot.addItem(item)


def _layer_grid(plot: pg.PlotItem, data: dict, node_id: str, first_map: int) -> None:
    """A page of one layer's maps in a near-square grid, channel numbers above each."""
    maps = data["maps"].get(node_id)
    if maps is None:
        add_text(plot, f"{node_id} has no feature maps to show", 0, 0, color=MUTED)
        return
    if maps.ndim == 1 or maps[0].size == 1:
        _place(plot, vector_square(maps.ravel()), 0.0, 0.0, 1.0)
        return
    maps = maps[:MAX_MAPS]
    _rows, cols = grid_dims(len(maps))
    plot.addItem(image_item(tile(stretch(maps), cols, pad=1), (0.0, 1.0)))
    total = data["channels"].get(node_id, len(maps))
    plot.setTitle(f"{_title(data)}<br/>{node_id}: maps {first_map}–{first_map + len(maps) - 1} of "
                  f"{total}, in reading order", color=INK, size="10pt")


def _probabilities(figure: Figure, data: dict) -> None:
    """Horizontal bars of the class probabilities (the 20 largest when there are more)."""
    probs = np.asarray(data["probabilities"], float)
    classes = tuple(data.get("classes") or ())
    order = np.argsort(-probs)[:20]
    plot = figure.plot_panel(0, 1, "class probabilities")
    plot.setMaximumHeight(90 + 24 * len(order))  # compact at the top of a tall figure
    plot.setMinimumHeight(0)
    colours = ["#1f5aa8" if i != data.get("label") else "#2e8b57" for i in order]
    bars = pg.BarGraphItem(x0=0, y=np.arange(len(order)), height=0.7, width=probs[order],
                           brushes=colours, pen=pg.mkPen(None))
    plot.addItem(bars)
    plot.invertY(True)
    plot.setXRange(0, 1, padding=0)
    label_axis(plot, "left", [_name(classes, int(i)) for i in order])
    plot.getAxis("bottom").setLabel("probability", color=INK)


def load_image_file(path: str | Path) -> np.ndarray:
    """An image file as floats [C, H, W] in 0..1 (grey: C = 1, else RGB); ValueError if unreadable."""
    image = QImage(str(path))
    if image.isNull():
        raise ValueError(f"{path} is not an image Qt can read (try PNG or JPEG)")
    grey = image.isGrayscale()
    image = image.convertToFormat(QImage.Format.Format_Grayscale8 if grey else QImage.Format.Format_RGB888)
    h, w, c = image.height(), image.width(), 1 if grey else 3
    raw = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * h)
    pixels = raw.reshape(h, image.bytesPerLine())[:, :w * c].reshape(h, w, c)
    return pixels.transpose(2, 0, 1).astype(np.float32) / 255.0


class ActivationsView(ViewerBase):
    """Dock content: an input, and the feature maps it produces."""

    export_name = "activations"
    SOURCES = ("Validation sample", "Sample of class", "Image file")
    SCOPES = ("All layers", "Selected layer")

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.image: np.ndarray | None = None
        self.image_name = ""
        self.result_data: dict | None = None
        self.source = self.add_combo("Input:", list(self.SOURCES), "Which input to show the network")
        self.sample = QSpinBox(self)
        self.sample.setRange(0, 1_000_000)
        self.sample.setToolTip("Validation sample index (or the n-th sample of the class)")
        self.toolbar.addWidget(self.sample)
        self.klass = QSpinBox(self)
        self.klass.setRange(0, 9999)
        self.klass.setPrefix("class ")
        self.toolbar.addWidget(self.klass)
        self.open_button = QPushButton("Open image…", self)
        self.toolbar.addWidget(self.open_button)
        self.scope = self.add_combo("Show:", list(self.SCOPES), "Every layer's first maps, or a "
                                    "page of the selected layer's maps")
        self.toolbar.addWidget(QLabel("from map", self))
        self.first_map = QSpinBox(self)
        self.first_map.setRange(0, 100_000)
        self.first_map.setSingleStep(MAX_MAPS)
        self.toolbar.addWidget(self.first_map)
        self.add_export_button()
        self._sync_controls()
        self.source.currentIndexChanged.connect(self._on_source_changed)
        for spin in (self.sample, self.klass, self.first_map):
            spin.valueChanged.connect(self.refresh)
        self.scope.currentIndexChanged.connect(self._on_source_changed)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.document.selection_changed.connect(self._on_document_selection_changed)
        session.show_sample.connect(self.show_sample)

    def clear(self) -> None:
        self.result_data = None
        super().clear()

    # ----------------------------------------------------------------- input choice
    def _sync_controls(self) -> None:
        source = self.source.currentIndex()
        self.klass.setVisible(source == 1)
        self.sample.setVisible(source in (0, 1))
        self.open_button.setVisible(source == 2)
        set_available(self.first_map, self.scope.currentIndex() == 1,
                      "The first map shown of the selected layer (a page at a time)",
                      "choose Show: “Selected layer” to page through one layer's maps")

    def _on_source_changed(self, *_args) -> None:
        self._sync_controls()
        self.refresh()

    def show_sample(self, index: int) -> None:
        """Show validation sample ``index`` (e.g. a misclassified one clicked elsewhere)."""
        self.source.blockSignals(True)
        self.source.setCurrentIndex(0)
        self.source.blockSignals(False)
        self._sync_controls()
        if self.sample.value() == index:
            self.refresh()
        else:
            self.sample.setValue(index)

    def show_image(self, image: np.ndarray, name: str = "image") -> None:
        """Show an image [C, H, W] in 0..1 (converted to the design's input on the worker)."""
        self.image, self.image_name = image, name
        self.source.blockSignals(True)
        self.source.setCurrentIndex(2)
        self.source.blockSignals(False)
        self._sync_controls()
        self.refresh()

    def _on_open_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an image", "", "Images (*.png *.jpg *.jpeg *.bmp *.gif)")
        if not path:
            return
        try:
            self.show_image(load_image_file(path), Path(path).name)
        except ValueError as exc:
            self.status.setText(str(exc))

    def _on_document_selection_changed(self, ids: list) -> None:
        if self.scope.currentIndex() == 1 and len(ids) == 1:
            self.first_map.setValue(0)
            self.refresh()

    def selected_layer(self) -> str | None:
        """The selected layer when the view shows one layer (else None: all layers)."""
        if self.scope.currentIndex() != 1:
            return None
        layers = set(layer_nodes(self.document.analysis))
        chosen = [n for n in self.document.selection if n in layers]
        return chosen[0] if chosen else None

    # ----------------------------------------------------------------- requests
    def refresh(self, *_args) -> None:
        params: dict = {}
        source = self.source.currentIndex()
        if source == 2:
            if self.image is None:
                self.status.setText("Open an image file to see what the network makes of it.")
                return
            params["image"] = self.image
        else:
            params["sample"] = self.sample.value()
            if source == 1:
                params["of_class"] = self.klass.value()
        node = self.selected_layer()
        if self.scope.currentIndex() == 1 and node is None:
            self.status.setText("Select a layer on the canvas to see all its maps.")
            return
        if node:
            params.update(node_id=node, max_maps=MAX_MAPS, first_map=self.first_map.value())
        else:
            params.update(max_maps=LAYER_MAPS)
        self.ask("activations", **params)

    def draw(self, result) -> None:
        self.result_data = result.data
        node = self.selected_layer()
        draw_activations(self.figure, result.data, node, self.first_map.value())
        rows = 1 + len(result.data["maps"]) if node is None else grid_dims(min(MAX_MAPS, len(
            result.data["maps"].get(node, ()))))[0] * 2
        # Deep networks get a tall figure that scrolls, rather than maps shrunk to specks.
        self.figure.setMinimumHeight(max(self.min_figure_height, ROW_PIXELS * rows + 80))
        if node:
            total = result.data["channels"].get(node, 0)
            self.first_map.setMaximum(max(total - 1, 0))
        self.shown.emit(node or "all")
