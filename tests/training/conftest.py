"""Tiny designs and settings that train in well under a second."""

import pytest

from designer.training.config import DataConfig, TrainingConfig
from training_helpers import mlp, tiny_cnn


@pytest.fixture
def toy_graph():
    return mlp()


@pytest.fixture
def toy_config():
    return TrainingConfig(DataConfig("gaussians", {"samples": 200}), epochs=3, batch_size=32, lr=0.01)


@pytest.fixture
def cnn_graph():
    return tiny_cnn()


@pytest.fixture
def cnn_config():
    """Shapes at 8×8 with augmentation and dropout, so every random draw matters."""
    return TrainingConfig(DataConfig("shapes", {"samples": 120, "size": 8}), epochs=3, batch_size=16,
                          lr=0.01, augment=_augment())


def _augment():
    from designer.training.augment import AugmentStep

    return (AugmentStep("hflip"), AugmentStep("noise", {"sigma": 0.05}))
