"""The training generator: event sequence, learning, controls from another thread, faults."""

import dataclasses
import math
import queue
import threading

import numpy as np
import pytest
import torch

from designer.training import checkpoint as ckpt
from designer.training.config import DataConfig, TrainingConfig
from designer.training.control import Control
from designer.training.events import (EpochMetrics, Failed, Finished, Note, Paused, Resumed, RunStarted,
                                      Snapshot, StepMetrics)
from designer.training.loop import train
from designer.training.probes import Probe
from designer.training.schedules import Schedule

from training_helpers import mlp


def _plain(value):
    return value is None or isinstance(value, (int, float, str, bool, np.ndarray)) or (
        isinstance(value, tuple) and all(_plain(v) for v in value))


def test_event_sequence_and_loss_falls(toy_graph, toy_config):
    events = list(train(toy_graph, toy_config.updated(epochs=4), report_interval_s=0))
    kinds = [type(e) for e in events]
    started = kinds.index(RunStarted)
    assert all(k is Note for k in kinds[:started])
    assert kinds[-1] is Finished and events[-1].reason == "completed"
    epochs = [e for e in events if isinstance(e, EpochMetrics)]
    assert [e.epoch for e in epochs] == [1, 2, 3, 4]
    assert epochs[-1].train_loss < epochs[0].train_loss
    assert epochs[-1].val_accuracy > 0.9
    steps = [e for e in events if isinstance(e, StepMetrics)]
    run = events[started]
    assert len(steps) == 4 * run.steps_per_epoch  # interval 0: one report per step
    assert [s.step for s in steps] == list(range(1, len(steps) + 1))
    assert all(e.samples_per_second > 0 for e in epochs)
    for event in events:  # immutable, and only scalars / numpy cross
        assert dataclasses.is_dataclass(event)
        with pytest.raises(dataclasses.FrozenInstanceError):
            event.__setattr__(dataclasses.fields(event)[0].name, None)
        assert all(_plain(getattr(event, f.name)) for f in dataclasses.fields(event))
    snaps = [e for e in events if isinstance(e, Snapshot)]
    assert len(snaps) == 5 and snaps[0].node_id == "fc1" and snaps[0].weights.shape == (16, 2)


def test_config_defaults_come_from_the_design(toy_graph, toy_config):
    toy_graph.training = toy_config.updated(epochs=1).to_dict()
    events = list(train(toy_graph))
    assert isinstance(events[-1], Finished) and events[-1].epochs_done == 1


def test_schedule_sets_the_learning_rate(toy_graph, toy_config):
    cfg = toy_config.updated(schedule=Schedule("step", step_size=1, gamma=0.5), epochs=3)
    epochs = [e for e in train(toy_graph, cfg) if isinstance(e, EpochMetrics)]
    assert [e.lr for e in epochs] == pytest.approx([0.01, 0.005, 0.0025])


def _run_in_thread(gen):
    events = queue.Queue()

    def work():
        for event in gen:
            events.put(event)
        events.put(None)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return events, thread


def _next(events, kind, timeout=20):
    while True:
        event = events.get(timeout=timeout)
        if event is None or isinstance(event, kind):
            return event


def test_stop_from_another_thread(toy_graph, toy_config, tmp_path):
    control = Control()
    cfg = toy_config.updated(epochs=10_000)
    events, thread = _run_in_thread(train(toy_graph, cfg, control, checkpoint_dir=tmp_path,
                                          report_interval_s=0))
    first = _next(events, StepMetrics)
    assert first is not None
    control.stop()
    finished = _next(events, Finished, timeout=1.0)  # takes effect within a second
    thread.join(5)
    assert finished.reason == "stopped" and finished.epochs_done < 10_000
    assert finished.last_checkpoint == str(tmp_path / "last.pt")


