"""Every view is readable in both themes: each view is rendered in the light and the dark
theme and the text of each of its labels (titles, axis ticks, heat-map labels, explorer
cells, curve axes) is measured against its background on the rendered pixels (WCAG ≥ 4.5)."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication

from contrast import WCAG_AA, qimage_array, text_contrast
from designer import figures
from designer.core import serialize
from designer.gui.theme import ThemeManager
from designer.gui.training_panel.plots import TrainingPlots
from designer.gui.viewers.conv_explorer import ArithmeticPanel, draw_kernel_comparison
from designer.gui.viewers.figure import Figure
from designer.zoo import find

pytestmark = pytest.mark.slow
THEMES = ("light", "dark")
FIGURES = ("filters", "activations", "confusion", "health", "augmentations", "convolution")


@pytest.fixture(scope="module")
def probe_data():
    """LeNet-5's probe results at its initial weights (computed once: torch, a few seconds)."""
    graph = serialize.load(find("lenet5"))
    data = {kind: figures.compute(graph, kind) for kind in ("filters", "confusion", "health", "augmentations")}
    data["activations"] = figures.compute(graph, "activations", layer="conv1")
    return data


@pytest.fixture(params=THEMES)
def theme(request, qapp):
    """Apply a theme to the application for one test, then put the palette back."""
    palette, sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    manager = ThemeManager(qapp, request.param)
    yield request.param
    manager.deleteLater()
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setStyle(style)


def _regions_of_figure(view) -> list[tuple[str, QRect]]:
    """Where the text of a pyqtgraph view is: visible axes with labels, titles and notes,
    text labels (view coordinates)."""
    found = []
    for item in view.scene().items():
        if not item.isVisible():
            continue
        if isinstance(item, pg.AxisItem):
            kind = f"axis {item.orientation}"
        elif isinstance(item, pg.LabelItem) and item.text.strip():
            kind = f"label {item.text[:30]!r}"
        elif isinstance(item, pg.TextItem):
            kind = f"text {item.textItem.toPlainText()[:20]!r}"
        else:
            continue
        # an axis's or label's own layout box (its bounding rect reaches into the plot)
        box = item.sceneBoundingRect() if isinstance(item, pg.TextItem) else item.mapRectToScene(item.rect())
        rect = view.mapFromScene(box).boundingRect()
        rect = rect.intersected(view.rect())
        if rect.width() > 4 and rect.height() > 4:
            found.append((kind, rect))
    return found


def _check(image: np.ndarray, regions, what: str) -> None:
    assert regions, f"{what}: no text found to measure"
    for kind, rect in regions:
        region = image[rect.top():rect.bottom() + 1, rect.left():rect.right() + 1]
        value, background, ink = text_contrast(region)
        assert value >= WCAG_AA, f"{what}, {kind}: ink {ink} on {background} has contrast {value:.2f}"


def _draw(kind: str, figure: Figure, data: dict) -> None:
    if kind == "convolution":
        draw_kernel_comparison(figure, data["activations"], "conv1")
    else:
        figures._draw(kind, figure, data[kind], None)


@pytest.mark.parametrize("kind", FIGURES)
def test_figures_are_readable(theme, kind, probe_data, qtbot):
    figure = Figure()
    qtbot.addWidget(figure)
    figure.resize(1000, 640)
    _draw(kind, figure, probe_data)
    figure.restyle()  # as the viewers do after drawing
    figure.show()
    QApplication.processEvents()
    image = qimage_array(figure.grab().toImage())
    background = tuple(int(v) for v in image[2, 2])
    assert (sum(background) < 200) == (theme == "dark"), f"{kind}: the figure is {background} in {theme}"
    _check(image, _regions_of_figure(figure), f"{kind} in {theme}")


def test_training_curves_are_readable(theme, qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(900, 300)
    plots.show()
    QApplication.processEvents()
    image = qimage_array(plots.canvas.grab().toImage())
    _check(image, _regions_of_figure(plots.canvas), f"training curves in {theme}")


def test_explorer_cells_are_readable(theme, qtbot):
    panel = ArithmeticPanel()
    qtbot.addWidget(panel)
    panel.padding.setValue(1)  # padding cells too
    panel.load_two_halves()
    panel.padding.setValue(1)
    panel.show_step(3)  # a highlighted window and output cell
    panel.show()
    QApplication.processEvents()
    for table in (panel.input_table, panel.kernel_table, panel.output_table):
        image = qimage_array(table.viewport().grab().toImage())
        regions = []
        for r in range(table.rowCount()):
            for c in range(table.columnCount()):
                rect = table.visualItemRect(table.item(r, c)).adjusted(2, 2, -2, -2)
                regions.append((f"cell {r},{c} {table.item(r, c).text()!r}", rect))
        _check(image, regions, f"explorer in {theme}")


def test_switching_the_theme_restyles_plots_already_drawn(qapp, qtbot):
    palette, sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    manager = ThemeManager(qapp, "light")
    try:
        plots = TrainingPlots()
        qtbot.addWidget(plots)
        plots.resize(900, 300)
        plots.show()
        manager.set_mode("dark")
        QApplication.processEvents()
        image = qimage_array(plots.canvas.grab().toImage())
        assert sum(int(v) for v in image[2, 2]) < 200
        _check(image, _regions_of_figure(plots.canvas), "training curves after switching to dark")
    finally:
        manager.deleteLater()
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)
        qapp.setStyle(style)


