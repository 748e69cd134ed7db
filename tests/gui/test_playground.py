"""The Playground dock: a preset opens as a new, unsaved design, Play trains it on the worker thread
while the boundary and every hidden unit's map arrive as numpy events and are drawn, a
unit enlarges on click, and the controls change the design as undoable edits."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt


RUN_S = 120_000


@pytest.fixture
def playground(lenet_window):
    lenet_window.resize(1400, 900)
    lenet_window.show()
    yield lenet_window.playground
    lenet_window.document.undo_stack.setClean()


def test_preset_then_play_draws_the_boundary_and_units_live(playground, qtbot):
    doc, session = playground.document, playground.session
    assert playground.load_preset("circle-4-relu")
    doc.refresh_now()
    assert tuple(doc.analysis.input_shape) == (2,)
    assert doc.graph.training["data"]["name"] == "circle"
    assert doc.path is None and not doc.undo_stack.canUndo()  # like an example
    session.update_config(None, epochs=8)
    gui_thread = threading.get_ident()
    seen_threads = []
    playground.session.worker.events.connect(lambda _e: seen_threads.append(threading.get_ident()))
    qtbot.mouseClick(playground.play, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: playground.latest is not None and playground.points is not None,
                    timeout=RUN_S)
    qtbot.waitUntil(lambda: session.state == "idle", timeout=RUN_S)
    assert set(seen_threads) == {gui_thread}  # events are delivered on the GUI thread
    assert playground.latest.output.shape == (48, 48)
    assert playground.view.image.image is not None
    assert len(playground.units.thumbs) == 2 + 4  # the inputs x₁, x₂ and 4 hidden ReLUs
    assert "Epoch" in playground.status.text()
    dialog = playground.enlarge("act1", 2)
    assert dialog.view.image.image is not None and dialog.windowTitle() == "act1, unit 3"
    dialog.close()


def test_controls_are_undoable_edits_of_the_design(playground, qtbot):
    doc = playground.document
    playground.load_preset("spiral-deep")
    doc.refresh_now()
    c = playground.controls
    c.activation_chosen.emit("Tanh")
    assert {doc.graph.node(n).type for n in ("act1", "act2", "act3")} == {"Tanh"}
    c.features.get("sin_x1").setChecked(True)
    doc.refresh_now()
    assert doc.analysis.valid
    features = next(n for n in doc.graph.nodes.values() if n.type == "InputFeatures")
    assert features.params["sin_x1"] is True
    c.lr.setValue(0.05)
    c.l1.setValue(0.001)
    c.l2.setValue(0.01)
    c.batch.setValue(25)
    c.ratio.setValue(70)
    c.dataset.setCurrentIndex(c.dataset.findData("moons"))
    c.noise.setValue(0.25)
    doc.refresh_now()
    config = playground.session.config
    assert (config.lr, config.l1, config.weight_decay, config.batch_size) == (0.05, 0.001, 0.01, 25)
    assert config.data.val_fraction == pytest.approx(0.3)
    assert config.data.name == "moons" and config.data.options["noise"] == 0.25
    for _ in range(7):  # the data controls (ratio, dataset, noise) in a row merge into one step
        doc.undo_stack.undo()
    assert all(n.type != "InputFeatures" for n in doc.graph.nodes.values())
    assert doc.graph.node("act1").type == "ReLU"


def test_a_refused_control_says_why(playground):
    playground.load_preset("linear-xor")
    playground.controls.activation_chosen.emit("Tanh")
    assert "no activation layers" in playground.message.text()


def test_colours_follow_the_playground_scale():
    from designer.gui.playground.colours import ORANGE, BLUE, colorize, unit_colours

    rgba = colorize(np.array([[0.0, 0.5, 1.0]]))
    assert tuple(rgba[0, 0, :3]) == tuple(ORANGE.astype(int))
    assert tuple(rgba[0, 2, :3]) == tuple(BLUE.astype(int))
    assert (unit_colours(np.array([[-2.0, 0.0, 2.0]]))[0, :, :3] == rgba[0, :, :3]).all()
