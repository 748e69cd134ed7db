"""Training health, per layer over time: gradient norms (log scale: vanishing blue,
exploding red), weight norms, and the fraction of dead ReLU units, as heat maps with one
row per layer; under them the first-loss check and each warning with a fix to try.

During a run the probes sample health every few seconds; after it (or for a checkpoint
opened later) "Check now" measures it once on a validation batch.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QPushButton, QWidget

from .common import ViewerBase
from .figure import DIVERGING, Figure, INK, image_item, label_axis
from .subject import plural
from .health_rules import HealthHistory, diagnose, log_gradients

GRAD_LEVELS = (-6.0, 4.0)  # log10 ‖gradient‖: white around 0.1, blue below, red above


def draw_health(figure: Figure, history: HealthHistory, loss_check=None) -> list:
    """Draw the heat maps and the warnings (the view and the CLI); returns the warnings."""
    figure.reset()
    steps = history.steps
    panels = (("log10 ‖gradient‖ per layer", log_gradients(history.matrix("grad_norm")), history.layers,
               GRAD_LEVELS, DIVERGING),
              ("weight norm per layer", history.matrix("weight_norm"), history.layers, None, "viridis"),
              ("dead ReLU units (fraction)", history.matrix("dead_fraction"), history.relu_layers,
               (0.0, 1.0), "magma"))
    col = 0
    for title, matrix, layers, levels, cmap in panels:
        if len(layers) and matrix.shape[1]:
            _heat_map(figure, col, title, matrix, layers, steps, levels, cmap)
            col += 2
    if col == 0:
        figure.note("No health samples yet: they appear a few seconds into training, or press "
                    "“Check now”.", 0, 0, color=INK)
    warnings = diagnose(history, loss_check)
    figure.note("<br/>".join(_report_lines(loss_check, warnings)), 1, 0, colspan=max(col, 1))
    return warnings


def _heat_map(figure: Figure, col: int, title: str, matrix: np.ndarray, layers, steps: np.ndarray,
              levels, cmap) -> None:
    """One heat map (rows: layers, columns: samples in time) and its colour bar, side by side
    with the others: a wide, short bottom dock has room for three across."""
    row = 0
    plot = figure.plot_panel(row, col, title)
    item = image_item(matrix, levels, cmap)
    item.setRect(QRectF(0, 0, matrix.shape[1], matrix.shape[0]))
    plot.addItem(item)
    plot.invertY(True)
    label_axis(plot, "left", list(layers), [i + 0.5 for i in range(len(layers))],
               every=max(1, len(layers) // 24))
    ticks = np.unique(np.linspace(0, len(steps) - 1, min(len(steps), 6)).round().astype(int))
    label_axis(plot, "bottom", [str(steps[t]) if steps[t] >= 0 else "now" for t in ticks],
               [t + 0.5 for t in ticks], "step")
    plot.setLimits(xMin=0, xMax=matrix.shape[1], yMin=0, yMax=matrix.shape[0])
    plot.autoRange(padding=0)
    figure.colour_bar(item, row, col + 1, "", levels, cmap)


def _report_colours() -> tuple[str, str]:
    """Good and bad as readable on the panel's background in the theme in use."""
    from .. import theme

    c = theme.colors()
    return c.ok, c.error


def _report_lines(loss_check, warnings) -> list[str]:
    lines = []
    if loss_check is not None:
        ok, warn = _report_colours()
        mark, colour = ("✓", ok) if loss_check.ok else ("✗", warn)
        lines.append(f"<span style='color:{colour}'>{mark}</span> first loss {loss_check.loss:.3f}; "
                     f"ln({loss_check.classes}) = {loss_check.expected:.3f} (a uniform guess)")
    ok, warn = _report_colours()
    if not warnings:
        lines.append(f"<span style='color:{ok}'>No problems seen.</span>")
    for w in warnings:
        lines.append(f"<span style='color:{warn}'>⚠ {w.problem}</span><br/>&nbsp;&nbsp;&nbsp;Fix: {w.fix}")
    return lines


def snapshot_history(data: dict) -> HealthHistory:
    """A one-sample history from a "health" probe result (a checkpoint's health)."""
    from ...training.probes import HealthSample

    history = HealthHistory()
    history.add(HealthSample(-1, -1, tuple(data["layers"]), np.asarray(data["grad_norm"]),
                             np.asarray(data["weight_norm"]), tuple(data["relu_layers"]),
                             np.asarray(data["dead_fraction"])))
    return history


class HealthView(ViewerBase):
    """Dock content: the run's health heat maps, or a checkpoint's, with warnings."""

    export_name = "health"

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.check_button = QPushButton("Check now", self)
        self.check_button.setToolTip("Measure gradients, weights and dead units once, on a "
                                     "validation batch")
        self.toolbar.addWidget(self.check_button)
        self.add_export_button()
        self.snapshot: HealthHistory | None = None
        self.warnings: list = []
        self.check_button.clicked.connect(self._on_check_clicked)
        session.history_changed.connect(self._on_history_changed)

    def _on_session_source_changed(self, text: str) -> None:
        self.snapshot = None
        super()._on_session_source_changed(text)

    def clear(self) -> None:
        self.snapshot, self.warnings = None, []
        super().clear()

    def follows_training(self) -> bool:
        return False  # the run's health samples arrive as events; nothing to ask for

    def refresh(self) -> None:
        if len(self.session.history.health) or self.session.history.loss_check is not None:
            self._draw_history()
        elif not self.session.live and self.snapshot is None:
            self.ask("health")

    def _on_check_clicked(self) -> None:
        if self.session.live:
            self.status.setText("Health is being sampled from the run every few seconds.")
        else:
            self.ask("health")

    def _on_history_changed(self) -> None:
        if self.on_screen():  # a tab behind another is "visible" to Qt: skip the redraw
            self._draw_history()

    def _draw_history(self) -> None:
        history = self.session.history
        self.warnings = draw_health(self.figure, history.health, history.loss_check)
        self.status.setText(f"{plural(len(history.health), 'sample')}; {plural(len(self.warnings), 'warning')}")
        self.shown.emit("history")

    def draw(self, result) -> None:
        self.snapshot = snapshot_history(result.data)
        self.warnings = draw_health(self.figure, self.snapshot, self.session.history.loss_check)
        self.shown.emit("snapshot")
