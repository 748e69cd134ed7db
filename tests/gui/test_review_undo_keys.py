"""A student's review, item 2: Ctrl+Z pressed while the keyboard focus is still in an
Inspector field (after Enter committed it) undoes the design's last change, like Edit → Undo;
typing not yet committed is still undone by the field itself."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from designer.gui.panels.node_form import NodeForm

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def conv_form(lenet_window, qtbot):
    window = lenet_window
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=60_000)
    conv = next(n.id for n in window.document.graph.nodes.values() if n.type == "Conv2d")
    window.document.set_selection([conv])
    window.document.refresh_now()
    form = window.inspector.form
    assert isinstance(form, NodeForm) and form.node_id == conv
    return window, form, conv


def _spin(form):
    return form.editors["out_channels"].spin


def _type(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=60_000)
    widget.selectAll() if hasattr(widget, "selectAll") else None
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_ctrl_z_in_a_committed_field_undoes_the_design(conv_form, qtbot):
    window, form, conv = conv_form
    before = window.document.graph.nodes[conv].params["out_channels"]
    spin = _spin(form)
    _type(qtbot, spin, "13")
    assert window.document.graph.nodes[conv].params["out_channels"] == 13
    assert spin.hasFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Z, CTRL)
    window.document.refresh_now()
    assert window.document.graph.nodes[conv].params["out_channels"] == before
    assert spin.value() == before  # the field shows the undone value
    qtbot.keyClick(spin, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    window.document.refresh_now()
    assert window.document.graph.nodes[conv].params["out_channels"] == 13
    qtbot.keyClick(spin, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(spin, Qt.Key.Key_Y, CTRL)
    assert window.document.graph.nodes[conv].params["out_channels"] == 13


def test_uncommitted_typing_is_undone_by_the_field_itself(conv_form, qtbot):
    window, form, conv = conv_form
    spin = _spin(form)
    _type(qtbot, spin, "13")
    qtbot.keyClicks(spin, "9")  # typed, not yet committed
    count = window.document.undo_stack.count()
    qtbot.keyClick(spin, Qt.Key.Key_Z, CTRL)
    assert window.document.undo_stack.count() == count
    assert window.document.undo_stack.canRedo() is False  # the design was not undone
    assert window.document.graph.nodes[conv].params["out_channels"] == 13


def test_ctrl_z_in_the_design_name_field_undoes_the_rename(conv_form, qtbot):
    window, form, conv = conv_form
    window.document.set_selection([])
    window.document.refresh_now()
    name_edit = window.inspector.form.name_edit
    old = window.document.graph.name
    name_edit.setFocus()
    qtbot.waitUntil(name_edit.hasFocus, timeout=60_000)
    name_edit.selectAll()
    qtbot.keyClicks(name_edit, "My net")
    qtbot.keyClick(name_edit, Qt.Key.Key_Return)
    assert window.document.graph.name == "My net"
    qtbot.keyClick(name_edit, Qt.Key.Key_Z, CTRL)
    window.document.refresh_now()
    assert window.document.graph.name == old
    assert name_edit.text() == old  # the focused field shows the undone name ...
    window.view.setFocus()
    qtbot.waitUntil(lambda: not name_edit.hasFocus(), timeout=60_000)
    assert window.document.graph.name == old  # ... and leaving it does not apply "My net" again


def test_ctrl_z_in_a_training_field_undoes_the_setting(conv_form, qtbot):
    window = conv_form[0]
    window.show_dock("dock_training")
    epochs = window.training.panel.run_form.epochs
    before = window.training.session.config.epochs
    _type(qtbot, epochs, str(before + 3))
    window.document.refresh_now()  # the panel has shown the change (an event-loop turn)
    assert window.training.session.config.epochs == before + 3
    qtbot.keyClick(epochs, Qt.Key.Key_Z, CTRL)
    window.document.refresh_now()
    assert window.training.session.config.epochs == before
    assert epochs.value() == before
