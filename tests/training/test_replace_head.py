"""A replaced head starts fresh while everything else keeps the pretrained weights: from a
state_dict file, from a checkpoint of the run before the head was replaced, and through
``designer train --replace-head``."""

from __future__ import annotations

import pytest
import torch

from designer.core.builder import DesignBuilder
from designer.core.head import replace_head
from designer.training import train
from designer.training.config import DataConfig, TrainingConfig
from designer.training.session import setup


def _net(classes=2):
    b = DesignBuilder("transfer")
    x = b.input([2])
    x = b.linear(x, 16, id="fc1")
    x = b.relu(x, id="relu1")
    x = b.linear(x, classes, id="head")
    b.output(x)
    return b.build()


def _config(**changes):
    base = TrainingConfig(DataConfig("gaussians", {"samples": 120}), epochs=1, batch_size=32, lr=0.05,
                          optimizer="sgd", device="cpu")
    return base.updated(**changes)


def _pretrained(tmp_path):
    torch.manual_seed(1)
    state = setup(_net(), _config()).model.state_dict()
    state = {k: torch.randn_like(v) for k, v in state.items()}
    path = tmp_path / "pretrained.pt"
    torch.save(state, path)
    return path, state


def test_a_replaced_head_of_the_same_shape_still_starts_fresh(tmp_path):
    path, state = _pretrained(tmp_path)
    graph = _net()
    replace_head(graph, 2).apply(graph)  # same width: only the mark tells it to start fresh
    config = TrainingConfig.from_dict(graph.training).updated(
        data=DataConfig("gaussians", {"samples": 120}), device="cpu")
    assert config.fresh_layers == ("head",)
    session = setup(graph, config, continue_from=path)
    model = session.model.state_dict()
    assert torch.equal(model["fc1.weight"], state["fc1.weight"])
    assert not torch.equal(model["head.weight"], state["head.weight"])
    assert any("freshly initialised: head" in n.text for n in session.notes)


def test_a_checkpoint_from_before_the_replacement_keeps_the_backbone(tmp_path):
    list(train(_net(), _config(), checkpoint_dir=tmp_path / "a", report_interval_s=0))
    before = torch.load(tmp_path / "a" / "last.pt", weights_only=False)["model"]
    graph = _net()
    replace_head(graph, 2).apply(graph)
    config = _config(fresh_layers=("head",))
    session = setup(graph, config, continue_from=tmp_path / "a" / "last.pt")
    model = session.model.state_dict()
    assert torch.equal(model["fc1.weight"], before["fc1.weight"])
    assert not torch.equal(model["head.weight"], before["head.weight"])
    # a checkpoint of a run that had the new head already: loaded as it is
    list(train(graph, config, checkpoint_dir=tmp_path / "b", report_interval_s=0))
    after = torch.load(tmp_path / "b" / "last.pt", weights_only=False)["model"]
    again = setup(graph, config, continue_from=tmp_path / "b" / "last.pt").model.state_dict()
    assert torch.equal(again["head.weight"], after["head.weight"])


def test_cli_replace_head_from_the_dataset(tmp_path, capsys):
    from designer.cli import main
    from designer.core.serialize import save

    design = tmp_path / "net.json"
    save(_net(classes=7), design)
    code = main(["train", str(design), "--dataset", "gaussians", "--epochs", "1", "--device", "cpu",
                 "--replace-head", "--freeze", "fc1", "--checkpoint-dir", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "replaced the head: head now gives 2 outputs" in err
    assert torch.load(tmp_path / "run" / "last.pt", weights_only=False)["model"]["head.weight"].shape == (2, 16)


@pytest.mark.parametrize("argv, message", [
    (["--replace-head", "0", "--dataset", "circle"], None),
    (["--replace-head", "-2"], "whole number of classes"),
])
def test_cli_replace_head_refusals(tmp_path, capsys, argv, message):
    from designer.cli import main
    from designer.core.serialize import save

    design = tmp_path / "net.json"
    save(_net(), design)
    code = main(["train", str(design), "--epochs", "1", "--device", "cpu", "--quiet", *argv])
    if message is None:
        assert code == 0
    else:
        assert code == 1 and message in capsys.readouterr().err


def test_a_deleted_frozen_layer_does_not_stop_training():
    session = setup(_net(), _config(freeze=("deleted_layer", "fc1"), lr_multipliers={"gone": 0.1}))
    held = {id(p) for group in session.optimizer.param_groups for p in group["params"]}
    assert held == {id(p) for p in session.model.head.parameters()}