@pytest.mark.parametrize("dark", [False, True])
def test_message_colours_read_on_the_window_background(dark):
    """Status and message colours (ok, warning, error, muted) against the panels' background."""
    from contrast import ratio

    from designer.gui.theme import DARK_COLORS, LIGHT_COLORS, _DARK, _LIGHT

    colours, palette = (DARK_COLORS, _DARK) if dark else (LIGHT_COLORS, _LIGHT)
    for background in (palette["Window"], palette["Base"]):
        for name in ("ok", "warning", "error"):
            value = getattr(colours, name)
            rgb = [np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)]) for c in (value, background)]
            assert ratio(*rgb) >= WCAG_AA, f"{name} {value} on {background}: {float(ratio(*rgb)):.2f}"


def test_a_figure_redrawn_outside_a_probe_answer_follows_the_theme(qapp, qtbot, probe_data):
    """A view redraws from its own controls too (filters' scale, the sample): the figure
    takes the theme's colours after any drawing."""
    palette, sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    manager = ThemeManager(qapp, "dark")
    try:
        figure = Figure()
        qtbot.addWidget(figure)
        figure.resize(1000, 640)
        _draw("filters", figure, probe_data)  # no explicit restyle
        figure.show()
        qtbot.wait(20)
        image = qimage_array(figure.grab().toImage())
        _check(image, _regions_of_figure(figure), "filters redrawn in dark")
    finally:
        manager.deleteLater()
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)
        qapp.setStyle(style)


DOCKS = ("dock_palette", "dock_inspector", "dock_summary", "dock_problems", "dock_training",
         "dock_training_curves", "dock_filters", "dock_activations", "dock_augmentations", "dock_health",
         "dock_predictions", "dock_convolution")


def test_every_panel_label_is_readable(theme, qtbot, tmp_path, monkeypatch):
    """Every enabled label, button and check box of every dock, as the window shows it."""
    from PySide6.QtWidgets import QAbstractButton, QLabel, QMessageBox

    from designer.gui.main_window import MainWindow
    from designer.gui.recovery import RecoveryStore
    from designer.gui.settings import Settings

    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    window = MainWindow(settings=Settings.at(tmp_path / "settings.ini"),
                        recovery_store=RecoveryStore(tmp_path / "recovery"))
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    window.open_example("lenet5")
    window.focus_node("conv1")
    measured = 0
    try:
        for name in DOCKS:
            window.show_dock(name)
            qtbot.wait(30)
            dock = window.docks[name]
            image = qimage_array(window.grab().toImage())
            regions = []
            for widget in dock.findChildren(QLabel) + dock.findChildren(QAbstractButton):
                text = widget.text().strip() if hasattr(widget, "text") else ""
                if not text or not widget.isVisible() or not widget.isEnabled() or widget.width() < 8:
                    continue
                top_left = widget.mapTo(window, widget.rect().topLeft())
                rect = QRect(top_left, widget.size()).intersected(dock.geometry()).intersected(window.rect())
                if rect.width() > 6 and rect.height() > 6:
                    regions.append((f"{name} {type(widget).__name__} {text[:30]!r}", rect))
            if regions:
                _check(image, regions, f"{name} in {theme}")
            measured += len(regions)
        assert measured > 40, f"only {measured} labels measured"
    finally:
        window.training.shutdown()


@pytest.mark.parametrize("frozen", [False, True], ids=["trainable", "frozen"])
def test_canvas_nodes_are_readable(theme, frozen, qtbot):
    """Node titles on their category colour and the shapes and counts in their bodies (frozen
    boxes, drawn muted, too)."""
    from designer.gui.canvas import GraphView
    from designer.gui.canvas.style import HEADER_H
    from designer.gui.document import Document

    graph = serialize.load(find("lenet5"))
    if frozen:
        graph.training = {**(graph.training or {}), "freeze": list(graph.nodes)}
    view = GraphView(Document(graph))
    qtbot.addWidget(view)
    view.set_dark(theme == "dark")
    view.resize(900, 1400)
    view.show()
    view.reset_zoom()
    QApplication.processEvents()
    assert bool(view.graph_scene.frozen_keys) == frozen
    image = qimage_array(view.viewport().grab().toImage())
    regions = []
    for node_id, box in view.graph_scene.nodes.items():
        left, top, right, bottom = box.scene_rect()
        for part, (y0, y1) in (("title", (top + 2, top + HEADER_H - 2)), ("body", (top + HEADER_H + 2, bottom - 4))):
            rect = view.mapFromScene(pg.QtCore.QRectF(left + 4, y0, right - left - 8, y1 - y0)).boundingRect()
            rect = rect.intersected(view.viewport().rect())
            if rect.height() > 6:
                regions.append((f"{node_id} {part}", rect))
    assert len(regions) >= 20
    _check(image, regions, f"canvas in {theme}")
