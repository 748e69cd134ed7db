"""Inputs that used to end in a traceback, a hang or a crash get a plain message instead:
deep nesting, endless and non-regular files, absurd training settings, designs too big
for memory, damaged checkpoints."""

from __future__ import annotations

import json
import os

import pytest
import torch

from designer.cli import main
from designer.core.builder import DesignBuilder
from designer.core.memory_check import NotEnoughMemory, check_fits, size_text
from designer.core.serialize import DesignFileError, dumps, load, save
from designer.export_guard import check_export_memory, check_figure_memory
from designer.zoo import find


def lenet_text() -> str:
    return find("lenet5").read_text(encoding="utf-8")


def mlp():
    b = DesignBuilder("toy MLP")
    x = b.input([2])
    x = b.linear(x, 16, id="fc1")
    x = b.relu(x, id="relu1")
    x = b.linear(x, 2, id="fc2")
    b.output(x)
    return b.build()


# --------------------------------------------------------------------------- design files
@pytest.mark.parametrize("command", ["validate", "summary"])
def test_a_file_nested_100000_levels_deep_is_refused(tmp_path, capsys, command):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert main([command, str(path)]) == 2
    err = capsys.readouterr().err
    assert "nested too deeply" in err and "Traceback" not in err


def test_500_levels_in_one_parameter_are_refused_by_the_reader(tmp_path, capsys):
    data = json.loads(lenet_text())
    data["nodes"][1]["params"]["kernel_size"] = json.loads("[" * 500 + "5" + "]" * 500)
    path = tmp_path / "param.json"
    path.write_text(json.dumps(data))
    assert len(path.read_bytes()) < 4000
    with pytest.raises(DesignFileError, match="more than 32 levels"):
        load(path)
    assert main(["validate", str(path)]) == 2
    assert "more than 32 levels" in capsys.readouterr().err


def test_the_window_refuses_a_deep_file_with_a_message(qtbot, tmp_path, monkeypatch):
    from designer.gui.main_window import MainWindow

    path = tmp_path / "deep.json"
    path.write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    window = MainWindow()
    qtbot.addWidget(window)
    shown = []
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.critical",
                        lambda *args: shown.append(args[2]) or 0)
    before = window.document.graph
    assert window.open_file(path) is False
    assert window.document.graph is before
    assert shown and "nested too deeply" in shown[0]


def test_endless_and_non_regular_files_are_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    assert main(["validate", "/dev/zero"]) == 2
    assert main(["validate", str(fifo)]) == 2  # would block forever if it were opened
    err = capsys.readouterr().err
    assert err.count("is not a regular file") == 2


def test_a_file_that_grows_past_the_limit_while_read_is_cut_off(tmp_path, monkeypatch):
    from designer.core import serialize

    path = tmp_path / "big.json"
    path.write_text(dumps(mlp()))
    monkeypatch.setattr(serialize, "MAX_FILE_BYTES", 100)  # stat says small, reading says more
    with pytest.raises(DesignFileError, match="at most"):
        load(path)


# --------------------------------------------------------------------------- training bounds
@pytest.mark.parametrize("flag, value, message", [
    ("--seed", str(2**70), "seed must be a whole number from 0 to 4,294,967,295"),
    ("--threads", "100000", "threads must be 0 (auto) to 256"),
    ("--epochs", "10000000", "epochs must be 1 to 1,000,000"),
    ("--batch-size", "0", "batch_size must be 1 to 1,048,576"),
])
def test_training_settings_out_of_bounds_state_the_limit(tmp_path, capsys, flag, value, message):
    design = tmp_path / "toy.json"
    save(mlp(), design)
    assert main(["train", str(design), "--dataset", "gaussians", flag, value]) == 1
    err = capsys.readouterr().err
    assert message in err and "unexpected" not in err


def test_an_export_seed_out_of_bounds_states_the_limit(tmp_path, capsys):
    out = tmp_path / "w.pt"
    assert main(["export", "lenet5", "-f", "weights", "--seed", str(2**70), "-o", str(out)]) == 1
    assert "--seed must be a whole number from 0 to 4,294,967,295" in capsys.readouterr().err
    assert not out.exists()


def test_the_same_bounds_hold_for_a_design_s_own_settings(tmp_path, capsys):
    graph = mlp()
    graph.training = {"threads": 100_000, "data": {"name": "gaussians"}}
    design = tmp_path / "toy.json"
    save(graph, design)
    assert main(["train", str(design)]) == 1
    assert "threads must be 0 (auto) to 256" in capsys.readouterr().err


# --------------------------------------------------------------------------- memory
def test_memory_checks_say_how_much_is_needed_and_free():
    with pytest.raises(NotEnoughMemory, match=r"needs about 8.0 GB of memory, and 1.0 GB is free"):
        check_fits(8 * 2**30, "exporting", free=2**30)
    check_fits(10, "tiny", free=2**30)
    check_fits(10**15, "unknown free memory is not a refusal", free=0)
    assert size_text(9.2 * 2**40) == "9.2 TB"


