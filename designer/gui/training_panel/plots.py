"""Training curves: loss, accuracy and learning rate of several runs, against epochs.

Each shown run draws, in its colour, the training metric per reported step (a thin line),
per epoch (dots) and the validation metric per epoch (dashed, diamonds). The plots stay
smooth with 100,000 points and more: the curves read views of the runs' numpy buffers,
draw only what is in view (clipToView) and at most a few points per pixel (peak
downsampling), and repaint at most ~30 times a second however often runs grow, less often
when a repaint is slow (the plots take at most about a quarter of the GUI thread).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..plot_theme import restyle
from .runs import Run

REFRESH_MS = 33  # at most ~30 repaints a second
MAX_REFRESH_MS = 1000
DUTY = 0.25  # plots may use at most about this share of the GUI thread
INK = "#222222"

#: curve key -> (plot, series, x column, y column)
CURVES = {
    "loss_step": ("loss", "steps", "x", "loss"),
    "loss_train": ("loss", "epochs", "epoch", "train_loss"),
    "loss_val": ("loss", "epochs", "epoch", "val_loss"),
    "acc_step": ("accuracy", "steps", "x", "accuracy"),
    "acc_train": ("accuracy", "epochs", "epoch", "train_accuracy"),
    "acc_val": ("accuracy", "epochs", "epoch", "val_accuracy"),
    "lr": ("lr", "steps", "x", "lr"),
}


def lr_axis_top(columns) -> float:
    """The top of the learning-rate axis: 15 % above the largest positive rate (0: none)."""
    top = 0.0
    for values in columns:
        positive = values[np.isfinite(values) & (values > 0)] if len(values) else values
        if len(positive):
            top = max(top, float(positive.max()))
    return top * 1.15


def _style(key: str, color: str) -> dict:
    """Pen and symbols of a curve: steps thin and light, epochs dotted, validation dashed."""
    base = pg.mkColor(color)
    if key.endswith("_step") or key == "lr":
        faint = pg.mkColor(base)
        faint.setAlpha(150 if key == "lr" else 110)
        return {"pen": pg.mkPen(faint, width=1)}
    if key.endswith("_train"):
        return {"pen": pg.mkPen(base, width=2), "symbol": "o", "symbolSize": 6,
                "symbolBrush": base, "symbolPen": None}
    return {"pen": pg.mkPen(base, width=2, style=Qt.PenStyle.DashLine), "symbol": "d",
            "symbolSize": 8, "symbolBrush": pg.mkBrush("w"), "symbolPen": pg.mkPen(base, width=1.5)}


class _Canvas(pg.GraphicsLayoutWidget):
    """The plots' canvas; adds up the time its paints take (``busy_s``)."""

    busy_s = 0.0

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        began = time.perf_counter()
        super().paintEvent(event)
        self.busy_s += time.perf_counter() - began


