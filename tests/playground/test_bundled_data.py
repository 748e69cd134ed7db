"""The generated textures set and the designs recommended for the generated sets."""

import numpy as np

from designer.analysis import analyze
from designer.architectures.teaching import shapes_cnn, textures_cnn
from designer.training.config import DataConfig, TrainingConfig
from designer.training.data import describe_dataset, load_dataset
from designer.training.data.textures import TEXTURES, make_textures


def test_textures_are_balanced_seeded_rgb_images_in_unit_range():
    x, y = make_textures(50, size=12, seed=3)
    assert x.shape == (50, 3, 12, 12) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert np.bincount(y).tolist() == [5] * len(TEXTURES)
    again, _ = make_textures(50, size=12, seed=3)
    assert np.array_equal(x, again)
    assert not np.array_equal(x, make_textures(50, size=12, seed=4)[0])


def test_textures_in_the_catalog_fit_a_design_and_shuffle_pixels():
    info = describe_dataset(DataConfig("textures", {"samples": 40, "size": 16}))
    assert info.input_shape == (3, 16, 16) and len(info.classes) == 10
    plain = load_dataset(DataConfig("textures", {"samples": 40, "size": 16}), (3, 16, 16))
    shuffled = load_dataset(DataConfig("textures", {"samples": 40, "size": 16}, permute_pixels=True),
                            (3, 16, 16))
    assert not np.array_equal(plain.train_x.numpy(), shuffled.train_x.numpy())
    assert np.allclose(np.sort(plain.train_x.numpy().reshape(len(plain.train_x), 3, -1), axis=2),
                       np.sort(shuffled.train_x.numpy().reshape(len(plain.train_x), 3, -1), axis=2))


def test_recommended_designs_carry_settings_for_their_data():
    for graph, dataset in ((shapes_cnn(), "shapes"), (textures_cnn(), "textures")):
        config = TrainingConfig.from_dict(graph.training)
        assert config.data.name == dataset
        info = describe_dataset(config.data)
        analysis = analyze(graph)
        assert tuple(analysis.input_shape) == info.input_shape
        assert analysis.output_shape == (len(info.classes),)
