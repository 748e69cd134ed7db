"""Augmentation: the editable, serialisable pipeline and its preview grid."""

import numpy as np
import pytest
import torch

from designer.training.augment import (AUGMENTATIONS, AugmentError, AugmentStep, augment_batch,
                                       augment_preview, build_pipeline, parse_steps)


def test_every_augmentation_builds_and_keeps_the_shape():
    torch.manual_seed(0)
    for shape in ((1, 16, 16), (3, 16, 16)):
        x = torch.rand(4, *shape)
        for name in AUGMENTATIONS:
            out = augment_batch(build_pipeline([AugmentStep(name)], shape), x)
            assert out.shape == x.shape and out.dtype == torch.float32, name


def test_steps_round_trip_as_name_and_params():
    steps = [AugmentStep("rotation", {"degrees": 10}), AugmentStep("resized_crop", {"scale": [0.5, 1.0]})]
    data = [s.to_dict() for s in steps]
    assert data == [{"name": "rotation", "params": {"degrees": 10}},
                    {"name": "resized_crop", "params": {"scale": [0.5, 1.0]}}]
    assert [AugmentStep.from_dict(d) for d in data] == steps
    assert AugmentStep("blur").resolved() == {"kernel_size": 3, "sigma": (0.1, 1.0)}


def test_command_line_text_form():
    steps = parse_steps(["hflip", "rotation:degrees=20", "resized_crop:scale=0.6/1,ratio=1/1"])
    assert [s.name for s in steps] == ["hflip", "rotation", "resized_crop"]
    assert steps[2].resolved()["scale"] == (0.6, 1.0)


def test_bad_steps_are_explained():
    with pytest.raises(AugmentError, match="unknown augmentation 'flip'; choose one of hflip"):
        AugmentStep("flip").resolved()
    with pytest.raises(AugmentError, match="degrees must be between 0 and 180"):
        AugmentStep("rotation", {"degrees": 500}).resolved()
    with pytest.raises(AugmentError, match="unknown setting 'angle'"):
        AugmentStep("rotation", {"angle": 5}).resolved()
    with pytest.raises(AugmentError, match="low 1.0 is above high 0.5"):
        AugmentStep("scale", {"scale": [1.0, 0.5]}).resolved()
    with pytest.raises(AugmentError, match="key=value"):
        parse_steps(["rotation:20"])
    with pytest.raises(AugmentError, match="images"):
        build_pipeline([AugmentStep("hflip")], (2,))


def test_each_sample_gets_its_own_draw():
    torch.manual_seed(0)
    x = torch.full((8, 1, 8, 8), 0.5)
    out = augment_batch(build_pipeline([AugmentStep("noise", {"sigma": 0.1})], (1, 8, 8)), x)
    assert not torch.equal(out[0], out[1])


def test_preview_grid_is_deterministic_and_leaves_the_random_state_alone():
    images = np.random.default_rng(0).random((3, 1, 10, 10)).astype(np.float32)
    steps = [AugmentStep("hflip"), AugmentStep("noise", {"sigma": 0.2})]
    torch.manual_seed(123)
    before = torch.get_rng_state()
    grid = augment_preview(images, steps, draws=4, seed=7, pad=2)
    assert torch.equal(torch.get_rng_state(), before)
    assert grid.shape == (3 * 12 + 2, 5 * 12 + 2, 3) and grid.dtype == np.uint8
    assert np.array_equal(grid, augment_preview(images, steps, draws=4, seed=7, pad=2))
    first = grid[2:12, 2:12, 0]  # the original is the first column
    assert np.array_equal(first, np.round(images[0, 0] * 255).astype(np.uint8))
    assert not np.array_equal(grid[2:12, 14:24], grid[2:12, 26:36])  # draws differ
