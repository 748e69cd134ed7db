"""Transfer learning in the window: the inspector's Trainable switch and learning-rate
multiplier (a layer, a block), the canvas's lock badge, the summary's "Trains" column and
totals, and Run → Replace the Head: each change one undo step, saved in the design."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from designer.core.edits import SetGroups
from designer.core.graph import Group
from designer.gui.panels.summary_table import TRAINS
from designer.gui.transfer_actions import ReplaceHeadDialog, ask_replace_head


def _select(window, *ids):
    window.document.set_selection(list(ids))
    window.document.refresh_now()
    return window.inspector.form.transfer


def _trains(window, node_id):
    model = window.summary.model
    return model.index(model.row_of(node_id), TRAINS).data()


def test_the_trainable_switch_freezes_a_layer_with_a_badge_and_undo(lenet_window, qtbot):
    window, doc = lenet_window, lenet_window.document
    controls = _select(window, "fc1")
    assert controls.switch.isEnabled() and controls.switch.isChecked()
    qtbot.mouseClick(controls.switch, Qt.MouseButton.LeftButton)
    doc.refresh_now()
    assert doc.graph.training["freeze"] == ["fc1"]
    assert doc.undo_stack.undoText() == "Freeze fc1"
    assert "fc1" in window.view.graph_scene.frozen_keys
    assert _trains(window, "fc1") == "frozen" and _trains(window, "fc2") == "yes"
    assert _trains(window, "relu3") == ""
    assert "<b>Frozen</b> 48,120" in window.summary.totals.text()  # fc1: 400·120 + 120
    assert not controls.switch.isChecked() and not controls.multiplier.isEnabled()
    window.view.grab()  # paints the badge
    doc.undo_stack.undo()
    doc.refresh_now()
    assert "freeze" not in doc.graph.training
    assert "fc1" not in window.view.graph_scene.frozen_keys and _trains(window, "fc1") == "yes"
    assert controls.switch.isChecked()
    doc.undo_stack.redo()
    doc.refresh_now()
    assert "fc1" in window.view.graph_scene.frozen_keys


def test_the_learning_rate_multiplier_is_one_undo_step(lenet_window):
    window, doc = lenet_window, lenet_window.document
    controls = _select(window, "conv1")
    controls.multiplier.setValue(0.1)
    controls.multiplier.setValue(0.2)  # the same gesture: merged
    assert doc.graph.training["lr_multipliers"] == {"conv1": 0.2}
    doc.undo_stack.undo()
    assert "lr_multipliers" not in doc.graph.training


def test_a_layer_without_parameters_says_why_it_cannot_be_frozen(lenet_window):
    controls = _select(lenet_window, "relu1")
    assert not controls.switch.isEnabled() and not controls.multiplier.isEnabled()
    assert "ReLU has no parameters" in controls.reason.text()


def test_a_block_freezes_as_one_entry(lenet_window, qtbot):
    window, doc = lenet_window, lenet_window.document
    doc.push(SetGroups({"features": Group("features", "features", ["conv1", "relu1", "pool1", "conv2"],
                                          "block")}))
    controls = _select(window, "conv1", "relu1", "pool1", "conv2")
    assert controls.group == "features"
    qtbot.mouseClick(controls.switch, Qt.MouseButton.LeftButton)
    doc.refresh_now()
    assert doc.graph.training["freeze"] == ["features"]
    assert {"conv1", "conv2"} <= window.view.graph_scene.frozen_keys
    one = _select(window, "conv2")  # unfreezing one layer of the block keeps the others frozen
    qtbot.mouseClick(one.switch, Qt.MouseButton.LeftButton)
    assert doc.graph.training["freeze"] == ["conv1", "relu1", "pool1"]
    mixed = _select(window, "conv1", "relu1", "pool1", "conv2")
    assert mixed.switch.checkState() == Qt.CheckState.PartiallyChecked
    assert "1 of 2 layers with weights are frozen" in mixed.reason.text()


def test_replace_the_head_from_the_run_menu(lenet_window, qtbot):
    window, doc = lenet_window, lenet_window.document
    window.transfer_actions["replace_head"].trigger()
    dialog = window.findChild(ReplaceHeadDialog)
    assert dialog is not None and dialog.isVisible()
    assert not dialog.from_data.isEnabled()  # no dataset checked yet: say so, don't guess
    dialog.spin.setValue(4)
    dialog.accept()
    QApplication.processEvents()
    doc.refresh_now()
    assert doc.graph.nodes["fc3"].params["out_features"] == 4
    assert doc.graph.training["fresh_layers"] == ["fc3"]
    assert doc.analysis.output_shape == (4,)
    doc.undo_stack.undo()
    assert doc.graph.nodes["fc3"].params.get("out_features") == 10
    assert "fresh_layers" not in doc.graph.training


def test_no_head_no_dialog(lenet_window):
    window = lenet_window
    doc = window.document
    doc.graph.remove_edge(doc.graph.in_edges("output")[0])
    assert ask_replace_head(window) is None
    assert "no classifier head" in window.statusBar().currentMessage()


def test_frozen_batchnorm_can_update_its_statistics(lenet_window, qtbot):
    from designer.core.edits import insert_on_edge
    from designer.core.graph import Node

    window, doc = lenet_window, lenet_window.document
    edge = next(e for e in doc.graph.edges if e.src == "conv1")
    doc.push(insert_on_edge(doc.graph, edge, Node("bn1", "BatchNorm2d", {})))
    controls = _select(window, "bn1")
    assert controls.bn_eval.isHidden()  # only about frozen BatchNorm
    qtbot.mouseClick(controls.switch, Qt.MouseButton.LeftButton)
    doc.refresh_now()
    assert not controls.bn_eval.isHidden() and controls.bn_eval.isChecked()
    qtbot.mouseClick(controls.bn_eval, Qt.MouseButton.LeftButton)
    assert doc.graph.training["frozen_batchnorm_eval"] is False
    doc.undo_stack.undo()
    assert doc.graph.training.get("frozen_batchnorm_eval", True) is True