def test_an_export_or_figure_too_big_for_memory_is_refused_before_allocating(tmp_path, capsys,
                                                                            monkeypatch):
    b = DesignBuilder("huge")
    x = b.input([46000])
    x = b.linear(x, 46000, id="fc")  # 2.1 billion weights
    b.output(x)
    huge = b.build()
    with pytest.raises(NotEnoughMemory, match="2,116,046,000 weights"):
        check_export_memory(huge, "weights", free=4 * 2**30)
    check_export_memory(huge, "python", free=1)  # writes no weights
    b = DesignBuilder("wide input")
    x = b.input([1, 40000, 40000])
    x = b.conv2d(x, 8, 3, padding=1, id="conv")
    b.output(b.flatten(x))
    with pytest.raises(NotEnoughMemory, match="activations figure"):
        check_figure_memory(b.build(), "activations", free=16 * 2**30)
    design = tmp_path / "huge.json"
    save(huge, design)
    monkeypatch.setattr("designer.core.memory_check.available_ram", lambda: 4 * 2**30)
    out = tmp_path / "w.safetensors"
    assert main(["export", str(design), "-f", "safetensors", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "needs about 23.6 GB of memory, and 4.0 GB is free" in err and not out.exists()


# --------------------------------------------------------------------------- checkpoints
def _train(tmp_path, *extra):
    design = tmp_path / "toy.json"
    if not design.exists():
        save(mlp(), design)
    return main(["train", str(design), "--dataset", "gaussians", "--data-option", "samples=120",
                 "--batch-size", "32", "--device", "cpu", "--json", "-q", *extra])


def test_a_checkpoint_with_zeroed_bytes_is_not_resumed(tmp_path, capsys):
    folder = tmp_path / "ck"
    assert _train(tmp_path, "--epochs", "2", "--checkpoint-dir", str(folder)) == 0
    last = folder / "last.pt"
    weight = torch.load(last, weights_only=True)["model"]["fc1.weight"]
    raw = bytearray(last.read_bytes())
    at = bytes(raw).find(weight.numpy().tobytes()[:64])
    assert at > 0
    raw[at:at + 64] = bytes(64)
    last.write_bytes(bytes(raw))
    capsys.readouterr()
    assert _train(tmp_path, "--resume", str(last), "--epochs", "3") == 1
    err = capsys.readouterr().err
    assert "is damaged" in err and "checksum" in err
    out = tmp_path / "w.pt"
    assert main(["export", str(tmp_path / "toy.json"), "-f", "weights", "--checkpoint", str(last),
                 "-o", str(out)]) == 1
    assert "is damaged" in capsys.readouterr().err and not out.exists()


def test_resume_honours_epochs(tmp_path, capsys):
    folder = tmp_path / "ck"
    assert _train(tmp_path, "--epochs", "2", "--checkpoint-dir", str(folder)) == 0
    capsys.readouterr()
    assert _train(tmp_path, "--resume", str(folder / "last.pt"), "--epochs", "4",
                  "--lr", "0.5") == 0
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert [h["epoch"] for h in report["history"]] == [3, 4]
    assert "ignored: " in out.err and "--lr" in out.err
    assert _train(tmp_path, "--resume", str(folder / "last.pt"), "--epochs", "3") == 1
    assert "already trained 4 epoch(s)" in capsys.readouterr().err


def test_one_class_in_the_training_split_is_refused():
    from types import SimpleNamespace

    from designer.training.data_checks import one_class_problem

    def bundle(classes, labels, task="classification"):
        return SimpleNamespace(task=task, classes=classes, train_y=torch.tensor(labels),
                               info=SimpleNamespace(name="csv"))

    assert "only one class ('a')" in one_class_problem(bundle(("a",), [0, 0]))
    assert "all of one class ('b')" in one_class_problem(bundle(("a", "b"), [1, 1, 1]))
    assert one_class_problem(bundle(("a", "b"), [0, 1])) == ""
    assert one_class_problem(bundle((), [0.5, 0.7], "regression")) == ""


def test_deep_parameters_from_code_or_the_clipboard_do_not_break_analysis():
    from designer.analysis import analyze
    from designer.core import clipboard

    graph = load(find("lenet5"))
    graph.nodes["conv1"].params["kernel_size"] = json.loads("[" * 500 + "5" + "]" * 500)
    analysis = analyze(graph)  # built in code (no reader in between): refused as a bad value
    assert not analysis.valid and "kernel_size must be one number or a pair" in str(analysis.errors[0])
    payload = clipboard.copy_nodes(load(find("lenet5")), ["conv1"])
    payload["nodes"][0]["params"]["kernel_size"] = json.loads("[" * 100 + "5" + "]" * 100)
    with pytest.raises(ValueError, match="nest more than 32 levels"):
        clipboard.loads(clipboard.dumps(payload))
    with pytest.raises(ValueError, match="does not hold copied layers"):
        clipboard.loads('{"a":' * 100_000 + "1" + "}" * 100_000)
