"""Filters view: the learned kernels of a convolution layer as a grid of small images.

A first layer on colour input shows one RGB tile per filter; any other layer one grey tile
per (filter, input channel), on a blue-white-red scale shared by the page or set per filter,
with a colour bar. Selecting a convolution on the canvas shows its filters. During a run the
view refreshes every few seconds, and the run's snapshots of the first layer's filters can
be replayed with a slider linked to the loss curve.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QSpinBox, QVBoxLayout, QWidget

from .common import ViewerBase, conv_nodes
from ..availability import set_available
from .subject import CHECKPOINT, RUN, plural
from .figure import DIVERGING, INK, Figure, label_axis
from .tiling import MAX_FILTER_COLS, MAX_FILTER_ROWS, MAX_RGB_FILTERS, FilterGrid, filter_grid
from .common import CONV_TYPES

SCALES = ("Shared scale", "Per-filter scale")


def draw_filters(figure: Figure, weight: np.ndarray, title: str, per_filter: bool = False,
                 first_filter: int = 0, first_channel: int = 0) -> FilterGrid:
    """Draw a page of ``weight`` [out, in, kh, kw] into ``figure`` (the view and the CLI)."""
    grid = filter_grid(weight, per_filter, first_filter, first_channel)
    figure.reset()
    out, inp = weight.shape[:2]
    page = _page_text(grid, out, inp)
    order = ", in reading order" if grid.reading_order else ""
    full = f"{title}: {out} filters × {inp} input channel{'s' if inp != 1 else ''}, " \
           f"{'×'.join(str(d) for d in weight.shape[2:])}{page}{order}"
    if grid.rgb:
        plot, _ = figure.image_panel(grid.image, 0, 0, title=full)
        figure.note(f"colour = {grid.label}; mid grey = 0", 1, 0, color=INK)
        return grid
    plot, _ = figure.image_panel(grid.image, 0, 0, title=full, levels=grid.levels, cmap=DIVERGING,
                                 colorbar=grid.label)
    if grid.reading_order:
        return grid
    kh, kw = (weight.shape[2], weight.shape[3]) if weight.ndim == 4 else (1, weight.shape[2])
    every = max(1, len(grid.filters) // 16)
    label_axis(plot, "left", [str(f) for f in grid.filters],
               [r * (kh + 1) + kh / 2 for r in range(len(grid.filters))], "filter", every)
    label_axis(plot, "top", [str(c) for c in grid.channels],
               [c * (kw + 1) + kw / 2 for c in range(len(grid.channels))], "input channel",
               max(1, len(grid.channels) // 16))
    return grid


def _page_text(grid: FilterGrid, out: int, inp: int) -> str:
    parts = []
    if len(grid.filters) < out:
        parts.append(f"filters {grid.filters.start}–{grid.filters.stop - 1}")
    if not grid.rgb and len(grid.channels) < inp:
        parts.append(f"channels {grid.channels.start}–{grid.channels.stop - 1}")
    return f" (showing {', '.join(parts)})" if parts else ""


class SnapshotStrip(QWidget):
    """The loss curve with a movable step marker and a slider over the filter snapshots."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w", enableMenu=False)
        self.plot.setMaximumHeight(110)
        self.plot.setLabel("left", "loss", color=INK)
        self.plot.setLabel("bottom", "step", color=INK)
        self.curve = self.plot.plot(pen=pg.mkPen("#1f5aa8", width=1.5))
        self.marker = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen("#e8a200", width=2))
        self.plot.addItem(self.marker)
        from ..plot_theme import restyle

        restyle(self.plot)  # the theme's background and ink
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Replay the first layer's filters through the run (right end: latest)")
        self.label = QLabel("", self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Replay:", self))
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.plot)
        layout.addLayout(row)

    def set_history(self, steps: np.ndarray, losses: np.ndarray, snapshot_steps: list[int]) -> None:
        at_end = self.slider.value() >= self.slider.maximum()
        self.curve.setData(steps, losses)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(snapshot_steps) - 1, 0))
        if at_end:
            self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)

    @property
    def at_latest(self) -> bool:
        return self.slider.value() >= self.slider.maximum()


