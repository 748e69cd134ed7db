"""The window says plainly what a transfer-learning run starts from: frozen layers without
pretrained weights are warned about, the Replace the Head dialog tells the truth about the
weights, "Fine-tune from Pretrained Weights…" only chooses the file (kept in the design, shown
and cleared in the Training panel), and frozen layers read as frozen on the canvas, in the
status bar and in the summary."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel

from designer.core.serialize import to_dict
from designer.gui.panels.summary_table import TRAINS
from designer.gui.training_panel.start_weights import RANDOM_FROZEN, start_text
from designer.gui.transfer_actions import ReplaceHeadDialog, ask_replace_head
from designer.training import transfer
from designer.training.events import Note


@pytest.fixture
def weights_file(tmp_path):
    file = tmp_path / "pre.pt"
    torch.save({"conv1.weight": torch.zeros(6, 1, 5, 5)}, file)
    return file


def _freeze(window, *ids):
    assert window.training.session.update_config(None, freeze=ids)
    window.document.refresh_now()


def test_frozen_layers_without_pretrained_weights_are_warned_about(lenet_window, weights_file):
    window, session = lenet_window, lenet_window.training.session
    row = window.training.panel.start_weights
    assert row.warning.isHidden()  # nothing frozen
    _freeze(window, "relu1")
    assert row.warning.isHidden()  # frozen, but a ReLU has no weights to keep
    _freeze(window, "conv1", "conv2")
    assert not row.warning.isHidden() and row.warning.text() == RANDOM_FROZEN
    assert "initial (random) weights" in row.value.text() and not row.clear.isEnabled()
    assert session.set_start_weights(weights_file)
    window.document.refresh_now()
    assert row.warning.isHidden() and "pre.pt" in row.value.text() and row.clear.isEnabled()
    window.document.undo_stack.undo()  # the choice is an ordinary, undoable setting
    window.document.refresh_now()
    assert session.config.weights == "" and not row.warning.isHidden()


def test_the_runs_warning_reaches_the_panels_banner(lenet_window):
    session, panel = lenet_window.training.session, lenet_window.training.panel
    run = session._new_run(to_dict(session.document.graph), session.config.to_dict())
    session.current = run  # as the worker's events of a run reach the session
    session._on_worker_events([Note(transfer.RANDOM_FROZEN, "warning")])
    assert not panel.message.isHidden() and panel.message.text().startswith("The frozen layers start from random")
    assert transfer.RANDOM_FROZEN in run.notes  # kept in run.json and the run's tooltip


def _dialog_text(window) -> str:
    dialog = ask_replace_head(window)
    assert isinstance(dialog, ReplaceHeadDialog)
    text = " ".join(label.text() for label in dialog.findChildren(QLabel))
    dialog.reject()
    return text


def test_replace_head_dialog_tells_what_the_layers_start_from(lenet_window, weights_file):
    window = lenet_window
    text = _dialog_text(window)
    assert "(pretrained)" not in text and "initial (random) weights" in text
    assert "Fine-tune from Pretrained Weights" in text
    window.training.session.set_start_weights(weights_file)
    text = _dialog_text(window)
    assert "keeps the pretrained weights of pre.pt" in text and "random" not in text


def test_the_menu_entry_only_chooses_the_weights(lenet_window, weights_file, monkeypatch, qtbot):
    window, session = lenet_window, lenet_window.training.session
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(weights_file), "")))
    window.transfer_actions["pretrained"].trigger()
    assert session.current is None and not session.runs  # nothing started
    assert session.config.weights == str(weights_file.resolve())
    assert session.document.graph.training["weights"] == str(weights_file.resolve())  # saved with it
    window.document.refresh_now()
    row = window.training.panel.start_weights
    assert "pre.pt" in row.value.text()
    row.clear.click()
    assert session.config.weights == ""
    session.set_start_weights(weights_file)
    weights_file.unlink()  # gone before Train: refused, with what to do
    with qtbot.waitSignal(session.refused) as said:
        assert session.start() is None
    assert "not there any more" in said.args[0] and "Clear" in said.args[0]


def test_a_runs_tooltip_says_what_it_started_from():
    run = SimpleNamespace(config={"weights": "/w/r18.pt"}, notes=[])
    assert start_text(run) == "Starts from the weights in /w/r18.pt"
    run.notes = ["started from the weights in /w/r18.pt (120 tensors loaded, 1 layer(s) left fresh)"]
    assert start_text(run).startswith("Started from the weights in /w/r18.pt (120 tensors loaded")
    run = SimpleNamespace(config={}, notes=["training on the CPU with 2 thread(s)"])
    assert start_text(run) == "Started from initial (random) weights"
    run = SimpleNamespace(config={}, notes=["continuing from the weights in /r/best.pt (trained 3 epoch(s))"])
    assert start_text(run).startswith("Continuing from the weights in /r/best.pt")


def _header_pixel(window, node_id):
    view = window.view
    box = view.graph_scene.box(node_id)
    left, top, _right, _bottom = box.scene_rect()
    QApplication.processEvents()
    image = view.viewport().grab().toImage()
    point = view.mapFromScene(left + 3, top + 3)
    return image.pixelColor(point).name()


@pytest.mark.parametrize("dark", [False, True])
def test_frozen_boxes_are_drawn_muted(lenet_window, dark):
    window = lenet_window
    window.view.set_dark(dark)
    window.show()
    window.focus_node("conv1")
    before = _header_pixel(window, "conv1")
    assert _header_pixel(window, "conv2") == before  # the same category colour
    _freeze(window, "conv1")
    after = _header_pixel(window, "conv1")
    assert after != before and _header_pixel(window, "conv2") == before
    from designer.gui.canvas.freeze_badges import muted
    from designer.gui.canvas.style import text_on

    body = window.view.graph_scene.theme.body
    header = window.view.graph_scene.box("conv1").header_colour
    assert after == muted(header, body)
    assert text_on(muted(header, body)) in ("#ffffff", "#000000")


def test_status_bar_and_summary_show_what_trains(lenet_window):
    window = lenet_window
    params = window.design_status.params
    total = window.document.analysis.total_params
    assert params.text() == f"Params {total:,}"
    _freeze(window, "conv1", "conv2", "relu1")
    conv = sum(window.document.analysis.nodes[n].params for n in ("conv1", "conv2"))
    assert params.text() == f"Params {total:,} ({total - conv:,} trainable)"
    assert f"{conv:,} frozen" in params.toolTip()
    model = window.summary.model
    trains = {model.rows[r].id: model.data(model.index(r, TRAINS)) for r in range(model.rowCount())}
    assert trains["conv1"] == trains["conv2"] == "frozen"
    assert trains["fc1"] == trains["fc3"] == "yes"
    assert trains["relu1"] == trains["pool1"] == trains["flatten"] == ""  # no weights: blank
    _freeze(window)
    assert params.text() == f"Params {total:,}"


def test_the_runs_verdict_recalls_the_random_frozen_layers(lenet_window):
    session, panel = lenet_window.training.session, lenet_window.training.panel
    run = session._new_run(to_dict(session.document.graph), session.config.to_dict())
    session.current = run
    run.notes.append(transfer.RANDOM_FROZEN)
    run.message, run.ended = "Finished after 1 epoch", object()
    session._follow(run, run.ended)
    assert panel.message.text().endswith("Its frozen layers kept their random initial weights "
                                         "(no pretrained weights were loaded).")
