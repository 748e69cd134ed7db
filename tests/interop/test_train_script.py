"""The exported training script runs without Designer: one process on the CPU, and two
processes under torchrun with Gloo whose final weights agree exactly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from designer.cli import load_design, main
from designer.compiler.train_script import TrainScriptError, training_script
from designer.compiler.weights import design_weights
from designer.core.graph import Graph
from designer.training.config import TrainingConfig

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "error::DeprecationWarning"}


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    folder = tmp_path_factory.mktemp("script")
    path = folder / "train.py"
    assert main(["export", "digits_cnn", "-f", "train-script", "-o", str(path)]) == 0
    return path


def _run(args, cwd, timeout=240):
    return subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout)


def test_script_is_standalone(script):
    source = script.read_text()
    assert "import designer" not in source and "from designer" not in source
    assert "class DigitsCNN(nn.Module)" in source and "DistributedDataParallel" in source
    compile(source, str(script), "exec")


def test_one_process_trains_one_epoch(script):
    done = _run([sys.executable, script.name, "--epochs", "1", "--checkpoint", "one.pt"], script.parent)
    assert done.returncode == 0, done.stderr
    assert "epoch 1/1" in done.stdout and "1 process(es) on cpu" in done.stdout
    graph = load_design("digits_cnn")
    trained = design_weights(graph, script.parent / "one.pt")  # loads back into the design
    assert not torch.equal(trained.fc2.weight, design_weights(graph, seed=0).fc2.weight)


def test_two_processes_under_torchrun_agree(script):
    done = _run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                 script.name, "--epochs", "1", "--checkpoint", "two.pt"], script.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "2 process(es) on cpu (gloo)" in out
    assert out.count("epoch 1/1") == 1  # rank 0 alone logs
    assert "the 2 processes agree on the final weights (largest difference 0)" in out
    state = torch.load(script.parent / "two.pt", weights_only=True)
    assert state["epoch"] == 1 and "conv1.weight" in state["model"]


def test_unsupported_settings_are_named():
    graph = load_design("digits_cnn")
    settings = TrainingConfig.from_dict({"data": {"name": "shapes"}}).to_dict()
    with pytest.raises(TrainScriptError, match="this design trains on 'shapes'"):
        training_script(graph, settings)
    bad = Graph.copy(graph)
    bad.set_params("output", {"loss": "none"})
    with pytest.raises(TrainScriptError, match="no loss"):
        training_script(bad, TrainingConfig().to_dict())


def test_script_honours_freezing(tmp_path):
    """A frozen layer of the design keeps its initial weights in the script's training."""
    import importlib.util

    from designer.core.serialize import save

    graph = load_design("digits_cnn")
    graph.training = {"freeze": ["conv1", "conv2"], "lr_multipliers": {"fc1": 0.5}}
    design = tmp_path / "frozen.json"
    save(graph, design)
    path = tmp_path / "train_frozen.py"
    assert main(["export", str(design), "-f", "train-script", "-o", str(path)]) == 0
    source = path.read_text()
    assert "'frozen_layers': ['conv1', 'conv2']" in source and "'layer_lr_multipliers': {'fc1': 0.5}" in source
    done = _run([sys.executable, path.name, "--epochs", "1", "--checkpoint", "f.pt"], tmp_path)
    assert done.returncode == 0, done.stderr
    spec = importlib.util.spec_from_file_location("train_frozen", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    trained = torch.load(tmp_path / "f.pt", weights_only=False)["model"]
    torch.manual_seed(module.CONFIG["seed"])
    module.prepare_data(module.CONFIG, None)  # the script draws its split before building
    initial = module.build().state_dict()
    assert torch.equal(trained["conv1.weight"], initial["conv1.weight"])
    assert not torch.equal(trained["fc2.weight"], initial["fc2.weight"])


def _script_module(tmp_path, training: dict):
    import importlib.util

    from designer.core.serialize import save

    graph = load_design("digits_cnn")
    graph.training = training
    design = tmp_path / "fast.json"
    save(graph, design)
    path = tmp_path / "train_fast.py"
    assert main(["export", str(design), "-f", "train-script", "-o", str(path)]) == 0
    spec = importlib.util.spec_from_file_location("train_fast", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return path.read_text(), module


@pytest.mark.slow
def test_script_honours_the_speed_settings(tmp_path, monkeypatch, capsys):
    """compile, channels-last and bf16 reach the script's CONFIG and its loop (compiled with
    aot_eager here: inductor would take a minute on this CPU)."""
    real = torch.compile
    monkeypatch.setattr(torch, "compile", lambda net, **kw: real(net, backend="aot_eager", dynamic=False))
    source, module = _script_module(tmp_path, {"compile": "on", "channels_last": True,
                                               "precision": "bf16", "epochs": 1, "data": {
                                                   "name": "digits", "options": {"limit": 200}}})
    assert "'compile': 'on'" in source and "'channels_last': True" in source
    assert "'precision': 'bf16'" in source and "def train_step(" in source
    assert module.main(module.build, module.CONFIG, ["--checkpoint", "", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "bfloat16 autocast, torch.compile, channels-last" in out and "epoch 1/1" in out
    assert "could not compile" not in out
    with pytest.raises(SystemExit, match="records CUDA graphs, which need a CUDA GPU"):
        module.main(module.build, module.CONFIG, ["--compile", "reduce-overhead", "--device", "cpu"])


def test_script_trains_on_when_compiling_fails(tmp_path, monkeypatch, capsys):
    def broken(x):
        raise RuntimeError("no C++ compiler\nmore")

    monkeypatch.setattr(torch, "compile", lambda net, **kw: broken)
    _, module = _script_module(tmp_path, {"compile": "on", "epochs": 1, "data": {"name": "digits",
                                                                             "options": {"limit": 200}}})
    assert module.main(module.build, module.CONFIG, ["--checkpoint", "", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert ("warning: torch.compile could not compile this design (RuntimeError: no C++ "
            "compiler); training goes on without it") in out and "epoch 1/1" in out
