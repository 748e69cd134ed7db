"""The Lessons dock: open a lesson, predict, run (short), see the reveal; a lesson's hide
list hides docks and gives them back; Run waits for a prediction."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from designer.lessons import find_lesson, parse_lesson

RUN_S = 120_000


@pytest.fixture
def lessons(lenet_window):
    lenet_window.resize(1400, 900)
    lenet_window.show()
    panel = lenet_window.lessons
    yield panel
    panel.shutdown()


def _answer_and_run(panel, qtbot, choice: int) -> None:
    assert not panel.run_button.isEnabled()  # predict first
    panel.choice_group.button(choice).click()
    assert panel.run_button.isEnabled()
    with qtbot.waitSignal(panel.worker.finished, timeout=RUN_S):
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)


def test_open_answer_run_and_see_the_reveal(lessons, qtbot):
    lessons.open_lesson(find_lesson("convolution-arithmetic"))
    assert "6×6" in lessons.text.toPlainText()
    assert not lessons.verdict.isVisible() and not lessons.explanation.isVisible()
    _answer_and_run(lessons, qtbot, 0)  # a wrong prediction: 6×6
    assert lessons.answers["10-convolution-arithmetic"] == 0
    assert lessons.verdict.isVisible() and "not what the runs show" in lessons.verdict.text()
    assert "Answer:</b> 4×4" in lessons.verdict.text()
    assert "⌊(6 + 2·0 − 3) / 1⌋ + 1 = 4" in lessons.checks.text()
    assert "output size" in lessons.explanation.toPlainText().lower()


@pytest.mark.slow
def test_a_training_lesson_overlays_its_runs(lessons, qtbot):
    lessons.open_lesson(find_lesson("dropout"))
    _answer_and_run(lessons, qtbot, 1)
    assert "right ✓" in lessons.verdict.text()
    assert lessons.table.rowCount() == 2 and lessons.table.isVisible()
    curves = [item for item in lessons.plot.getPlotItem().listDataItems()]
    assert len(curves) == 2 and len(curves[0].xData) == 40
    assert all("✓" in line for line in lessons.checks.text().splitlines())


def test_a_lesson_hides_parts_of_the_window_and_gives_them_back(lessons, lenet_window):
    text = find_lesson("vgg16-fc-share").path
    hiding = parse_lesson(open(text, encoding="utf-8").read().replace(
        'plot = "val_accuracy"', 'plot = "val_accuracy"\nhide = ["dock_palette", "playground:controls"]'),
        "hiding")
    palette = lenet_window.docks["dock_palette"]
    assert palette.isVisible()
    lessons.open_lesson(hiding)
    assert palette.isHidden()
    assert not lenet_window.playground.sections["controls"].isVisibleTo(lenet_window.playground)
    lessons.open_lesson(find_lesson("dropout"))
    assert not palette.isHidden()
    assert lenet_window.playground.sections["controls"].isVisibleTo(lenet_window.playground)


def test_show_in_the_window_opens_the_summary_or_the_explorer(lessons, lenet_window):
    import numpy as np

    from designer.analysis.conv_explorer import LECTURE_IMAGE

    lessons.open_lesson(find_lesson("vgg16-fc-share"))
    assert lessons.show_button.isVisible()
    assert lessons.show_in_window()
    assert lenet_window.document.graph.name == "VGG-16"
    lessons.open_lesson(find_lesson("convolution-arithmetic"))
    assert lessons.show_in_window()
    arithmetic = lenet_window.viewers.view("dock_convolution").arithmetic
    assert np.array_equal(arithmetic.image, LECTURE_IMAGE)
    lessons.open_lesson(find_lesson("dropout"))
    assert not lessons.show_button.isVisible()


def test_schedules_are_previewed_before_the_runs(lessons):
    lessons.open_lesson(find_lesson("lr-decay"))
    curves = lessons.preview.getPlotItem().listDataItems()
    assert lessons.preview.isVisible() and len(curves) == 4
    constant, time_based = curves[0].yData, curves[1].yData
    assert constant[0] == constant[-1] == 0.2 and time_based[-1] < 0.2 / 5
    lessons.open_lesson(find_lesson("dropout"))
    assert not lessons.preview.isVisible()


@pytest.mark.slow
def test_a_loss_bar_lesson_plots_steps_against_the_bar(lessons, qtbot):
    import pyqtgraph as pg

    lessons.open_lesson(find_lesson("optimisers"))
    _answer_and_run(lessons, qtbot, 1)
    item = lessons.plot.getPlotItem()
    curves = item.listDataItems()
    assert len(curves) == 3 and max(curves[0].xData) > 100  # steps, not epochs
    assert any(isinstance(i, pg.InfiniteLine) and i.value() == 0.5 for i in item.items)
