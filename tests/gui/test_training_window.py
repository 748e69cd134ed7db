"""Training in the window: Train on the default design (LeNet-5 on digits) draws curves and
finishes while the event loop keeps running; pause, resume and stop (within a second);
editing during a run marks it stale and never changes it; runs overlay and export; data that
do not fit offer an undoable adaptation; a NaN run shows a plain message and the window
keeps working; closing the window during a run joins the worker.

Runs use a few hundred digits so that an epoch takes well under a second. Every wait is on
a signal or a condition (qtbot.waitUntil / waitSignal), never a blind sleep.
"""

from __future__ import annotations

import csv
import time

import pytest
from PySide6.QtCore import QTimer, Qt
from PySide6.QtWidgets import QFileDialog

from designer.core.edits import SetParams
from designer.core.serialize import to_dict

RUN_S = 120_000  # generous ceiling for a short run on a busy 2-core machine (ms)
SMALL = {"name": "digits", "options": {"limit": 500}}


@pytest.fixture
def window(lenet_window):
    lenet_window.resize(1400, 900)
    lenet_window.show()
    yield lenet_window
    lenet_window.document.undo_stack.setClean()


@pytest.fixture
def session(window):
    return window.training.session


def configure(session, **changes):
    from designer.training.config import DataConfig

    data = changes.pop("data", SMALL)
    assert session.update_config(None, data=DataConfig(**data), **changes)
    session.document.refresh_now()


def wait_status(qtbot, run, *statuses, timeout=RUN_S):
    qtbot.waitUntil(lambda: run.status in statuses, timeout=timeout)


def test_train_on_the_default_design_draws_curves_while_the_event_loop_runs(window, session, qtbot):
    configure(session, epochs=3, batch_size=16)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    panel = window.training.panel
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    run = session.current
    qtbot.waitUntil(lambda: run.started is not None, timeout=RUN_S)
    during = len(ticks)
    wait_status(qtbot, run, "completed")
    timer.stop()
    gaps = [b - a for a, b in zip(ticks[during:], ticks[during + 1:])]
    # The GUI thread kept ticking while the worker trained (event-loop lag is measured in bench/).
    assert len(gaps) > 10
    assert len(run.epochs) == 3 and len(run.steps) >= 3
    assert run.epochs.column("val_accuracy")[-1] > 0.2
    curves = window.training.curves
    curves.plots.refresh()
    assert curves.plots.visible_points() > 0
    assert curves.list.count() == 1 and "done" in curves.list.item(0).text()
    assert run.checkpoint("best") and run.checkpoint("last")
    assert "Finished after 3 epoch(s)" in panel.message.text()
    assert panel.progress.value() == 1000 and panel.train_button.isEnabled()


def test_pause_resume_and_stop_within_a_second_then_resume_from_the_checkpoint(window, session, qtbot):
    configure(session, epochs=200)
    panel = window.training.panel
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    run = session.current
    qtbot.waitUntil(lambda: len(run.steps) >= 2, timeout=RUN_S)
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    assert panel.train_button.text() == "Resume"
    wait_status(qtbot, run, "paused", timeout=RUN_S)
    with qtbot.assertNotEmitted(session.curves_changed, wait=300):
        pass  # paused: no more steps
    steps = len(run.steps)
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(run.steps) > steps, timeout=RUN_S)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    wait_status(qtbot, run, "stopped", timeout=RUN_S)  # between steps (timed in bench/)
    qtbot.waitUntil(lambda: session.state == "idle", timeout=RUN_S)
    assert run.resumable
    step_before = int(run.steps.column("step")[-1])
    resume = window.training.curves.buttons["resume"]
    assert resume.isEnabled()
    qtbot.mouseClick(resume, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run.started is not None and run.started.start_step == step_before,
                    timeout=RUN_S)
    qtbot.waitUntil(lambda: run.steps.column("step")[-1] > step_before, timeout=RUN_S)
    session.stop()
    wait_status(qtbot, run, "stopped", timeout=RUN_S)


def test_editing_during_a_run_marks_it_stale_and_never_changes_it(window, session, qtbot):
    configure(session, epochs=200)
    frozen = to_dict(window.document.graph)
    run = session.start()
    qtbot.waitUntil(lambda: run.started is not None, timeout=RUN_S)
    window.document.push(SetParams("fc1", {"out_features": 64}))
    window.document.refresh_now()
    assert run.stale and window.training.panel.stale.isVisible()
    assert "design changed" in window.training.curves.list.item(0).text()
    fc1 = next(n for n in run.design["nodes"] if n["id"] == "fc1")
    assert run.design == frozen and fc1["params"] == {"out_features": 120}
    window.document.undo_stack.undo()
    window.document.refresh_now()
    assert not run.stale
    session.stop()
    wait_status(qtbot, run, "stopped", timeout=RUN_S)
    from designer.training.checkpoint import load_checkpoint

    saved = load_checkpoint(run.checkpoint("last"))
    assert saved["design"]["nodes"] == frozen["nodes"]