class TrainingPlots(QWidget):
    """Three linked plots (loss, accuracy, learning rate) overlaying the runs shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = _Canvas(self)
        self.canvas.setBackground("w")
        self.canvas.setMinimumSize(300, 160)
        self.plots = {"loss": self._plot(0, "Loss"), "accuracy": self._plot(1, "Accuracy"),
                      "lr": self._plot(2, "Learning rate")}
        self.plots["accuracy"].setXLink(self.plots["loss"])
        self.plots["lr"].setXLink(self.plots["loss"])
        restyle(self.canvas)  # the theme's background and ink
        key = QLabel("thin line: training, per step · dots: training, per epoch · dashed: "
                     "validation, per epoch · x: epochs", self)
        key.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(key)
        self.runs: dict[int, Run] = {}
        self.items: dict[int, dict[str, pg.PlotDataItem]] = {}
        self._dirty: set[int] = set()
        self._versions: dict[tuple[int, str], int] = {}
        self._x_span = 0
        self._lr_top = 0.0
        self.repaints = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

    def _plot(self, col: int, title: str) -> pg.PlotItem:
        plot = self.canvas.addPlot(row=0, col=col, enableMenu=False)
        plot.setTitle(title, color=INK, size="10pt")
        plot.setLabel("bottom", "epoch")
        for name in ("left", "bottom"):
            plot.getAxis(name).setTextPen(pg.mkPen(INK))
            plot.getAxis(name).enableAutoSIPrefix(False)  # 0.001, not "1 (×0.001)"
        return plot

    # ----------------------------------------------------------------- runs shown
    def show_runs(self, runs: list[Run]) -> None:
        """Overlay exactly these runs (the run list's ticked ones)."""
        wanted = {run.number: run for run in runs}
        for number in list(self.items):
            if number not in wanted:
                for key, item in self.items.pop(number).items():
                    self.plots[CURVES[key][0]].removeItem(item)
                    self._versions.pop((number, key), None)
                self.runs.pop(number, None)
        for number, run in wanted.items():
            if number not in self.items:
                self.runs[number] = run
                self.items[number] = self._add_items(run)
                self._dirty.add(number)
        self.refresh()

    def _add_items(self, run: Run) -> dict[str, pg.PlotDataItem]:
        items = {}
        for key, (plot, series, _, _) in CURVES.items():
            item = pg.PlotDataItem(**_style(key, run.color))
            if series == "steps":
                item.setDownsampling(auto=True, method="peak")
                item.setClipToView(True)
            self.plots[plot].addItem(item)
            items[key] = item
        return items

    # ----------------------------------------------------------------- repaint
    def mark_dirty(self, run: Run) -> None:
        """``run`` grew: redraw it at the next repaint (at most every REFRESH_MS)."""
        if run.number in self.items:
            self._dirty.add(run.number)
            if not self._timer.isActive():
                self._timer.start()

    def refresh(self) -> None:
        """Hand the dirty runs' arrays to their curves now.

        The next repaint waits at least REFRESH_MS, and longer when updating and painting
        take more than DUTY of the time (a slow machine, many runs): the window stays
        responsive and the curves still move several times a second.
        """
        self._timer.stop()
        began = time.perf_counter()
        self._fit_x()
        for number in self._dirty:
            run = self.runs.get(number)
            if run is not None:
                self._update(run)
        if self._dirty:
            self._fit_lr()
        if self._dirty:
            self.repaints += 1
            # this update, and every paint since the last one (paints follow updates)
            cost = time.perf_counter() - began + self.canvas.busy_s
            self.canvas.busy_s = 0.0
            self._timer.setInterval(int(min(MAX_REFRESH_MS, max(REFRESH_MS, 1000 * cost / DUTY))))
        self._dirty.clear()

    def _fit_x(self) -> None:
        """The x axis spans the longest run shown (its planned epochs), set once per change:
        a fixed axis is not laid out again at every repaint."""
        spans = [run.started.epochs if run.started else run.config.get("epochs", 0)
                 for run in self.runs.values()]
        span = max(spans, default=0)
        if span and span != self._x_span:
            self._x_span = span
            self.plots["loss"].setXRange(0, span, padding=0.02)

    def _fit_lr(self) -> None:
        """The learning-rate axis runs from 0 to a little above the largest rate shown: a
        constant rate is a level line at its value, labelled, not a flat line at "0" in an
        auto-range around it."""
        top = lr_axis_top([run.steps.column("lr") for run in self.runs.values()])
        if top != self._lr_top:
            self._lr_top = top
            if top:
                self.plots["lr"].setYRange(0.0, top, padding=0)
            else:
                self.plots["lr"].enableAutoRange(axis="y")

    def _update(self, run: Run) -> None:
        for key, item in self.items[run.number].items():
            _, series, xcol, ycol = CURVES[key]
            table = getattr(run, series)
            if self._versions.get((run.number, key)) == table.version:
                continue  # unchanged (epoch curves between epochs): no bounds, no repaint
            self._versions[(run.number, key)] = table.version
            x, y = table.column(xcol), table.column(ycol)
            if key == "lr":
                keep = y > 0
                x, y = (x, y) if keep.all() else (x[keep], y[keep])
            finite = key in ("loss_step", "lr")  # the loop never reports a NaN loss
            item.setData(x, y, skipFiniteCheck=finite, connect="all" if finite else "finite")

    # ----------------------------------------------------------------- export
    def export_png(self, path: str | Path) -> Path:
        """Save the plots as they look now; OSError when the file cannot be written."""
        self.refresh()
        path = Path(path)
        from ..image_io import save_image

        return save_image(self.canvas.grab(), path)

    def visible_points(self) -> int:
        """Points the curves hold (tests, benchmarks)."""
        return int(sum(len(item.xData) if item.xData is not None else 0
                       for items in self.items.values() for item in items.values()))