def test_pause_and_resume_from_another_thread(toy_graph, toy_config):
    control = Control()
    events, thread = _run_in_thread(train(toy_graph, toy_config.updated(epochs=10_000), control,
                                          report_interval_s=0))
    _next(events, StepMetrics)
    control.pause()
    paused = _next(events, (Paused, Finished))
    assert isinstance(paused, Paused)
    control.resume()
    resumed = events.get(timeout=5)
    assert isinstance(resumed, Resumed) and resumed.step == paused.step  # no step while paused
    after = _next(events, StepMetrics)
    assert after.step == paused.step + 1
    control.stop()
    assert _next(events, Finished).reason == "stopped"
    thread.join(5)


def _weights(path):
    return ckpt.load_checkpoint(path)["model"]


def _stop_when(control, events_gen, predicate):
    out = []
    for event in events_gen:
        out.append(event)
        if predicate(event):
            control.stop()
    return out


@pytest.mark.parametrize("where", ["epoch", "mid-epoch"])
def test_resume_reproduces_an_uninterrupted_run(cnn_graph, cnn_config, tmp_path, where):
    cnn_config = cnn_config.updated(device="cpu")  # bitwise equality is a CPU promise
    full = list(train(cnn_graph, cnn_config, checkpoint_dir=tmp_path / "full"))
    assert isinstance(full[-1], Finished)
    control = Control()
    if where == "epoch":
        stop_at = lambda e: isinstance(e, EpochMetrics) and e.epoch == 1  # noqa: E731
    else:
        stop_at = lambda e: isinstance(e, StepMetrics) and e.step == 9  # noqa: E731
    part = _stop_when(control, train(cnn_graph, cnn_config, control, checkpoint_dir=tmp_path / "part",
                                     report_interval_s=0), stop_at)
    assert part[-1].reason == "stopped"
    resumed = list(train(cnn_graph, None, checkpoint_dir=tmp_path / "part",
                         resume_from=tmp_path / "part" / "last.pt"))
    assert isinstance(resumed[-1], Finished) and resumed[-1].reason == "completed"
    a, b = _weights(tmp_path / "full" / "last.pt"), _weights(tmp_path / "part" / "last.pt")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    history = ckpt.load_checkpoint(tmp_path / "part" / "last.pt")["state"]["history"]
    assert [h["epoch"] for h in history] == [1, 2, 3]


def test_resume_refuses_another_design(cnn_graph, cnn_config, tmp_path):
    list(train(cnn_graph, cnn_config.updated(epochs=1), checkpoint_dir=tmp_path))
    events = list(train(mlp(), None, resume_from=tmp_path / "last.pt"))
    assert len(events) == 1 and events[0].kind == "config"
    assert "different design" in events[0].message


def test_continue_with_changed_hyperparameters(toy_graph, toy_config, tmp_path):
    list(train(toy_graph, toy_config.updated(epochs=2), checkpoint_dir=tmp_path / "a"))
    cfg = toy_config.updated(epochs=1, lr=0.001, optimizer="sgd")
    events = list(train(toy_graph, cfg, continue_from=tmp_path / "a" / "last.pt"))
    notes = [e.text for e in events if isinstance(e, Note)]
    assert any("continuing from the weights" in n and "restarted" in n for n in notes)
    first = next(e for e in events if isinstance(e, EpochMetrics))
    assert first.lr == 0.001 and first.train_accuracy > 0.9  # starts from trained weights


class _Poison(Probe):
    """Sets every weight to NaN after ``at`` steps (a diverging run, deterministically)."""

    def __init__(self, at):
        self.at = at

    def after_step(self, ctx):
        if ctx.step == self.at:
            with torch.no_grad():
                for p in ctx.model.parameters():
                    p.fill_(float("nan"))
        return []


def test_nan_loss_stops_cleanly_and_keeps_the_checkpoint(toy_graph, toy_config, tmp_path):
    events = list(train(toy_graph, toy_config.updated(epochs=5), checkpoint_dir=tmp_path,
                        probes=[_Poison(at=9)], report_interval_s=0))
    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == "nan"
    assert "Lower the learning rate" in failed.message and "batch normalisation" in failed.message
    assert failed.last_checkpoint == str(tmp_path / "last.pt")
    saved = ckpt.load_checkpoint(tmp_path / "last.pt")
    assert saved["state"]["epoch"] == 1  # the epoch before the NaN
    assert all(torch.isfinite(t).all() for t in saved["model"].values())


