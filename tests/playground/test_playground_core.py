"""The Playground's pure parts (edits, unit columns) and its data: no torch needed."""

import numpy as np
import pytest

from designer.analysis import analyze
from designer.core.serialize import to_dict
from designer.layers.features import FEATURES
from designer.playground import DATASETS
from designer.playground.edits import (PlaygroundEditError, features_node, hidden_activations,
                                       set_activation, set_features)
from designer.playground.presets import PRESETS, mlp
from designer.playground.units import unit_layers
from designer.training.data.synthetic import TOY_SETS, make_toy


def _roundtrip(graph, edit):
    before = to_dict(graph)
    edit.apply(graph)
    after = to_dict(graph)
    edit.revert(graph)
    assert to_dict(graph) == before
    return after


def test_every_playground_dataset_is_a_toy_set():
    assert set(DATASETS) <= set(TOY_SETS)
    x, y = make_toy("moons", 400, noise=0.0, seed=1)
    assert x.shape == (400, 2) and set(np.unique(y)) == {0, 1}
    assert np.abs(x).max() <= 1.01  # centred and scaled like the other toy sets


def test_activation_for_the_whole_design_is_one_undoable_edit():
    graph = mlp("deep", (4, 4, 4), "ReLU")
    edit = set_activation(graph, "Tanh")
    after = _roundtrip(graph, edit)
    types = {n["id"]: n["type"] for n in after["nodes"]}
    assert [types[n] for n in ("act1", "act2", "act3")] == ["Tanh"] * 3
    assert edit.text == "Set activation to Tanh"


def test_activation_refuses_a_design_without_activations_and_unknown_types():
    with pytest.raises(PlaygroundEditError, match="no activation layers"):
        set_activation(mlp("linear", ()), "Tanh")
    with pytest.raises(PlaygroundEditError, match="not offered"):
        set_activation(mlp("one", (4,)), "Softmax")


def test_features_are_added_after_the_input_then_changed_in_place():
    graph = mlp("plain", (4,))
    edit = set_features(graph, {"x1_x2": True})
    after = _roundtrip(graph, edit)
    assert any(n["type"] == "InputFeatures" for n in after["nodes"])
    edit.apply(graph)
    nid = features_node(graph)
    assert analyze(graph).nodes[nid].output_shape == (3,)
    assert analyze(graph).valid
    change = set_features(graph, {"x1": False, "sin_x1": True}, frequency=2.0)
    change.apply(graph)
    assert graph.node(nid).params["frequency"] == 2.0 and analyze(graph).nodes[nid].output_shape == (3,)
    with pytest.raises(PlaygroundEditError, match="at least one"):
        set_features(graph, {name: False for name in FEATURES})
    with pytest.raises(PlaygroundEditError, match="unknown input feature"):
        set_features(graph, {"cos_x1": True})


def test_unit_columns_follow_the_design_input_side_first():
    graph = mlp("net", (6, 3), "Tanh", features={"x1_squared": True})
    columns = unit_layers(graph, analyze(graph))
    assert [(c.node_id, c.units) for c in columns] == [("features", 3), ("act1", 6), ("act2", 3)]
    assert hidden_activations(graph) == ["act1", "act2"]
    plain = mlp("plain", (3,))
    assert [(c.title, c.units) for c in unit_layers(plain, analyze(plain))] == [("inputs", 2), ("hidden 1", 3)]


def test_presets_are_valid_designs_with_their_settings():
    for preset in PRESETS.values():
        graph = preset.graph()
        assert analyze(graph).valid, preset.name
        assert graph.training["data"]["name"] == preset.dataset
