"""Speed settings of a run: precision, channels-last and torch.compile (CPU; the CUDA side is
in bench/gpu_check.sh). Compiling uses the "eager"/"aot_eager" backends: they trace like
inductor but generate no code, so they take a second, not a minute."""

import json
import math

import pytest
import torch

from designer.training import speedups
from designer.training.checkpoint import LAST, load_checkpoint
from designer.training.config import ConfigError, DataConfig, TrainingConfig
from designer.training.events import EpochMetrics, Failed, Finished, Note, RunStarted
from designer.training.loop import train

from training_helpers import tiny_cnn


@pytest.fixture
def cnn():
    return tiny_cnn(dropout=False)


@pytest.fixture
def base():
    # 120 shapes, 96 for training: 6 full batches of 16, so dropping a partial batch (compiled
    # steps) changes nothing and the eager and compiled runs see the same samples.
    return TrainingConfig(DataConfig("shapes", {"samples": 120, "size": 8}), epochs=2,
                          batch_size=16, lr=0.01, device="cpu", threads=1)


def _run(graph, config, tmp_path=None):
    events = list(train(graph, config, checkpoint_dir=tmp_path, report_interval_s=0))
    assert isinstance(events[-1], Finished), getattr(events[-1], "message", events[-1])
    return events


def _notes(events):
    return [e.text for e in events if isinstance(e, Note)]


# --------------------------------------------------------------------------- the settings
def test_speed_settings_round_trip_through_json():
    cfg = TrainingConfig(precision="bf16", compile="reduce-overhead", channels_last=True)
    back = TrainingConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert back == cfg
    assert (back.precision, back.compile, back.channels_last) == ("bf16", "reduce-overhead", True)
    assert TrainingConfig().to_dict()["compile"] == "off"  # off unless asked for


@pytest.mark.parametrize("old, precision", [(True, "auto"), (False, "fp32")])
def test_older_files_mixed_precision_becomes_precision(old, precision):
    cfg = TrainingConfig.from_dict({"mixed_precision": old})
    assert cfg.precision == precision and cfg.mixed_precision is old
    assert "mixed_precision" not in cfg.to_dict()
    both = TrainingConfig.from_dict({"mixed_precision": False, "precision": "bf16"})
    assert both.precision == "bf16"  # the newer key wins


@pytest.mark.parametrize("data, message", [
    ({"precision": "fp16"}, "precision must be one of auto, fp32, bf16, got 'fp16'"),
    ({"compile": True}, "compile must be one of off, on, reduce-overhead, got True"),
    ({"compile": "max-autotune"}, "compile must be one of off, on, reduce-overhead"),
    ({"channels_last": "yes"}, "channels_last must be true or false, got 'yes'"),
    ({"mixed_precision": "on"}, "mixed_precision must be true or false"),
])
def test_bad_speed_settings_say_what_is_accepted(data, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        TrainingConfig.from_dict(data)


def test_command_line_flags_set_them():
    import argparse

    from designer.training.cli import add_arguments, build_config
    from training_helpers import mlp

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["x.json", "--compile", "on", "--channels-last", "--precision", "bf16"])
    cfg = build_config(mlp(), args)
    assert (cfg.compile, cfg.channels_last, cfg.precision) == ("on", True, "bf16")
    assert build_config(mlp(), parser.parse_args(["x.json", "--no-amp"])).precision == "fp32"


# --------------------------------------------------------------------------- compiled steps
@pytest.mark.slow
def test_compiled_steps_match_eager_ones(cnn, base, tmp_path, monkeypatch):
    """aot_eager traces forward and backward as inductor does (dynamo, then AOTAutograd); the
    compiled run is on another thread, as in the window's training worker."""
    import threading

    monkeypatch.setattr(speedups, "COMPILE_BACKEND", "aot_eager")
    eager = _run(cnn, base, tmp_path / "eager")
    result = []
    worker = threading.Thread(target=lambda: result.append(
        _run(cnn, base.updated(compile="on"), tmp_path / "compiled")))
    worker.start()
    worker.join(timeout=120)
    (compiled,) = result
    notes = _notes(compiled)
    assert any("the training step compiled in" in n for n in notes)
    assert not any("could not compile" in n for n in notes)
    losses = [[e.train_loss for e in events if isinstance(e, EpochMetrics)]
              for events in (eager, compiled)]
    assert losses[1] == pytest.approx(losses[0], abs=1e-6)
    a = load_checkpoint(tmp_path / "eager" / LAST)["model"]
    b = load_checkpoint(tmp_path / "compiled" / LAST)["model"]
    assert a.keys() == b.keys()  # the plain model's names: no "_orig_mod." from the wrapper
    for key in a:
        assert torch.allclose(a[key], b[key], rtol=0, atol=1e-6), key


def _raising_compile(*args, **kwargs):
    def forward(x):
        raise RuntimeError("inductor: no working C++ compiler found\n(long traceback follows)")
    return forward