def test_two_runs_overlay_and_export_csv_and_png(window, session, qtbot, tmp_path, monkeypatch):
    configure(session, epochs=1)
    first = session.start()
    wait_status(qtbot, first, "completed")
    qtbot.waitUntil(lambda: session.state == "idle")
    configure(session, epochs=1, optimizer="sgd", lr=0.05)
    second = session.start()
    wait_status(qtbot, second, "completed")
    curves = window.training.curves
    curves.plots.refresh()
    assert set(curves.plots.items) == {first.number, second.number}
    assert first.config["optimizer"] == "adam" and second.config["optimizer"] == "sgd"
    curves.set_visible(first, False)
    assert set(curves.plots.items) == {second.number}
    curves.set_visible(first, True)
    out = tmp_path / "run.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    curves.select(first)
    curves.buttons["csv"].click()
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["kind"] for r in rows].count("step") == len(first.steps)
    epoch = [r for r in rows if r["kind"] == "epoch"]
    assert len(epoch) == 1 and epoch[0]["epoch"] == "1"
    assert float(epoch[0]["val_accuracy"]) == pytest.approx(first.epochs.column("val_accuracy")[0], rel=1e-4)
    assert float(rows[0]["lr"]) == pytest.approx(1e-3)
    png = tmp_path / "plots.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(png), "")))
    curves.buttons["png"].click()
    assert png.stat().st_size > 1000


def test_data_that_do_not_fit_offer_an_undoable_adaptation(window, session, qtbot):
    configure(session, data={"name": "shapes", "options": {"samples": 60}})
    session.activate()
    qtbot.waitUntil(lambda: session.fit is not None and not session.fit.ok, timeout=RUN_S)
    panel = window.training.panel
    assert "6 classes" in panel.message.text() and "10 outputs" in panel.message.text()
    assert panel.adapt_button.isVisible()
    assert session.start() is None  # training refuses to start; the message says why
    qtbot.mouseClick(panel.adapt_button, Qt.MouseButton.LeftButton)
    graph = window.document.graph
    assert graph.nodes["fc3"].params["out_features"] == 6
    qtbot.waitUntil(lambda: session.fit is not None and session.fit.ok, timeout=RUN_S)
    assert not panel.adapt_button.isVisible()
    window.document.undo_stack.undo()
    assert graph.nodes["fc3"].params["out_features"] == 10


def test_a_diverging_run_shows_a_plain_message_and_the_window_keeps_working(window, session, qtbot):
    configure(session, epochs=3, optimizer="sgd", lr=1e6)
    run = session.start()
    wait_status(qtbot, run, "failed")
    panel = window.training.panel
    assert "NaN" in panel.message.text() and "Lower the learning rate" in panel.message.text()
    assert "Traceback" not in panel.message.text()
    qtbot.waitUntil(lambda: session.state == "idle", timeout=RUN_S)
    assert window.document.push(SetParams("fc1", {"out_features": 100}))
    configure(session, epochs=1, optimizer="adam", lr=1e-3)
    again = session.start()
    wait_status(qtbot, again, "completed")


def test_closing_the_window_during_training_joins_the_worker(window, session, qtbot):
    configure(session, epochs=500)
    run = session.start()
    qtbot.waitUntil(lambda: len(run.steps) >= 1, timeout=RUN_S)
    thread = session.worker.thread
    window.document.undo_stack.setClean()
    assert window.close()
    assert not thread.is_alive()
    assert run.status == "stopped"


def test_a_data_error_shows_a_plain_message_and_nothing_of_the_design_is_lost(window, session, qtbot,
                                                                               tmp_path):
    before = to_dict(window.document.graph)
    configure(session, data={"name": "csv", "options": {"path": str(tmp_path / "missing.csv")}})
    run = session.start()
    wait_status(qtbot, run, "failed")
    text = window.training.panel.message.text()
    assert "missing.csv" in text and "Traceback" not in text
    qtbot.waitUntil(lambda: session.state == "idle", timeout=RUN_S)
    after = to_dict(window.document.graph)
    assert after["nodes"] == before["nodes"] and after["edges"] == before["edges"]
    assert window.training.panel.train_button.isEnabled()
