"""The per-node transfer-learning settings (core.trainable) and the trainable/frozen
parameter split (analysis.trainable), as tables: settings in, settings or counts out."""

from __future__ import annotations

import pytest

from designer.analysis import analyze
from designer.analysis.trainable import param_split, split_text
from designer.core.builder import DesignBuilder
from designer.core.graph import Group
from designer.core.trainable import frozen_nodes, multiplier_of, with_multiplier, with_trainable


def _net():
    """input[4] → fc1(8) → relu → fc2(8) → head(2): 40 + 72 + 18 = 130 parameters."""
    b = DesignBuilder("net")
    x = b.input([4])
    x = b.linear(x, 8, id="fc1")
    x = b.relu(x, id="relu")
    x = b.linear(x, 8, id="fc2")
    x = b.linear(x, 2, id="head")
    b.output(x)
    graph = b.build()
    graph.set_groups({"body": Group("body", "body", ["fc1", "relu"], "block"),
                      "inner": Group("inner", "inner", ["fc2"], "block", parent="body")})
    return graph


@pytest.mark.parametrize("freeze, frozen", [
    ([], set()),
    (["fc1"], {"fc1"}),
    (["body"], {"fc1", "relu", "fc2"}),
    (["inner", "head"], {"fc2", "head"}),
    (["gone", "fc1"], {"fc1"}),  # a deleted node's id is ignored
])
def test_frozen_nodes(freeze, frozen):
    assert frozen_nodes(_net(), {"freeze": freeze}) == frozen


@pytest.mark.parametrize("factors, node, factor", [
    ({}, "fc1", 1.0),
    ({"fc1": 0.1}, "fc1", 0.1),
    ({"body": 0.1}, "fc2", 0.1),
    ({"body": 0.1, "fc2": 0.5}, "fc2", 0.5),  # the later entry wins
    ({"fc2": 0.5, "body": 0.1}, "fc2", 0.1),
    ({"body": 0.1}, "head", 1.0),
])
def test_multiplier_of(factors, node, factor):
    assert multiplier_of(_net(), node, {"lr_multipliers": factors}) == factor


@pytest.mark.parametrize("freeze, ids, group, trainable, after", [
    ([], ["fc1"], None, False, ["fc1"]),
    (["fc1"], ["fc1"], None, False, ["fc1"]),  # already frozen: unchanged
    (["fc1"], ["fc1"], None, True, None),  # the key goes when nothing is frozen
    (["body"], ["fc1"], None, True, ["relu", "fc2"]),  # a frozen group gives up one node
    (["body", "head"], ["fc2"], None, True, ["fc1", "relu", "head"]),
    (["fc1", "fc2"], [], "body", False, ["body"]),  # the group's id replaces its nodes
    (["body", "head"], [], "body", True, ["head"]),
    (["inner"], [], "body", True, None),  # a group inside goes with it
    (["body"], [], "inner", True, ["fc1", "relu"]),
])
def test_with_trainable(freeze, ids, group, trainable, after):
    graph = _net()
    settings = {"freeze": freeze, "epochs": 3} if freeze else {"epochs": 3}
    out = with_trainable(graph, settings, ids, trainable, group)
    assert out.get("freeze") == after
    assert out["epochs"] == 3
    assert settings.get("freeze", []) == freeze  # the given settings are not mutated


@pytest.mark.parametrize("factors, ids, group, factor, after", [
    ({}, ["fc1"], None, 0.1, {"fc1": 0.1}),
    ({"fc1": 0.1}, ["fc1"], None, 1.0, None),
    ({"body": 0.1}, ["fc1"], None, 0.1, {"body": 0.1}),  # the group's already says so
    ({"body": 0.1}, ["fc1"], None, 1.0, {"body": 0.1, "fc1": 1.0}),
    ({"fc1": 0.5, "fc2": 2.0, "head": 3.0}, [], "body", 0.1, {"head": 3.0, "body": 0.1}),
    ({"body": 0.1}, [], "body", 1.0, None),
])
def test_with_multiplier(factors, ids, group, factor, after):
    out = with_multiplier(_net(), {"lr_multipliers": factors}, ids, factor, group)
    assert out.get("lr_multipliers") == after


@pytest.mark.parametrize("freeze, trainable, frozen, text", [
    ([], 130, 0, "130 trainable"),
    (["fc1"], 90, 40, "90 trainable · 40 frozen"),
    (["body"], 18, 112, "18 trainable · 112 frozen"),
    (["body", "head"], 0, 130, "0 trainable · 130 frozen"),
    (["relu"], 130, 0, "130 trainable"),  # a layer without parameters freezes nothing
])
def test_param_split(freeze, trainable, frozen, text):
    graph = _net()
    graph.training = {"freeze": freeze}
    split = param_split(graph, analyze(graph))
    assert (split.trainable, split.frozen) == (trainable, frozen)
    assert split_text(split) == text


def test_designer_summary_prints_the_split(tmp_path, capsys):
    from designer.cli import main
    from designer.core.serialize import save

    graph = _net()
    graph.training = {"freeze": ["body"]}
    save(graph, tmp_path / "net.json")
    assert main(["summary", str(tmp_path / "net.json")]) == 0
    assert "Fine-tuning: 18 trainable · 112 frozen" in capsys.readouterr().out


def test_a_renamed_layer_stays_frozen_and_undo_restores_the_name():
    from designer.core.edits import RenameNode

    graph = _net()
    graph.training = {"freeze": ["fc1", "body"], "lr_multipliers": {"fc1": 0.1}, "fresh_layers": ["head"]}
    edit = RenameNode("fc1", "first")
    edit.apply(graph)
    assert graph.training["freeze"] == ["first", "body"] and graph.training["lr_multipliers"] == {"first": 0.1}
    RenameNode("head", "classifier").apply(graph)
    assert graph.training["fresh_layers"] == ["classifier"]
    edit2 = RenameNode("classifier", "head")
    edit2.apply(graph)
    edit.revert(graph)
    assert graph.training == {"freeze": ["fc1", "body"], "lr_multipliers": {"fc1": 0.1}, "fresh_layers": ["head"]}
