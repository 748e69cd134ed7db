"""Probes: activation capture, hooks, predictions, health and the time budget."""

import math

import numpy as np
import pytest
import torch
import torch.fx as fx

from designer.training import probes as P
from designer.gui.viewers.health_rules import HealthHistory, diagnose


def _oracle(model, x):
    """Every node's output from torch.fx's interpreter: a direct forward, no hooks involved."""
    outputs = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n):
            outputs[n.name] = super().run_node(n)
            return outputs[n.name]

    with torch.no_grad():
        result = Recorder(model.eval()).run(x)
    return outputs, result


def test_activation_capture_matches_a_direct_forward_of_the_compiled_model(lenet):
    x = torch.randn(1, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    captured = P.capture_activations(lenet, x, max_maps=10_000)
    outputs, result = _oracle(lenet, x)
    layers = [n for n in lenet.design_names if n not in ("input", "output")]
    assert list(captured["maps"]) == layers
    for nid in layers:
        expected = outputs[lenet.design_names[nid]][0].numpy()
        assert np.allclose(captured["maps"][nid], expected, atol=1e-6), nid
        assert captured["channels"][nid] == expected.shape[0]
    assert np.allclose(captured["output"], result[0].numpy(), atol=1e-6)
    assert captured["probabilities"].sum() == pytest.approx(1.0, abs=1e-5)


def test_capture_pages_the_maps_of_one_layer(lenet):
    x = torch.randn(1, 1, 32, 32)
    page = P.capture_activations(lenet, x, ["conv2"], max_maps=4, first_map=8)
    full = P.capture_activations(lenet, x, ["conv2"], max_maps=100)
    assert list(page["maps"]) == ["conv2"] and page["channels"]["conv2"] == 16
    assert np.allclose(page["maps"]["conv2"], full["maps"]["conv2"][8:12])


def test_hooks_are_removed_afterwards_even_on_error(lenet):
    def broken(_module, _args, _out):
        raise RuntimeError("boom")

    lenet.fc1.register_forward_hook(broken)
    with pytest.raises(RuntimeError, match="boom"):
        P.capture_activations(lenet, torch.randn(1, 1, 32, 32))
    hooks = {name: len(m._forward_hooks) for name, m in lenet.named_children()}
    assert hooks["fc1"] == 1 and sum(hooks.values()) == 1  # only the test's own hook is left


def test_the_model_mode_is_restored_after_a_probe(lenet):
    lenet.train()
    P.capture_activations(lenet, torch.randn(1, 1, 32, 32))
    assert lenet.training


def test_confusion_matrix_sums_to_the_validation_size(digits_cnn, digits_bundle):
    result = P.run_request(digits_cnn, P.ProbeRequest("predictions"), digits_bundle, digits_bundle.classes)
    assert not result.error
    data = result.data
    n = len(digits_bundle.val_y)
    assert data["confusion"].shape == (10, 10) and data["confusion"].sum() == n
    assert data["confusion"].sum(axis=1).tolist() == np.bincount(digits_bundle.val_y.numpy(), minlength=10).tolist()
    assert len(data["wrong"]) == n - np.trace(data["confusion"])
    assert data["accuracy"] == pytest.approx(np.trace(data["confusion"]) / n)
    assert data["gallery"].shape[0] == min(P.GALLERY, len(data["wrong"]))
    assert (np.diff(data["wrong_conf"]) <= 0).all()  # most confident mistakes first


def test_requests_say_what_is_wrong(lenet, digits_bundle):
    refused = P.run_request(lenet, P.ProbeRequest("filters", {"node_id": "fc1"}))
    assert "no convolution filters" in refused.error
    missing = P.run_request(lenet, P.ProbeRequest("activations", {"sample": 10**6}), digits_bundle)
    assert "does not exist" in missing.error
    no_data = P.run_request(lenet, P.ProbeRequest("predictions"))
    assert "no validation samples" in no_data.error
    with pytest.raises(P.ProbeError, match="unknown probe request"):
        P.ProbeHook().submit(P.ProbeRequest("nonsense"))


def test_an_image_file_is_prepared_like_the_training_data(digits_cnn, digits_bundle):
    image = np.zeros((3, 40, 40), np.float32)
    image[:, 10:30, 18:22] = 1.0  # a grey "1", larger and in colour
    result = P.run_request(digits_cnn, P.ProbeRequest("activations", {"image": image}), digits_bundle)
    assert not result.error and result.data["input"].shape == (1, 8, 8)
    assert result.data["label"] is None and result.data["maps"]["conv1"].shape[1:] == (8, 8)


def test_budget_keeps_the_average_overhead_under_its_fraction(monkeypatch):
    import time

    clock = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: clock[0])
    budget = P.Budget(0.1, burst_s=0.5)
    ran = 0
    for _ in range(1000):
        clock[0] += 0.02  # a 20 ms training step
        budget.start()
        while budget.credit > 0:  # a probe unit of 30 ms whenever there is credit
            clock[0] += 0.03
            budget.spend(0.03)
            ran += 1
        budget.stop()
    assert ran > 0
    assert budget.overhead <= 0.1 + 0.5 / budget.train_s + 0.03 / budget.train_s
    assert budget.unit_s == pytest.approx(0.1 * 0.02)  # a step's share of the credit


