"""Tiling of filters and feature maps: shapes, colour scales and paging for VGG-sized layers."""

import numpy as np

from designer.gui.viewers import tiling


def test_grey_filters_are_one_tile_per_filter_and_input_channel():
    weight = np.random.default_rng(0).normal(size=(16, 6, 5, 5))
    grid = tiling.filter_grid(weight)
    assert not grid.rgb and (grid.rows, grid.cols) == (16, 6)
    assert grid.image.shape == (16 * 6 - 1, 6 * 6 - 1)  # 5 px tiles, 1 px gaps
    assert np.allclose(grid.image[:5, :5], weight[0, 0])
    assert np.allclose(grid.image[6:11, 6:11], weight[1, 1])
    assert np.isnan(grid.image[5, 0])  # the gap
    top = np.abs(weight).max()
    assert np.allclose(grid.levels, (-top, top))


def test_per_filter_scale_puts_each_filter_at_full_contrast():
    weight = np.ones((2, 4, 3, 3))
    weight[1] *= 10
    grid = tiling.filter_grid(weight, per_filter=True)
    assert grid.levels == (-1.0, 1.0)
    assert np.nanmax(grid.image[:3]) == 1.0 and np.nanmax(grid.image[4:]) == 1.0


def test_one_input_channel_tiles_the_filters_in_reading_order():
    weight = np.random.default_rng(1).normal(size=(6, 1, 5, 5))
    grid = tiling.filter_grid(weight)
    assert grid.reading_order and not grid.rgb and (grid.rows, grid.cols) == (2, 3)
    assert grid.image.shape == (2 * 6 - 1, 3 * 6 - 1)
    assert np.allclose(grid.image[6:11, 0:5], weight[3, 0])


def test_three_input_channels_give_one_rgb_tile_per_filter():
    weight = np.random.default_rng(2).normal(size=(10, 3, 3, 3))
    grid = tiling.filter_grid(weight)
    assert grid.rgb and grid.image.shape[-1] == 3 and (grid.rows, grid.cols) == (3, 4)
    tile0 = grid.image[:3, :3]
    assert np.allclose(tile0, 0.5 + weight[0].transpose(1, 2, 0) / (2 * np.abs(weight).max()))
    assert np.nanmin(grid.image) >= 0 and np.nanmax(grid.image) <= 1


def test_vgg_sized_layers_are_paged():
    weight = np.zeros((512, 512, 3, 3), np.float32)
    grid = tiling.filter_grid(weight, first_filter=480, first_channel=500)
    assert grid.filters == range(480, 512) and grid.channels == range(500, 512)
    assert grid.image.shape == (32 * 4 - 1, 12 * 4 - 1)
    first = tiling.filter_grid(weight)
    assert len(first.filters) == tiling.MAX_FILTER_ROWS and len(first.channels) == tiling.MAX_FILTER_COLS


def test_feature_maps_are_stretched_darkest_smallest_brightest_largest():
    maps = np.stack([np.arange(16.0).reshape(4, 4), -np.ones((4, 4)), 100 + np.eye(4)])
    out = tiling.stretch(maps)
    assert out[0].min() == 0 and out[0].max() == 1 and out[0, 3, 3] == 1
    assert (out[1] == 0).all()  # a constant map is all dark
    row = tiling.map_row(maps)
    assert row.shape == (4, 3 * 5 - 1)
    square = tiling.vector_square(np.arange(10.0))
    assert square.shape == (3, 4) and np.isnan(square[-1, -1]) and square[0, 0] == 0


def test_to_rgb8_maps_levels_and_gaps():
    image = np.array([[0.0, 0.5], [1.0, np.nan]])
    rgb = tiling.to_rgb8(image)
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    assert rgb[0, 0].tolist() == [0, 0, 0] and rgb[1, 0].tolist() == [255] * 3
    assert rgb[1, 1].tolist() == [255] * 3
