"""The training panel's parts: settings edits are undoable and saved in the design, the
augmentation pipeline edits and previews, the schedule preview, the memory line, the LR range
test dialog, continuing from a checkpoint, the plots with 100,000 points, and the worker's
throttled, ordered delivery (the GUI thread receives at most ~30 batches a second).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from designer.core import serialize
from designer.gui.panels.param_editors import FloatSpinBox
from designer.gui.training_panel.plots import TrainingPlots
from designer.gui.training_panel.progress import Progress, duration
from designer.gui.training_panel.runs import Run
from designer.gui.workers.training import Mailbox, TaskRunner
from designer.training.config import DataConfig, TrainingConfig
from designer.training.events import RunStarted, StepMetrics

RUN_S = 120_000


@pytest.fixture
def window(lenet_window):
    return lenet_window
    window.document.undo_stack.setClean()


@pytest.fixture
def session(window):
    return window.training.session


def test_setting_changes_are_undoable_edits_saved_in_the_design(window, session, tmp_path):
    form = window.training.panel.optimiser
    doc = window.document
    form.lr.setValue(0.01)
    form.lr.setValue(0.02)  # the same setting again: one undo step
    form.optimizer.setCurrentIndex(form.optimizer.findData("sgd"))
    assert doc.graph.training["lr"] == 0.02 and doc.graph.training["optimizer"] == "sgd"
    assert doc.undo_stack.count() == 2 and window.isWindowModified()
    saved = serialize.load(doc.save(tmp_path / "net.json"))
    assert TrainingConfig.from_dict(saved.training).optimizer == "sgd"
    doc.undo_stack.undo()
    doc.refresh_now()
    assert doc.graph.training["optimizer"] == "adam" and form.optimizer.currentData() == "adam"
    doc.undo_stack.undo()
    doc.refresh_now()
    assert doc.graph.training == {} and form.lr.value() == pytest.approx(1e-3)


def test_rows_follow_the_optimiser_and_the_schedule_preview_follows_its_settings(window, session):
    form = window.training.panel.optimiser
    form.optimizer.setCurrentIndex(form.optimizer.findData("nesterov"))
    window.document.refresh_now()
    assert form.form.isRowVisible(form.momentum) and not form.form.isRowVisible(form.beta1)
    form.schedule.setCurrentIndex(form.schedule.findData("step"))
    window.document.refresh_now()
    form.sched["step_size"].setValue(2)
    form.sched["gamma"].setValue(0.5)
    window.document.refresh_now()
    assert form.form.isRowVisible(form.sched["gamma"]) and not form.form.isRowVisible(form.sched["k"])
    values = form.preview.show_config(session.config)
    assert session.config.schedule.name == "step"
    per = len(values) // session.config.epochs
    assert values[0] == pytest.approx(1e-3) and values[2 * per] == pytest.approx(5e-4)


def test_run_settings_and_the_memory_line(window, session, qtbot):
    run_form = window.training.panel.run_form
    run_form.batch_size.setValue(128)
    run_form.patience.setValue(3)
    window.document.refresh_now()
    config = session.config
    assert config.batch_size == 128 and config.patience == 3
    session.activate()
    qtbot.waitUntil(lambda: "largest batch" in run_form.memory.text(), timeout=RUN_S)
    assert "at batch size 128" in run_form.memory.text() and "free on cpu" in run_form.memory.text()


def test_dataset_options_from_the_catalog(window, session, qtbot):
    session.activate()
    editor = window.training.panel.data
    qtbot.waitUntil(lambda: bool(editor.option_widgets), timeout=RUN_S)
    assert editor.dataset.findData("shapes") >= 0
    editor.dataset.setCurrentIndex(editor.dataset.findData("shapes"))
    window.document.refresh_now()
    assert session.config.data.name == "shapes" and "samples" in editor.option_widgets
    editor.option_widgets["samples"][0].setValue(300)
    window.document.refresh_now()
    assert session.config.data.options == {"samples": 300}
    editor.val_fraction.setValue(0.3)
    window.document.refresh_now()
    assert session.config.data.val_fraction == pytest.approx(0.3)


def test_the_augmentation_pipeline_edits_and_previews(window, session, qtbot):
    session.update_config(None, data=DataConfig("digits", {"limit": 300}))
    window.document.refresh_now()
    panel = window.training.panel
    editor = panel.augment
    panel.tabs.setCurrentIndex(1)
    session.activate()
    for name in ("rotation", "noise"):
        editor.add.activated.emit(editor.add.findData(name))
        window.document.refresh_now()
    assert [s.name for s in session.config.augment] == ["rotation", "noise"]
    assert editor.list.currentRow() == 1
    editor.list.setCurrentRow(0)
    editor.down.click()
    window.document.refresh_now()
    assert [s.name for s in session.config.augment] == ["noise", "rotation"]
    editor.list.setCurrentRow(1)
    spin = editor.params.itemAt(0, editor.params.ItemRole.FieldRole).widget().findChildren(FloatSpinBox)[0]
    spin.setValue(30.0)
    window.document.refresh_now()
    assert session.config.augment[1].params == {"degrees": 30.0}
    with qtbot.waitSignal(session.checks.preview_ready, timeout=RUN_S) as blocker:
        session.checks.request_preview(0)
    grid = blocker.args[0].grid
    assert grid.dtype == np.uint8 and grid.shape[2] == 3
    assert grid.shape[1] == 6 * 34 + 2  # the original and five draws of 32-pixel images
    editor.show_preview(blocker.args[0])
    assert not editor.preview.pixmap().isNull()
    for _ in range(3):
        window.document.undo_stack.undo()
    window.document.refresh_now()
    assert session.config.augment == () and editor.list.count() == 0


def test_lr_range_test_dialog_suggests_and_sets_the_rate(window, session, qtbot):
    session.update_config(None, data=DataConfig("digits", {"limit": 300}), batch_size=16)
    dialog = window.training.panel.open_lr_finder()
    dialog.steps.setValue(30)
    with qtbot.waitSignal(session.lr_test_finished, timeout=RUN_S):
        dialog.run_button.click()
        assert session.state == "lr_test"
    assert np.isfinite(dialog.result.suggested_lr) and dialog.use_button.isEnabled()
    assert dialog.use_suggestion()
    assert session.config.lr == pytest.approx(float(f"{dialog.result.suggested_lr:.2g}"))
    window.document.undo_stack.undo()
    assert session.config.lr == pytest.approx(1e-3)
    dialog.close()


def test_continue_from_a_checkpoint_with_changed_settings(window, session, qtbot):
    session.update_config(None, data=DataConfig("digits", {"limit": 300}), epochs=1)
    first = session.start()
    qtbot.waitUntil(lambda: not first.active and session.state == "idle", timeout=RUN_S)
    session.update_config(None, lr=5e-4, optimizer="adamw")
    second = session.continue_from(first)
    qtbot.waitUntil(lambda: not second.active, timeout=RUN_S)
    assert second.status == "completed" and second.config["optimizer"] == "adamw"
    assert any("continuing from the weights" in note for note in second.notes)
    # continuing from trained weights starts lower than the first run did
    assert second.steps.column("loss")[0] < first.steps.column("loss")[0]


# --------------------------------------------------------------------------- plots
def big_run(points: int) -> Run:
    run = Run(1, {"nodes": [], "edges": []}, {})
    x = np.linspace(0, 100, points)
    for i in range(points):
        run.steps.append(x[i], i, 2.0 * np.exp(-x[i] / 30), 1 - np.exp(-x[i] / 20), 1e-3, 5000.0)
    for epoch in range(1, 101):
        run.epochs.append(epoch, 1.0, 0.5, 1.1, 0.5, 1e-3, 5000.0, 1.0)
    return run


def test_plots_draw_100000_points_per_curve(qtbot):
    """Every point reaches the plot after growth (the repaint time is measured in bench/)."""
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(1200, 300)
    plots.show()
    run = big_run(100_000)
    plots.show_runs([run])
    plots.canvas.grab()
    shown = plots.visible_points()
    for i in range(5):
        run.steps.append(100 + i, 100_000 + i, 0.1, 0.9, 1e-3, 5000.0)
        plots.mark_dirty(run)
        plots.refresh()
        plots.canvas.grab()
    assert shown > 200_000
    assert plots.visible_points() > shown


def test_plots_repaint_at_most_about_30_times_a_second(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    run = big_run(10)
    plots.show_runs([run])
    before = plots.repaints
    began = time.perf_counter()
    for i in range(200):  # 200 growth notices in a burst
        run.steps.append(10 + i, 10 + i, 0.1, 0.9, 1e-3, 5000.0)
        plots.mark_dirty(run)
    qtbot.waitUntil(lambda: plots.repaints > before)
    elapsed = time.perf_counter() - began
    assert plots.repaints - before <= 1 + elapsed / 0.033


# --------------------------------------------------------------------------- worker plumbing
def test_mailbox_delivers_everything_in_order_in_few_batches(qtbot):
    box = Mailbox(33)
    got: list[list[int]] = []
    box.delivered.connect(got.append)
    began = time.perf_counter()

    def post_many():
        for i in range(3000):
            box.post(i)
            if i % 100 == 0:
                time.sleep(0.01)  # a worker producing events over ~0.3 s

    thread = threading.Thread(target=post_many)
    thread.start()
    qtbot.waitUntil(lambda: sum(map(len, got)) == 3000, timeout=60_000)
    thread.join()
    elapsed = time.perf_counter() - began
    assert [i for batch in got for i in batch] == list(range(3000))
    assert len(got) <= 2 + elapsed / 0.033


def test_task_runner_keeps_only_the_latest_job_per_key(qtbot):
    runner = TaskRunner()
    gate = threading.Event()
    results: list = []
    runner.finished.connect(lambda key, value: results.append((key, value)))
    runner.submit("slow", gate.wait, 5)  # occupies the thread
    for i in range(5):
        runner.submit("preview", lambda i=i: i)
    gate.set()
    qtbot.waitUntil(lambda: ("preview", 4) in results, timeout=60_000)
    assert [r for r in results if r[0] == "preview"] == [("preview", 4)]
    assert runner.shutdown()


def test_progress_text_and_eta():
    now = [100.0]
    progress = Progress(clock=lambda: now[0])
    progress.started(RunStarted("net", "digits", "cpu", 2, 10, 32, 320, 80, (1, 8, 8), ("a",), 10))
    now[0] = 110.0
    progress.stepped(StepMetrics(1, 5, 5, 10, 1.0, 0.5, 1e-3, 1234.0))
    assert progress.fraction == pytest.approx(0.25)
    assert progress.eta_s() == pytest.approx(30.0)
    assert progress.text() == "epoch 1/2 · step 5/10 · ETA 0:30 · 1,234 samples/s"
    progress.paused()
    now[0] = 500.0  # time spent paused does not count
    progress.resumed()
    assert progress.eta_s() == pytest.approx(30.0)
    assert duration(3725) == "1:02:05" and duration(float("nan")) == "?"


def test_resume_from_a_checkpoint_file_and_refuse_another_design(window, session, qtbot, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from designer.core.edits import SetParams

    session.update_config(None, data=DataConfig("digits", {"limit": 300}), epochs=100)
    first = session.start()
    qtbot.waitUntil(lambda: len(first.steps) >= 2, timeout=RUN_S)
    session.stop()
    qtbot.waitUntil(lambda: first.status == "stopped" and session.state == "idle", timeout=60_000)
    last = first.checkpoint("last")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(last), "")))
    window.training.curves.open_checkpoint(resume=True)
    resumed = session.current
    assert resumed is not first and resumed.folder == last.parent
    qtbot.waitUntil(lambda: resumed.started is not None, timeout=RUN_S)
    assert resumed.started.start_step == first.ended.steps_done
    session.stop()
    qtbot.waitUntil(lambda: not resumed.active and session.state == "idle", timeout=60_000)
    window.document.push(SetParams("fc1", {"out_features": 32}))
    other = session.from_checkpoint(last, resume=True)
    qtbot.waitUntil(lambda: other.status == "failed", timeout=RUN_S)
    assert "different design" in window.training.panel.message.text()


def test_messages_for_fit_and_memory():
    from designer.analysis import analyze
    from designer.core.serialize import load
    from designer.gui.training_panel.messages import fit_text, memory_line
    from designer.gui.workers.tasks import DeviceMemory, FitCheck
    from designer.zoo import find

    assert fit_text(FitCheck(1, False, "dataset csv needs the path option")).startswith(
        "The dataset cannot be used")
    mismatch = FitCheck(1, False, "shapes has 6 classes", can_adapt=True, adapt_summary="fc3 to 6 outputs",
                        info=object())
    assert "Adapt the design (fc3 to 6 outputs)" in fit_text(mismatch)
    broken = FitCheck(1, False, "spiral samples are [2] values", can_adapt=True, adapt_summary="Input to [2]",
                      adapted_valid=False, adapted_issues=("conv1 expects a feature map",), info=object())
    assert "would not help: conv1 expects a feature map" in fit_text(broken)
    analysis = analyze(load(find("lenet5")))
    config = TrainingConfig(batch_size=64)
    text, level = memory_line(config, analysis, DeviceMemory("auto", "cpu", 2**30))
    largest = analysis.largest_batch(2**30, "adam")
    assert level == "" and f"≈ {largest:,}" in text and "1.00 GiB free on cpu" in text
    too_big = config.updated(batch_size=largest * 2)
    text, level = memory_line(too_big, analysis, DeviceMemory("auto", "cpu", 2**30))
    assert level == "warning" and "lower the batch size" in text
    assert memory_line(config, analysis, None)[0].startswith("Training memory ≈")
