"""The explorer's "two halves" example, and examples or presets never silently overwrite
what the student typed: Undo puts it back."""

import numpy as np
from PySide6.QtWidgets import QTableWidgetItem

from designer.gui.viewers.conv_explorer import TWO_HALVES, ArithmeticPanel


def test_two_halves_shows_the_edge_in_the_middle(qtbot):
    panel = ArithmeticPanel()
    qtbot.addWidget(panel)
    panel.halves.click()
    assert panel.input_table.matrix().tolist() == [[10, 10, 10, 0, 0, 0]] * 6
    assert panel.preset.currentText() == "vertical edge"
    assert panel.output().tolist() == [[0, 30, 30, 0]] * 4  # the lecture's result
    assert np.array_equal(TWO_HALVES[:, :3], np.full((6, 3), 10))


def test_undo_puts_back_typed_input_after_an_example_or_a_preset(qtbot):
    panel = ArithmeticPanel()
    qtbot.addWidget(panel)
    panel.padding.setValue(1)
    panel.input_table.setItem(2, 2, QTableWidgetItem("42"))  # typed (inside the padding)
    typed = panel.image.copy()
    assert typed[1, 1] == 42
    assert not panel.undo.isEnabled()
    panel.halves.click()
    assert panel.padding.value() == 0 and panel.image[1, 1] == 10
    assert panel.undo.isEnabled()
    panel.undo.click()
    assert np.array_equal(panel.image, typed) and panel.padding.value() == 1
    assert not panel.undo.isEnabled()
    kernel = panel.kernel.copy()
    panel.preset.setCurrentText("laplacian")
    panel.preset.activated.emit(panel.preset.currentIndex())
    assert not np.array_equal(panel.kernel, kernel)
    panel.undo.click()
    assert np.array_equal(panel.kernel, kernel) and np.array_equal(panel.image, typed)