class _Raise(Probe):
    def __init__(self, exc):
        self.exc = exc

    def after_step(self, ctx):
        raise self.exc


def test_out_of_memory_suggests_a_batch_size(toy_graph, toy_config):
    events = list(train(toy_graph, toy_config, probes=[_Raise(torch.OutOfMemoryError("CUDA out of memory"))]))
    assert events[-1].kind == "memory"
    assert "batch size of 16 or less" in events[-1].message


def test_unexpected_error_is_reported_without_raising(toy_graph, toy_config):
    events = list(train(toy_graph, toy_config, probes=[_Raise(ZeroDivisionError("boom"))]))
    assert events[-1].kind == "error" and "ZeroDivisionError: boom" in events[-1].message
    assert "Traceback" in events[-1].details


def test_data_path_error_names_its_cause(cnn_graph, cnn_config, monkeypatch):
    import designer.training.batches as batches

    def broken(pipeline, images):
        raise OSError("disk vanished")

    monkeypatch.setattr(batches, "augment_batch", broken)
    events = list(train(cnn_graph, cnn_config.updated(device="cpu")))  # augmentation on this thread
    assert events[-1].kind == "data"
    assert "reading the training data failed" in events[-1].message
    assert "OSError: disk vanished" in events[-1].message


def test_mismatch_is_reported_before_training(toy_graph):
    cfg = TrainingConfig(DataConfig("digits"), epochs=1)
    events = list(train(toy_graph, cfg))
    assert len(events) == 1 and isinstance(events[0], Failed) and events[0].kind == "mismatch"
    assert "Input" in events[0].message and "Adapt the design" in events[0].message


def test_loss_none_and_design_errors_are_reported(toy_graph, toy_config):
    toy_graph.set_params("output", {"loss": "none"})
    events = list(train(toy_graph, toy_config))
    assert events == [Failed(events[0].message, "design")] and "'none'" in events[0].message
    toy_graph.set_params("fc1", {"out_features": -3})
    assert list(train(toy_graph, toy_config))[0].kind == "design"


def test_early_stopping(toy_graph, toy_config):
    events = list(train(toy_graph, toy_config.updated(epochs=20, patience=2, min_delta=100.0)))
    assert events[-1].reason == "early_stopping" and events[-1].epochs_done == 3


def test_regression_on_a_csv_with_mse(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3
    lines = ["a,b,c,target"] + [f"{r[0]:.5f},{r[1]:.5f},{r[2]:.5f},{t:.5f}" for r, t in zip(x, y)]
    (tmp_path / "t.csv").write_text("\n".join(lines))
    graph = mlp(inputs=(3,), classes=1)
    graph.set_params("output", {"loss": "mse"})
    cfg = TrainingConfig(DataConfig("csv", {"path": str(tmp_path / "t.csv")}), epochs=15, lr=0.02,
                         batch_size=16)
    epochs = [e for e in train(graph, cfg) if isinstance(e, EpochMetrics)]
    assert epochs[-1].val_loss < 0.1 * epochs[0].val_loss
    assert math.isnan(epochs[-1].val_accuracy)


def test_the_probe_hook_runs_between_steps(toy_graph, toy_config):
    from designer.training.probes import HealthSample, ProbeHook, ProbeRequest, ProbeResult

    hook = ProbeHook(fraction=1.0, health_interval_s=0.0)
    hook.submit(ProbeRequest("predictions"))
    events = list(train(toy_graph, toy_config.updated(device="cpu"), probes=[hook]))
    result = next(e for e in events if isinstance(e, ProbeResult))
    assert result.error == "" and result.data["confusion"].shape == (2, 2) and result.step >= 1
    assert any(isinstance(e, HealthSample) for e in events)
    assert isinstance(events[-1], Finished)


def test_augmentation_in_worker_processes(cnn_graph, cnn_config):
    events = list(train(cnn_graph, cnn_config.updated(device="cpu", workers=1, epochs=2)))
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed"
    epochs = [e for e in events if isinstance(e, EpochMetrics)]
    assert len(epochs) == 2 and all(e.samples_per_second > 0 for e in epochs)