class FiltersView(ViewerBase):
    """Dock content: pick a convolution (or select it on the canvas) and see its kernels."""

    export_name = "filters"

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.weight: np.ndarray | None = None
        self.node_id: str | None = None
        self.grid: FilterGrid | None = None
        self._shown_step = -1  # training step of the weights shown (-1: not from a run)
        self.layer = self.add_combo("Layer:", [], "The convolution whose filters are shown")
        self.scale = self.add_combo("", list(SCALES), "Shared: strengths comparable across the "
                                    "page. Per filter: each filter's pattern at full contrast.")
        self.first_filter = self._spin("from filter", MAX_FILTER_ROWS)
        self.first_channel = self._spin("channel", MAX_FILTER_COLS)
        self.add_export_button()
        self.strip = SnapshotStrip(self)
        self.layout().insertWidget(3, self.strip)
        self.strip.hide()
        self.layer.currentTextChanged.connect(self._on_layer_changed)
        self.scale.currentIndexChanged.connect(self._redraw)
        self.first_filter.valueChanged.connect(self._redraw)
        self.first_channel.valueChanged.connect(self._redraw)
        self.strip.slider.valueChanged.connect(self._on_slider_moved)
        self.strip.marker.sigDragged.connect(self._on_marker_dragged)
        self.document.selection_changed.connect(self._on_document_selection_changed)
        self._layers_of: tuple | None = None
        self.document.analysis_changed.connect(self._fill_layers)
        self.document.graph_replaced.connect(self._fill_layers)
        session.history_changed.connect(self._on_history_changed)
        self._fill_layers()

    def _spin(self, label: str, step: int) -> QSpinBox:
        self.toolbar.addWidget(QLabel(label, self))
        spin = QSpinBox(self)
        spin.setSingleStep(step)
        spin.setToolTip("Large layers are shown a page at a time: the first index shown")
        self.toolbar.addWidget(spin)
        return spin

    def clear(self) -> None:
        self.weight, self.node_id, self.grid, self._shown_step = None, None, None, -1
        self.strip.hide()
        self.strip.label.setText("")
        super().clear()

    # ----------------------------------------------------------------- layer choice
    def _fill_layers(self, *_args) -> None:
        analysis = self.document.analysis
        seen = self._layers_of  # the order and live set the list was made from
        if seen is not None and seen[0] is analysis.order and seen[1] is analysis.live:
            return  # a parameter edit: the same convolutions (a re-analysis keeps both)
        self._layers_of = (analysis.order, analysis.live)
        names = conv_nodes(analysis)
        current = self.layer.currentText()
        self.layer.blockSignals(True)
        self.layer.clear()
        self.layer.addItems(names)
        if current in names:
            self.layer.setCurrentText(current)
        self.layer.blockSignals(False)
        if names and current not in names:
            self._on_layer_changed(self.layer.currentText())
        elif not names:
            self.status.setText("This design has no convolution layer.")

    def show_layer(self, node_id: str) -> None:
        """Show ``node_id``'s filters (it must be a convolution of the design)."""
        if self.layer.findText(node_id) < 0:
            self._fill_layers()
        if self.layer.currentText() == node_id:
            self.refresh()
        else:
            self.layer.setCurrentText(node_id)

    def _on_document_selection_changed(self, ids: list) -> None:
        nodes = self.document.graph.nodes
        candidates = [n for n in ids if n in nodes and nodes[n].type in CONV_TYPES]
        if len(candidates) != 1:
            return
        convs = [n for n in candidates if n in set(conv_nodes(self.document.analysis))]
        if len(convs) == 1:
            self.show_layer(convs[0])

    def _on_layer_changed(self, node_id: str) -> None:
        self.first_filter.setValue(0)
        self.first_channel.setValue(0)
        self.strip.slider.blockSignals(True)  # leave the replay without showing a snapshot
        self.strip.slider.setValue(self.strip.slider.maximum())
        self.strip.slider.blockSignals(False)
        self._shown_step = -1
        if node_id:
            self.refresh()

    def refresh(self) -> None:
        node = self.layer.currentText()
        if node and self.strip.at_latest:
            self.ask("filters", node_id=node)

    # ----------------------------------------------------------------- drawing
    def draw(self, result) -> None:
        self.weight, self.node_id = result.data["weight"], result.data["node_id"]
        self._shown_step = result.step
        steps = self.session.history.loss_steps
        if result.step >= 0:
            self._mark(result.step, f"live, step {result.step}")
        elif steps:
            self._mark(steps[-1], "the run's final weights")
        self._redraw()

    def _mark(self, step: float, text: str) -> None:
        """Put the loss-curve marker at ``step`` and say what the filters shown are."""
        self.strip.marker.setValue(step)
        self.strip.label.setText(text)

    def _redraw(self, *_args) -> None:
        if self.weight is None:
            return
        out, inp = self.weight.shape[:2]
        self.first_filter.setMaximum(max(out - 1, 0))
        self.first_channel.setMaximum(max(inp - 1, 0))
        paged_rows = MAX_RGB_FILTERS if inp == 3 else MAX_FILTER_ROWS
        page = "Large layers are shown a page at a time: the first index shown"
        set_available(self.first_filter, out > paged_rows, page, f"all {out} filters fit on one page")
        set_available(self.first_channel, inp != 3 and inp > MAX_FILTER_COLS, page,
                      "all input channels fit on one page" if inp != 3 else "a colour layer shows RGB tiles")
        self.grid = draw_filters(self.figure, self.weight, self.node_id or "", self.scale.currentIndex() == 1,
                                 self.first_filter.value(), self.first_channel.value())
        self.shown.emit(self.node_id or "")

    # ----------------------------------------------------------------- replay
    def _on_history_changed(self) -> None:
        history = self.session.history
        snaps = history.snapshots
        self.strip.setVisible(bool(snaps))
        if not snaps:
            return
        steps, losses = history.loss_curve()
        self.strip.set_history(steps, losses, [s.step for s in snaps])
        newest = snaps[-1]
        # Snapshots that reach the view after the run has ended (queued behind it) do not
        # replace the run's checkpoint, which the view then shows.
        follows = self.session.shows_run and self.session.subject.kind not in (RUN, CHECKPOINT)
        if (self.strip.at_latest and self.layer.currentText() == newest.node_id and follows
                and newest.step > self._shown_step and self.on_screen()):  # hidden: refresh() on show
            self._show_snapshot(len(snaps) - 1)

    def _on_slider_moved(self, index: int) -> None:
        snaps = self.session.history.snapshots
        if 0 <= index < len(snaps):
            self._show_snapshot(index)

    def _show_snapshot(self, index: int) -> None:
        snap = self.session.history.snapshots[index]
        self._mark(snap.step, f"snapshot: step {snap.step} ({plural(snap.epoch, 'epoch')} done)")
        if self.layer.currentText() != snap.node_id:
            self.layer.blockSignals(True)
            self.layer.setCurrentText(snap.node_id)
            self.layer.blockSignals(False)
        self.weight, self.node_id = snap.weights, snap.node_id
        self._shown_step = snap.step
        self.status.setText(f"snapshot at step {snap.step} ({plural(snap.epoch, 'epoch')} done)")
        self._redraw()

    def _on_marker_dragged(self, line) -> None:
        steps = np.array([s.step for s in self.session.history.snapshots])
        if len(steps):
            self.strip.slider.setValue(int(np.abs(steps - line.value()).argmin()))
