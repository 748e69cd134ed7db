"""The learning-rate range test and its suggestion."""

import math

import numpy as np
import pytest

from designer.training.config import DataConfig, TrainingConfig
from designer.training.control import Control
from designer.training.lr_finder import LRRangeError, lr_range_test, suggest

from training_helpers import mlp


def test_suggestion_is_the_steepest_descent_before_the_minimum():
    lrs = np.logspace(-6, 0, 61)
    x = np.log10(lrs)
    losses = 2.0 - 1.5 / (1 + np.exp(-4 * (x + 3)))  # steepest at lr = 1e-3
    losses[x > -1] += 10 * (x[x > -1] + 1)  # then it blows up
    assert suggest(lrs, losses) == pytest.approx(1e-3, rel=0.3)
    assert math.isnan(suggest(lrs[:3], losses[:3]))


def test_range_test_rises_exponentially_and_suggests_a_rate():
    cfg = TrainingConfig(DataConfig("gaussians", {"samples": 400}), batch_size=16, optimizer="sgd")
    result = lr_range_test(mlp(), cfg, start_lr=1e-4, end_lr=100, steps=60)
    ratios = result.lrs[1:] / result.lrs[:-1]
    assert np.allclose(ratios, ratios[0]) and ratios[0] > 1
    assert len(result.lrs) == len(result.losses) <= 60
    assert 1e-4 <= result.suggested_lr <= 100


def test_range_test_stops_when_asked_and_checks_its_arguments():
    control = Control()
    control.stop()
    cfg = TrainingConfig(DataConfig("gaussians", {"samples": 100}), batch_size=16)
    with pytest.raises(LRRangeError, match="only 0 steps"):
        lr_range_test(mlp(), cfg, control=control)
    with pytest.raises(LRRangeError, match="must be below"):
        lr_range_test(mlp(), cfg, start_lr=1.0, end_lr=0.1)
    with pytest.raises(LRRangeError, match="10 outputs"):
        lr_range_test(mlp(classes=10), cfg)
