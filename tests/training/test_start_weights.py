"""The design's ``weights`` setting (what every run starts from) and the warning when frozen
layers would start from random weights."""

from __future__ import annotations

import pytest
import torch

from designer.core.builder import DesignBuilder
from designer.training import transfer
from designer.training.config import ConfigError, DataConfig, TrainingConfig
from designer.training.session import setup


def _net():
    b = DesignBuilder("start")
    x = b.input([2])
    x = b.linear(x, 16, id="fc1")
    x = b.relu(x, id="relu1")
    x = b.linear(x, 2, id="head")
    b.output(x)
    return b.build()


def _config(**changes):
    base = TrainingConfig(DataConfig("gaussians", {"samples": 64}), epochs=1, batch_size=32,
                          optimizer="sgd", device="cpu")
    return base.updated(**changes)


def _warned(session) -> bool:
    return any(n.text == transfer.RANDOM_FROZEN and n.level == "warning" for n in session.notes)


def test_weights_round_trip_and_are_checked():
    config = _config(weights="/data/r18.pt")
    assert TrainingConfig.from_dict(config.to_dict()).weights == "/data/r18.pt"
    assert TrainingConfig.from_dict({}).weights == ""
    with pytest.raises(ConfigError, match="weights must be a file path"):
        TrainingConfig.from_dict({"weights": 3})


def test_frozen_layers_from_random_weights_are_warned_about():
    assert _warned(setup(_net(), _config(freeze=("fc1",))))
    assert not _warned(setup(_net(), _config()))  # nothing frozen: an ordinary run
    assert not _warned(setup(_net(), _config(freeze=("relu1",))))  # frozen, but nothing to keep


def test_runs_start_from_the_chosen_weights(tmp_path):
    graph = _net()
    donor = setup(graph, _config(seed=5)).model.state_dict()
    file = tmp_path / "pretrained.pt"
    torch.save({k: v.clone() for k, v in donor.items()}, file)
    session = setup(graph, _config(freeze=("fc1",), weights=str(file)))
    assert torch.equal(session.model.state_dict()["fc1.weight"], donor["fc1.weight"])
    assert not _warned(session)
    note = next(n.text for n in session.notes if n.text.startswith("started from the weights in"))
    assert f"{file} (4 tensors loaded, 0 layer(s) left fresh)" in note


def test_replaced_head_is_counted_as_left_fresh(tmp_path):
    graph = _net()
    donor = setup(graph, _config(seed=5)).model.state_dict()
    file = tmp_path / "pretrained.pt"
    torch.save(donor, file)
    session = setup(graph, _config(weights=str(file), fresh_layers=("head",)))
    note = next(n.text for n in session.notes if n.text.startswith("started from the weights in"))
    assert "(2 tensors loaded, 1 layer(s) left fresh)" in note and "freshly initialised: head" in note