def test_a_step_that_fails_to_compile_goes_on_eagerly(cnn, base, monkeypatch, tmp_path):
    monkeypatch.setattr(torch, "compile", _raising_compile)
    eager = _run(cnn, base, tmp_path / "eager")
    events = _run(cnn, base.updated(compile="on"), tmp_path / "fallback")
    warnings = [e for e in events if isinstance(e, Note) and e.level == "warning"]
    assert any("torch.compile could not compile this design (RuntimeError: inductor: no working "
               "C++ compiler found); training goes on without it" in w.text for w in warnings)
    # the failed step was redone from the same weights: the run equals the eager one
    a = load_checkpoint(tmp_path / "eager" / LAST)["model"]
    b = load_checkpoint(tmp_path / "fallback" / LAST)["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_torch_compile_refusing_the_model_is_reported_before_the_first_step(cnn, base, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("Dynamo is not supported on this Python")

    monkeypatch.setattr(torch, "compile", refuse)
    events = _run(cnn, base.updated(compile="on", epochs=1))
    started = next(i for i, e in enumerate(events) if isinstance(e, RunStarted))
    assert any("could not compile this design (RuntimeError: Dynamo is not supported" in n.text
               for n in events[:started] if isinstance(n, Note))


def test_a_fault_of_the_design_still_fails_the_run(cnn, base, monkeypatch):
    """The eager retry raises what the design itself raises: no silent fallback note."""
    def broken(*args, **kwargs):
        raise RuntimeError("compile broke")

    monkeypatch.setattr(torch, "compile", lambda model, **kw: broken)
    monkeypatch.setattr(type(torch.nn.Conv2d(1, 1, 1)), "forward",
                        lambda self, x: (_ for _ in ()).throw(ValueError("bad layer")))
    events = list(train(cnn, base.updated(compile="on", epochs=1)))
    assert isinstance(events[-1], Failed) and "ValueError: bad layer" in events[-1].message
    assert not any("could not compile" in n for n in _notes(events))


@pytest.mark.slow
def test_compiled_runs_drop_the_last_partial_batch(cnn, base, monkeypatch):
    monkeypatch.setattr(speedups, "COMPILE_BACKEND", "eager")
    cfg = base.updated(compile="on", batch_size=20, epochs=1)  # 96 = 4 × 20 + 16
    events = _run(cnn, cfg)
    assert next(e for e in events if isinstance(e, RunStarted)).steps_per_epoch == 4
    assert any("leaves out its last 16 samples" in n for n in _notes(events))
    eager = _run(cnn, cfg.updated(compile="off"))
    assert next(e for e in eager if isinstance(e, RunStarted)).steps_per_epoch == 5


def test_reduce_overhead_needs_cuda(cnn, base):
    events = list(train(cnn, base.updated(compile="reduce-overhead")))
    assert isinstance(events[-1], Failed) and events[-1].kind == "config"
    assert ("compile 'reduce-overhead' records CUDA graphs, which need a CUDA GPU, and this run "
            "is on cpu: choose compile 'on'") in events[-1].message


# --------------------------------------------------------------------------- memory, precision
def test_channels_last_trains_and_stores_weights_nhwc(cnn, base):
    events = _run(cnn, base.updated(channels_last=True))
    assert any("channels-last" in n for n in _notes(events))
    assert all(math.isfinite(e.train_loss) for e in events if isinstance(e, EpochMetrics))
    model = tiny_cnn(dropout=False)
    from designer.compiler import compile_design

    module = compile_design(model)
    fast = speedups.FastStep(module, channels_last=True)
    conv = next(m for m in module.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert fast.input(torch.zeros(2, 1, 8, 8)).is_contiguous(memory_format=torch.channels_last)
    assert fast.input(torch.zeros(2, 5)).is_contiguous()  # vectors stay as they are


def test_channels_last_is_skipped_for_vector_inputs(base):
    from training_helpers import mlp

    cfg = base.updated(data=DataConfig("gaussians", {"samples": 100}), channels_last=True, epochs=1)
    events = _run(mlp(), cfg)
    assert any("channels-last applies to image inputs" in n for n in _notes(events))


def test_bf16_autocast_on_the_cpu(cnn, base):
    events = _run(cnn, base.updated(precision="bf16"))
    started = next(e for e in events if isinstance(e, RunStarted))
    assert started.mixed_precision
    assert any("bf16 autocast on cpu" in n for n in _notes(events))
    epochs = [e for e in events if isinstance(e, EpochMetrics)]
    assert all(math.isfinite(e.train_loss) and math.isfinite(e.val_loss) for e in epochs)


def test_auto_precision_stays_fp32_on_the_cpu(cnn, base):
    started = next(e for e in _run(cnn, base.updated(epochs=1)) if isinstance(e, RunStarted))
    assert not started.mixed_precision


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (bench/gpu_check.sh)")
def test_speed_settings_on_cuda(cnn, base, monkeypatch):
    monkeypatch.setattr(speedups, "COMPILE_BACKEND", "aot_eager")
    cfg = base.updated(device="cuda", compile="on", channels_last=True, precision="bf16")
    events = _run(cnn, cfg)
    assert next(e for e in events if isinstance(e, RunStarted)).mixed_precision
    assert not any("could not compile" in n for n in _notes(events))
    assert all(math.isfinite(e.train_loss) for e in events if isinstance(e, EpochMetrics))
