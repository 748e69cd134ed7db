"""``designer train``: headless runs, --json output, and plain messages for problems."""

import json

from designer.cli import main
from designer.core.serialize import save

from training_helpers import mlp


def _design(tmp_path, **kw):
    path = tmp_path / "toy.json"
    save(mlp(**kw), path)
    return str(path)


def test_json_prints_final_metrics_and_history(tmp_path, capsys):
    code = main(["train", _design(tmp_path), "--dataset", "gaussians", "--data-option", "samples=200",
                 "--epochs", "3", "--batch-size", "32", "--lr", "0.01", "--optimizer", "adamw",
                 "--schedule", "cosine", "--seed", "1", "--device", "cpu",
                 "--checkpoint-dir", str(tmp_path / "ck"), "--json"])
    out = capsys.readouterr()
    assert code == 0
    report = json.loads(out.out)
    assert report["status"] == "completed" and report["epochs"] == 3
    assert [h["epoch"] for h in report["history"]] == [1, 2, 3]
    for entry in report["history"]:
        assert entry["samples_per_second"] > 0 and 0 <= entry["val_accuracy"] <= 1
    assert report["final"] == report["history"][-1]
    assert report["config"]["optimizer"] == "adamw" and report["config"]["schedule"]["name"] == "cosine"
    assert report["checkpoints"]["last"].endswith("last.pt")
    assert "epoch 3/3" in out.err  # progress goes to stderr, JSON alone to stdout


def test_mismatch_is_one_sentence_and_adapt_fixes_it(tmp_path, capsys):
    design = _design(tmp_path, classes=10)
    assert main(["train", design, "--dataset", "spiral", "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert "spiral has 2 classes" in err and "--adapt" in err and "Traceback" not in err
    assert main(["train", design, "--dataset", "spiral", "--epochs", "1", "--adapt"]) == 0
    assert "adapted the design: fc2 to 2 outputs" in capsys.readouterr().err


def test_resume_from_the_command_line(tmp_path, capsys):
    design = _design(tmp_path)
    args = ["train", design, "--dataset", "circle", "--epochs", "2", "--checkpoint-dir",
            str(tmp_path / "ck"), "--quiet"]
    assert main(args) == 0
    assert main(["train", design, "--resume", str(tmp_path / "ck" / "last.pt"), "--json", "-q"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "completed" and report["history"] == []  # nothing left to do


def test_bad_input_gets_a_plain_message(tmp_path, capsys):
    design = _design(tmp_path)
    assert main(["train", str(tmp_path / "missing.json"), "--dataset", "circle"]) == 2
    assert main(["train", design, "--dataset", "circle", "--augment", "spin"]) == 1
    assert main(["train", design, "--dataset", "circle", "--data-option", "noise"]) == 1
    assert main(["train", design, "--dataset", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "unknown augmentation 'spin'" in err
    assert "KEY=VALUE" in err and "unknown dataset 'nope'" in err
    assert "Traceback" not in err
