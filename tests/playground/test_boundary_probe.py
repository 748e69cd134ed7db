"""The Playground's probe on the training thread, and the presets' classic effects."""

import numpy as np
import pytest

from designer.analysis import analyze
from designer.core.builder import DesignBuilder
from designer.playground.presets import PRESETS
from designer.playground.units import unit_layers
from designer.training import train
from designer.training.boundary import BoundaryProbe
from designer.training.boundary_events import BoundaryMaps, PlaygroundPoints
from designer.training.config import DataConfig, TrainingConfig
from designer.training.events import EpochMetrics, Finished


def _run(graph, probes=(), **changes):
    config = TrainingConfig.from_dict(graph.training).updated(**changes)
    return list(train(graph, config, probes=list(probes)))


def test_probe_sends_the_points_then_maps_of_every_unit():
    graph = PRESETS["circle-4-relu"].graph()
    watch = [(u.node_id, u.title) for u in unit_layers(graph, analyze(graph))]
    probe = BoundaryProbe(watch, resolution=16, interval_s=0.0, fraction=1.0)
    events = _run(graph, [probe], epochs=2)
    points = [e for e in events if isinstance(e, PlaygroundPoints)]
    maps = [e for e in events if isinstance(e, BoundaryMaps)]
    assert len(points) == 1 and len(points[0].train_x) == 250 and len(points[0].test_x) == 250
    assert maps and maps[-1].output.shape == (16, 16)
    assert 0.0 <= maps[-1].output.min() and maps[-1].output.max() <= 1.0
    inputs, hidden = maps[-1].layers
    assert inputs.title == "inputs" and inputs.maps.shape == (2, 16, 16)
    assert inputs.maps[0, 0, 0] < inputs.maps[0, 0, -1]  # x₁ grows to the right
    assert hidden.node_id == "act1" and hidden.maps.shape == (4, 16, 16)
    assert (hidden.maps >= 0).all()  # ReLU outputs
    assert np.isfinite(maps[-1].train_loss) and np.isfinite(maps[-1].test_loss)
    assert isinstance(events[-1], Finished)


def test_probe_stays_silent_for_images():
    b = DesignBuilder("tiny CNN")
    x = b.flatten(b.relu(b.conv2d(b.input([1, 8, 8]), 2, 3)))
    b.output(b.linear(x, 6))
    config = TrainingConfig(DataConfig("shapes", {"samples": 60, "size": 8}), epochs=1)
    events = list(train(b.build(), config, probes=[BoundaryProbe()]))
    assert isinstance(events[-1], Finished)
    assert not any(isinstance(e, (BoundaryMaps, PlaygroundPoints)) for e in events)


def test_probe_keeps_to_its_budget():
    graph = PRESETS["spiral-deep"].graph()
    probe = BoundaryProbe([(u.node_id, u.title) for u in unit_layers(graph, analyze(graph))])
    events = _run(graph, [probe], epochs=10)
    train_s = next(e for e in events if isinstance(e, Finished)).train_time_s
    assert probe.spent_s <= 0.05 * train_s + max(e.cost_s for e in events if isinstance(e, BoundaryMaps))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_shows_its_effect(name):
    preset = PRESETS[name]
    events = _run(preset.graph())
    final = [e for e in events if isinstance(e, EpochMetrics)][-1]
    side, bar = preset.expect
    if side == "above":
        assert final.val_accuracy >= bar, (name, final.val_accuracy)
    else:
        assert final.val_accuracy < bar, (name, final.val_accuracy)


def test_l1_keeps_the_reported_loss_the_data_loss_and_shrinks_weights():
    from designer.playground.presets import mlp, training

    graph = mlp("l1", (8,))
    graph.training = training("gaussians", 3)
    plain = _run(graph)
    sparse = _run(graph, l1=0.05)
    assert isinstance(sparse[-1], Finished)
    last = [e for e in sparse if isinstance(e, EpochMetrics)][-1]
    assert last.train_loss < 1.0  # the data loss alone, not data loss + penalty
    assert [e for e in plain if isinstance(e, EpochMetrics)][-1] != last


def test_input_features_compile_and_export_standalone_with_the_same_outputs():
    import torch

    from designer.compiler import compile_design
    from designer.compiler.export import python_source
    from designer.playground.presets import mlp

    graph = mlp("features", (4,), features={"x1_squared": True, "x1_x2": True, "sin_x2": True,
                                            "frequency": 2.0})
    model = compile_design(graph)
    source = python_source(graph)
    assert "class InputFeatures(nn.Module):" in source and "designer" not in source.split('"""', 2)[2]
    namespace: dict = {}
    exec(compile(source.replace('if __name__ == "__main__":', "if False:"), "<export>", "exec"), namespace)
    exported = namespace["build"]()
    exported.load_state_dict(model.state_dict())
    x = torch.randn(7, 2)
    expected = torch.cat([x, x[:, :1] ** 2, x[:, :1] * x[:, 1:], torch.sin(2.0 * x[:, 1:])], 1)
    assert torch.allclose(model.features(x), expected)
    assert torch.allclose(model(x), exported(x))


def test_a_map_that_fails_never_stops_the_run(monkeypatch):
    graph = PRESETS["circle-4-relu"].graph()
    probe = BoundaryProbe(interval_s=0.0, fraction=1.0)

    def broken(ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(probe, "maps", broken)
    events = _run(graph, [probe], epochs=2)
    assert isinstance(events[-1], Finished)
    assert any(getattr(e, "level", "") == "warning" and "boom" in e.text for e in events)
    assert probe.disabled
