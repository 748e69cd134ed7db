"""The training config round-trips to the dict kept in a design file's training section."""

import pytest

import designer.training as training
from designer.core.serialize import dumps, loads
from designer.training.augment import AugmentStep
from designer.training.config import ConfigError, DataConfig, TrainingConfig
from designer.training.schedules import Schedule

from training_helpers import mlp


def _custom():
    return TrainingConfig(
        DataConfig("shapes", {"size": 16, "channels": 3}, "split", 0.25, True), epochs=7,
        batch_size=32, optimizer="nesterov", lr=0.05, weight_decay=1e-4, momentum=0.8,
        betas=(0.8, 0.99), schedule=Schedule("cosine", warmup_epochs=1, min_lr=1e-4),
        label_smoothing=0.1, augment=(AugmentStep("hflip"), AugmentStep("rotation", {"degrees": 5})),
        seed=3, device="cpu", precision="fp32", patience=2, min_delta=0.01)


def test_round_trip_through_a_dict_and_a_design_file():
    cfg = _custom()
    assert TrainingConfig.from_dict(cfg.to_dict()) == cfg
    assert TrainingConfig.from_dict(TrainingConfig().to_dict()) == TrainingConfig()
    graph = mlp()
    graph.training = cfg.to_dict()
    again = loads(dumps(graph))
    assert TrainingConfig.from_dict(again.training) == cfg


def test_missing_keys_take_defaults_and_json_numbers_are_accepted():
    cfg = TrainingConfig.from_dict({"epochs": 5.0, "data": {"name": "spiral"}})
    assert cfg.epochs == 5 and cfg.data.name == "spiral" and cfg.batch_size == 64
    assert TrainingConfig.from_dict(None) == TrainingConfig()


@pytest.mark.parametrize("data, message", [
    ({"epochs": 0}, "epochs must be 1 to 1,000,000"),
    ({"optimizer": "lion"}, "optimizer must be one of sgd"),
    ({"lr": -1}, "lr must be more than 0"),
    ({"betas": [0.9]}, "betas must be two numbers"),
    ({"learning_rate": 0.1}, "unknown key 'learning_rate'"),
    ({"data": {"name": "digits", "fraction": 0.1}}, "unknown key 'fraction' in data"),
    ({"data": {"val_fraction": 1.5}}, "val_fraction must be between 0 and 1"),
    ({"schedule": {"name": "linear"}}, "unknown schedule 'linear'"),
    ({"augment": [{"name": "spin"}]}, "unknown augmentation 'spin'"),
    ({"device": "tpu"}, "device must be one of auto"),
])
def test_bad_settings_say_what_is_wrong(data, message):
    with pytest.raises(ConfigError, match=message):
        TrainingConfig.from_dict(data)


def test_public_names_load_lazily():
    for name in training.__all__:
        assert getattr(training, name) is not None
    with pytest.raises(AttributeError):
        training.nothing_here
