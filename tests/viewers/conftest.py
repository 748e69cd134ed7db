"""Shared fixtures of the viewer tests: small compiled designs and the digits data."""

import pytest

from designer.core.serialize import load
from designer.zoo import find


@pytest.fixture(scope="session")
def digits_bundle():
    from designer.training import DataConfig
    from designer.training.data import load_dataset

    return load_dataset(DataConfig("digits"), (1, 8, 8), seed=0)


@pytest.fixture
def lenet():
    from designer.compiler import compile_design

    return compile_design(load(find("lenet5")))


@pytest.fixture
def digits_cnn():
    from designer.compiler import compile_design

    return compile_design(load(find("digits_cnn")))


@pytest.fixture(scope="session")
def trained_checkpoint(tmp_path_factory):
    """digits_cnn after one quick epoch on digits, saved as last.pt (a real checkpoint)."""
    from designer.training import DataConfig, Finished, TrainingConfig, train

    folder = tmp_path_factory.mktemp("run")
    config = TrainingConfig(data=DataConfig("digits", {"limit": 320}), epochs=2, batch_size=32, device="cpu",
                            seed=0)
    events = list(train(load(find("digits_cnn")), config, checkpoint_dir=folder))
    assert isinstance(events[-1], Finished), events[-1]
    return folder / "last.pt"
