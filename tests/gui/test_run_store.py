"""Runs written beside their checkpoints are read back for the same design (pure files)."""

import json

import numpy as np
import pytest

from designer.core.serialize import load, to_dict
from designer.gui.training_panel import run_store
from designer.gui.training_panel.runs import Run, structure
from designer.training.events import EpochMetrics, Finished, RunStarted, StepMetrics
from designer.zoo import find


def a_run(tmp_path, name="Run 1", design_name="LeNet-5", created=1.0):
    design = to_dict(load(find("lenet5")))
    design["name"] = design_name
    run = Run(1, design, {"epochs": 2, "lr": 0.001}, tmp_path / f"runs/{name.replace(' ', '')}", name)
    run.created = created
    run.add(RunStarted("x", "digits", "cpu", 2, 3, 32, 96, 32, (1, 28, 28), tuple("0123456789"), 100))
    for step in range(1, 4):
        run.add(StepMetrics(1, step, step, 3, 2.3 - step * 0.1, 0.1 * step, 1e-3, 50.0))
    run.add(EpochMetrics(1, 2, 2.0, 0.3, 1.9, 0.4, 1e-3, 50.0, 1.5))
    run.add(Finished("completed", 1, 3, 1, 1.9, 0.4, 2.0))
    return run


def test_a_saved_run_is_found_again_with_its_curves(tmp_path):
    run = a_run(tmp_path)
    design_file = tmp_path / "lenet.json"
    run_store.save_run(run, design_file)
    records = run_store.find_runs(tmp_path / "runs", design_file, "whatever", ())
    assert len(records) == 1 and records[0]["epochs_done"] == 1
    back = run_store.load_run(records[0], 7)
    assert back.name == "Run 1" and back.status == "completed" and back.number == 7
    assert back.message == run.message and back.config == run.config
    assert np.allclose(back.steps.column("loss"), run.steps.column("loss"))
    assert np.allclose(back.epochs.column("val_accuracy"), [0.4])
    assert back.same_design(run.shape)


def test_only_the_designs_own_runs_are_found(tmp_path):
    saved, unsaved = a_run(tmp_path, "Run 1"), a_run(tmp_path, "Run 2", created=2.0)
    run_store.save_run(saved, tmp_path / "lenet.json")
    run_store.save_run(unsaved, None)
    root = tmp_path / "runs"
    assert [m["name"] for m in run_store.find_runs(root, tmp_path / "other.json", "LeNet-5", saved.shape)] == []
    assert [m["name"] for m in run_store.find_runs(root, None, "LeNet-5", saved.shape)] == ["Run 2"]
    assert run_store.find_runs(root, None, "LeNet-5", structure({"nodes": [], "edges": []})) == []
    assert run_store.find_runs(root, None, "Another", saved.shape) == []
    (root / "junk").mkdir()
    (root / "junk" / "run.json").write_text("{not json", encoding="utf-8")
    assert len(run_store.find_runs(root, tmp_path / "lenet.json", "", ())) == 1


@pytest.mark.parametrize("last_pt, status", [(True, "stopped"), (False, "failed")])
def test_a_run_the_app_closed_during_is_listed_as_ended(tmp_path, last_pt, status):
    run = a_run(tmp_path)
    run.status = "running"
    run_store.save_run(run, None)
    if last_pt:
        (run.folder / "last.pt").write_bytes(b"x")
    back = run_store.load_run(run_store.find_runs(tmp_path / "runs", None, "LeNet-5", run.shape)[0], 1)
    assert back.status == status and "closed during this run" in back.message
    assert back.resumable == last_pt


def test_a_record_without_its_design_is_skipped(tmp_path):
    run = a_run(tmp_path)
    run_store.save_run(run, None)
    (run.folder / "design.json").unlink()
    meta = json.loads((run.folder / "run.json").read_text(encoding="utf-8")) | {"folder": str(run.folder)}
    assert run_store.load_run(meta, 1) is None


def test_the_structure_is_computed_only_when_an_unsaved_design_needs_it(tmp_path):
    saved, unsaved = a_run(tmp_path, "Run 1"), a_run(tmp_path, "Run 2", created=2.0)
    run_store.save_run(saved, tmp_path / "lenet.json")
    run_store.save_run(unsaved, None)
    root, asked = tmp_path / "runs", []

    def shape():
        asked.append(True)
        return saved.shape

    assert [m["name"] for m in run_store.find_runs(root, tmp_path / "lenet.json", "", shape)] == ["Run 1"]
    assert [m["name"] for m in run_store.find_runs(tmp_path / "none", None, "LeNet-5", shape)] == []
    assert not asked
    assert [m["name"] for m in run_store.find_runs(root, None, "LeNet-5", shape)] == ["Run 2"]
    assert asked == [True]