def test_chunks_are_sized_to_the_time_target():
    chunker = P.Chunker(lambda: 0.01, first=2, most=256)
    assert chunker.size() == 2
    chunker._per_sample = 0.001  # as if measured: 1 ms per sample
    assert chunker.size() == 10
    chunker._per_sample = 1e-7
    assert chunker.size() == 256
    assert P.Chunker().size() == P.PREDICT_CHUNK  # no target: after training, full chunks


def test_probes_during_a_real_run_check_the_loss_sample_health_and_serve_requests():
    from designer.core.serialize import load
    from designer.training import DataConfig, Finished, TrainingConfig, train
    from designer.zoo import find

    hook = P.ProbeHook(fraction=1.0, health_interval_s=0.0)  # generous: test the plumbing
    request = P.ProbeRequest("filters", {"node_id": "conv1"})
    hook.submit(request)
    config = TrainingConfig(data=DataConfig("digits", {"limit": 320}), epochs=1, batch_size=32, device="cpu")
    events = list(train(load(find("digits_cnn")), config, probes=[hook]))
    assert isinstance(events[-1], Finished)
    checks = [e for e in events if isinstance(e, P.LossCheck)]
    assert len(checks) == 1 and checks[0].expected == pytest.approx(math.log(10)) and checks[0].ok
    health = [e for e in events if isinstance(e, P.HealthSample)]
    assert health and health[0].layers == ("conv1", "conv2", "fc1", "fc2")
    assert health[0].relu_layers == ("relu1", "relu2", "relu3")
    assert np.isfinite(health[0].grad_norm).all() and (health[0].grad_norm > 0).all()
    answers = [e for e in events if isinstance(e, P.ProbeResult) and e.request_id == request.request_id]
    assert len(answers) == 1 and answers[0].step >= 1 and answers[0].data["weight"].shape == (16, 1, 3, 3)


def test_health_warnings_name_the_problem_and_a_fix(digits_cnn, digits_bundle):
    with torch.no_grad():
        digits_cnn.fc1.bias.fill_(-100.0)  # every fc1 unit negative: relu3 dead
        digits_cnn.conv1.weight.mul_(1e-9)  # tiny first layer: its gradient vanishes
    x, y = digits_bundle.finish(digits_bundle.val_x[:64]), digits_bundle.val_y[:64]
    history = HealthHistory()
    history.add(P.health_snapshot(digits_cnn, x, y))
    warnings = diagnose(history, P.LossCheck(9.0, math.log(10), 10))
    text = " ".join(w.problem + " " + w.fix for w in warnings)
    assert "relu3: 100% of the ReLU units" in text and "LeakyReLU" in text
    assert "far above ln(10)" in text and "Normalise the inputs" in text
    assert any(w.layer == "conv1" and "vanishing" in w.problem for w in warnings)
    assert all(p.grad is None for p in digits_cnn.parameters())  # the snapshot leaves no gradients


def test_one_by_one_maps_after_global_pooling_are_kept_whole_as_a_vector():
    from designer.compiler import compile_design
    from designer.core.builder import DesignBuilder

    b = DesignBuilder("gap")
    x = b.input((3, 16, 16))
    x = b.add("Conv2d", x, out_channels=40, kernel_size=3)
    x = b.add("AdaptiveAvgPool2d", x, output_size=1)
    x = b.add("Flatten", x)
    b.output(b.add("Linear", x, out_features=4))
    model = compile_design(b.build())
    captured = P.capture_activations(model, torch.randn(1, 3, 16, 16), max_maps=16)
    shapes = {nid: m.shape for nid, m in captured["maps"].items()}
    assert list(shapes.values()) == [(16, 14, 14), (40, 1, 1), (40,), (4,)]


def test_during_a_run_an_image_file_is_prepared_with_the_runs_normalisation():
    from designer.core.serialize import load
    from designer.training import DataConfig, TrainingConfig, train
    from designer.zoo import find

    hook = P.ProbeHook(fraction=1.0, health=False)
    request = P.ProbeRequest("activations", {"image": np.ones((1, 20, 20), np.float32)})
    hook.submit(request)
    config = TrainingConfig(data=DataConfig("digits", {"limit": 160}), epochs=1, batch_size=32, device="cpu")
    answers = [e for e in train(load(find("digits_cnn")), config, probes=[hook])
               if isinstance(e, P.ProbeResult) and e.request_id == request.request_id]
    assert len(answers) == 1 and not answers[0].error, answers
    assert answers[0].data["input"].shape == (1, 8, 8) and answers[0].step >= 1
