"""Every state is visible and every action answers (issue 9 §4): run controls never both read
"Resume", a refused Train answers by the button in clean sentences, the learning-rate axis
reads, drop hints go after the drop, an insertion on a wire makes room in one undo step,
blocks and zoom are view state, mixed precision only where CUDA is, plural labels, the F1
list names commands (and panning), and every disabled control says why."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QPushButton

from designer.core import serialize
from designer.core.graph import Edge
from designer.gui.actions import shortcut_rows
from designer.gui.availability import set_available, why_not
from designer.gui.training_panel.messages import clause, fit_text, sentence
from designer.gui.training_panel.panel import button_states
from designer.gui.training_panel.plots import TrainingPlots, lr_axis_top
from designer.gui.training_panel.runs import Run
from designer.training.events import RunStarted, StepMetrics

RUN_S = 120_000


@pytest.fixture
def window(lenet_window):
    lenet_window.resize(1400, 900)
    lenet_window.show()
    yield lenet_window
    lenet_window.document.undo_stack.setClean()


# ----------------------------------------------------------------- run controls
@pytest.mark.parametrize("state", ["idle", "starting", "training", "paused", "stopping", "lr_test"])
def test_every_disabled_run_control_says_why(state):
    for name, (enabled, why) in button_states(state).items():
        assert enabled or why, (state, name)


def test_paused_the_train_button_is_off_and_says_why_and_pause_reads_resume(window):
    panel, session = window.training.panel, window.training.session
    session.state_changed.emit("paused")  # as the session says when a run pauses
    assert panel.train_button.text() == "Train" and panel.pause_button.text() == "Resume"
    assert not panel.train_button.isEnabled() and "a run is paused" in why_not(panel.train_button)
    actions = window.training.actions
    assert actions["pause"].text().replace("&", "") == "Resume" and not actions["train"].isEnabled()
    assert "Resume it (F6)" in why_not(actions["train"])
    session.state_changed.emit(session.state)  # idle again


def test_fit_sentences_have_clean_punctuation():
    fit = SimpleNamespace(info=object(), message="conv1 has no input. Connect a layer to it.; "
                          "the output is not connected to the network.", can_adapt=False,
                          adapted_valid=False, adapt_summary="", adapted_issues=())
    text = fit_text(fit)
    assert ".;" not in text and ".." not in text and text.endswith("network.")
    assert clause("a.; b.") == "a; b" and sentence("done..") == "done." and sentence("why?") == "why?"
    adapt = SimpleNamespace(info=object(), message="digits has 10 classes", can_adapt=True,
                            adapted_valid=False, adapt_summary="fc3 to 10 outputs.",
                            adapted_issues=("conv1 gets [2]. It needs an image.",))
    text = fit_text(adapt)
    assert ".." not in text and ".)" not in text and ".;" not in text and text.endswith("image.")


@pytest.mark.slow
def test_a_refused_train_answers_by_the_button(window, qtbot):
    from designer.training.config import DataConfig

    session = window.training.session
    assert session.update_config(None, data=DataConfig("shapes", {"samples": 60}))
    session.activate()
    qtbot.waitUntil(lambda: session.fit is not None and not session.fit.ok, timeout=RUN_S)
    window.training.dock.hide()
    panel = window.training.panel
    with qtbot.waitSignal(session.refused, timeout=5000):
        window.training.actions["train"].trigger()  # F5 with the Training dock hidden
    assert window.training.dock.isVisible() and panel.message.isVisible()
    text = panel.message.text()
    assert text.startswith("Training did not start.") and "6 classes" in text
    assert ".;" not in text and ".." not in text
    below_buttons = panel.train_button.geometry().bottom() <= panel.message.geometry().top()
    assert below_buttons and panel.message.geometry().top() < panel.progress.geometry().top()
    assert "Training did not start" in window.statusBar().currentMessage()


# ----------------------------------------------------------------- plots, labels
def test_a_constant_learning_rate_gets_a_readable_axis(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    run = Run(1, {"nodes": [], "edges": []}, {"epochs": 1})
    run.add(RunStarted("x", "digits", "cpu", 1, 10, 32, 320, 80, (1, 8, 8), tuple("0123456789"), 100))
    for step in range(1, 11):
        run.add(StepMetrics(1, step, step, 10, 2.0, 0.5, 1e-3, 100.0))
    plots.show_runs([run])
    low, high = plots.plots["lr"].viewRange()[1]
    assert low == pytest.approx(0.0) and high == pytest.approx(1.15e-3)
    axis = plots.plots["lr"].getAxis("left")
    labels = [text for spacing, values in axis.tickValues(low, high, 200)
              for text in axis.tickStrings(values, 1.0, spacing)]
    assert any(float(t) == pytest.approx(1e-3) for t in labels if t), labels
    assert lr_axis_top([np.array([np.nan, 0.0])]) == 0.0


def test_the_replay_label_counts_epochs_in_words(qtbot):
    from designer.core.serialize import load
    from designer.gui.document import Document
    from designer.gui.viewers.filters import FiltersView
    from designer.gui.viewers.session import ProbeSession
    from designer.training.events import Snapshot
    from designer.zoo import find

    session = ProbeSession(Document(load(find("lenet5"))))
    view = FiltersView(session)
    qtbot.addWidget(view)
    session.handle_event(Snapshot(1, 40, "conv1", np.zeros((6, 1, 5, 5), np.float32)))
    view._show_snapshot(0)
    assert "(1 epoch done)" in view.strip.label.text() and "(1 epoch done)" in view.status.text()
    session.shutdown()


# ----------------------------------------------------------------- canvas
def test_the_connect_hint_goes_after_the_drop(window, qtbot):
    view = window.view
    scene = view.graph_scene
    far = scene.itemsBoundingRect().bottomRight() + QPointF(300, 300)
    nid = view.add_layer("ReLU", far)  # a layer with a free input
    scene.flush()
    port = scene.box("conv1").out_ports[0]
    scene.begin_connect(port, port.scenePos())
    assert "highlighted in green" in window.statusBar().currentMessage()
    scene.finish_connect(scene.box(nid).in_ports[0].scenePos())
    assert Edge("conv1", nid) in window.document.graph.edges
    assert window.statusBar().currentMessage() == ""
    scene.begin_connect(port, port.scenePos())
    scene.finish_connect(far + QPointF(400, 400))  # released on nothing: cancelled, and said so
    assert "highlighted in green" not in window.statusBar().currentMessage()


def test_a_layer_dropped_on_a_wire_makes_room_in_one_undo_step(window):
    view, doc = window.view, window.document
    scene = view.graph_scene
    scene.flush()
    before = serialize.to_dict(doc.graph)
    count = doc.undo_stack.count()
    edge = next(e for e in scene.edge_items.values() if e.edges == [Edge("conv1", "relu1")])
    x, y = edge.route.label_at
    nid = view._insert_on(edge, "BatchNorm2d", QPointF(x, y))
    assert nid and doc.undo_stack.count() == count + 1
    scene.flush()
    boxes = {n: scene.box(n).sceneBoundingRect() for n in doc.graph.nodes if scene.box(n) is not None}
    for a in boxes:
        for b in boxes:
            if a < b:
                assert not boxes[a].intersects(boxes[b]), (a, b)
    y = {n: doc.graph.nodes[n].position[1] for n in ("conv1", nid, "relu1")}
    assert y["conv1"] < y[nid] < y["relu1"]
    doc.undo_stack.undo()
    assert serialize.to_dict(doc.graph) == before


def test_zoom_is_view_state(window):
    doc = window.document
    count = doc.undo_stack.count()
    window.view.zoom_by(1.5)
    window.commands["zoom_out"].trigger()
    assert doc.undo_stack.count() == count and not doc.modified


# ----------------------------------------------------------------- settings
def test_speed_settings_only_where_the_device_can_run_them(window, qtbot):
    form = window.training.panel.run_form
    session = window.training.session
    assert session.config.precision == "auto" and session.config.compile == "off"
    form.set_devices(("cpu",), {"cpu": "CPU"})
    cuda = form.device.model().item(form.device.findData("cuda"))
    assert not cuda.isEnabled() and "no cuda device" in cuda.toolTip()
    combo = form.speed.compile
    graphs = combo.model().item(combo.findData("reduce-overhead"))
    assert not graphs.isEnabled() and "no CUDA GPU; CUDA graphs need one" in graphs.toolTip()
    assert combo.model().item(combo.findData("on")).isEnabled()
    form.set_devices(("cpu", "cuda"), {"cpu": "CPU", "cuda": "GPU"})
    assert graphs.isEnabled()
    combo.setCurrentIndex(combo.findData("reduce-overhead"))
    assert session.config.compile == "reduce-overhead"  # one edit of the design's settings
    form.device.setCurrentIndex(form.device.findData("cpu"))
    assert not graphs.isEnabled() and "This run would refuse it: the device is cpu" in combo.toolTip()
    assert session.config.compile == "reduce-overhead"  # the setting itself is kept
    form.speed.precision.setCurrentIndex(form.speed.precision.findData("bf16"))
    form.speed.channels_last.setChecked(True)
    assert session.config.precision == "bf16" and session.config.channels_last
    window.document.undo_stack.undo()
    assert not session.config.channels_last
    qtbot.waitUntil(lambda: not form.speed.channels_last.isChecked(), timeout=5000)


# ----------------------------------------------------------------- help and reasons
def test_the_shortcut_list_names_commands_and_documents_panning(window):
    from designer.core.edits import SetParams

    window.document.push(SetParams("fc1", {"out_features": 64}))
    rows = dict(shortcut_rows(window))
    assert "Undo" in rows and not any(name.startswith("Undo ") for name in rows)
    assert "Pan the canvas" in rows and "Space" in rows["Pan the canvas"]


def test_every_disabled_action_and_button_says_why(window):
    window.document.undo_stack.setClean()
    controls = list(window.commands.by_name.values()) + list(window.training.actions.values())
    controls += window.training.panel.findChildren(QPushButton) + window.training.curves.findChildren(QPushButton)
    disabled = [c for c in controls if not c.isEnabled()]
    assert disabled  # undo, redo, revert, pause, stop, the run list's buttons ...
    for control in disabled:
        assert why_not(control), f"{control.objectName() or control.text()} is disabled without a reason"


def test_set_available_round_trip(qtbot):
    button = QPushButton("x")
    qtbot.addWidget(button)
    set_available(button, False, "Do x", "y is missing")
    assert why_not(button) == "y is missing" and button.toolTip().startswith("Do x")
    set_available(button, True, "Do x", "y is missing")
    assert button.toolTip() == "Do x" and why_not(button) == ""
