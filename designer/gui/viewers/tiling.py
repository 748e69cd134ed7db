"""Tiling arithmetic of the viewers: many small arrays laid out as one image, in pages.

Pure numpy (no Qt): the dock views and the headless ``designer figure`` command share it, and
it is unit-tested on its own. Views never tile more than a page: a VGG-16 layer has 512×512
kernels and 512 feature maps, so everything here takes ``start``/``count`` windows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_FILTER_ROWS = 32  # filters per page (one row each in the grey layout)
MAX_FILTER_COLS = 32  # input channels per page in the grey layout
MAX_RGB_FILTERS = 256  # RGB tiles per page
MAX_MAPS = 64  # feature maps per page for one layer


def grid_dims(n: int, aspect: float = 1.0) -> tuple[int, int]:
    """(rows, cols) of a near-square grid holding ``n`` tiles (cols/rows about ``aspect``)."""
    if n <= 0:
        return 0, 0
    cols = max(1, math.ceil(math.sqrt(n * aspect)))
    return math.ceil(n / cols), cols


def tile(tiles: np.ndarray, cols: int, pad: int = 1, fill: float = np.nan,
         row_pad: int | None = None) -> np.ndarray:
    """Lay ``tiles`` [N, h, w] (or [N, h, w, 3]) row by row, ``cols`` per row, ``pad`` pixels
    of ``fill`` between them (``row_pad`` between rows, default ``pad``).
    Returns [rows·(h+row_pad)−row_pad, cols·(w+pad)−pad(, 3)]."""
    tiles = np.asarray(tiles, dtype=np.float32)
    n, h, w = tiles.shape[:3]
    gap = pad if row_pad is None else row_pad
    cols = max(1, min(cols, n)) if n else 1
    rows = math.ceil(n / cols) if n else 0
    shape = (max(rows * (h + gap) - gap, 0), max(cols * (w + pad) - pad, 0)) + tiles.shape[3:]
    out = np.full(shape, fill, dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + pad):c * (w + pad) + w] = tiles[i]
    return out


def page(total: int, start: int, size: int) -> range:
    """The indices shown on the page that begins at ``start`` (clamped into range)."""
    start = max(0, min(start, max(total - 1, 0)))
    return range(start, min(total, start + size))


@dataclass(frozen=True)
class FilterGrid:
    """A page of convolution kernels as one image.

    ``rgb``: one colour tile per filter (first layer of a colour network), values in 0..1
    with 0.5 meaning a zero weight. Otherwise a grey image of rows = filters, columns = input
    channels, to be shown with a diverging colour map between ``levels``. ``label`` says
    what the colour scale means.
    """

    image: np.ndarray
    rgb: bool
    levels: tuple[float, float]
    rows: int
    cols: int
    filters: range
    channels: range
    label: str
    reading_order: bool = False  # filters laid out row by row (one input channel, or RGB)


def filter_grid(weight: np.ndarray, per_filter: bool = False, first_filter: int = 0,
                first_channel: int = 0, pad: int = 1) -> FilterGrid:
    """The page of ``weight`` [out, in, kh, kw] starting at (first_filter, first_channel).

    ``per_filter`` scales each filter by its own largest |weight| (shapes comparable across
    filters); otherwise one scale is shared by the page (strengths comparable).
    """
    w = np.asarray(weight, dtype=np.float32)
    if w.ndim == 3:  # Conv1d [out, in, k]: one row per kernel
        w = w[:, :, None, :]
    if w.ndim != 4:
        raise ValueError(f"convolution weights are [out, in, kh, kw], got shape {list(w.shape)}")
    if w.shape[1] == 3:
        return _rgb_grid(w, per_filter, first_filter, pad)
    if w.shape[1] == 1:
        return _single_channel_grid(w, per_filter, first_filter, pad)
    filters = page(w.shape[0], first_filter, MAX_FILTER_ROWS)
    channels = page(w.shape[1], first_channel, MAX_FILTER_COLS)
    part = w[filters.start:filters.stop, channels.start:channels.stop]
    scale = _scale(part, per_filter)
    tiles = (part / scale if per_filter else part).reshape(-1, *part.shape[2:])
    image = tile(tiles, cols=part.shape[1], pad=pad)
    if per_filter:
        return FilterGrid(image, False, (-1.0, 1.0), len(filters), len(channels), filters, channels,
                          "weight ÷ the filter's largest |weight|")
    top = float(scale.ravel()[0])
    return FilterGrid(image, False, (-top, top), len(filters), len(channels), filters, channels, "weight")


def _single_channel_grid(w: np.ndarray, per_filter: bool, first_filter: int, pad: int) -> FilterGrid:
    """One input channel: the filters in a near-square grid, read row by row."""
    filters = page(w.shape[0], first_filter, MAX_RGB_FILTERS)
    part = w[filters.start:filters.stop]
    scale = _scale(part, per_filter)
    rows, cols = grid_dims(len(filters))
    image = tile((part / scale if per_filter else part)[:, 0], cols, pad)
    levels = (-1.0, 1.0) if per_filter else (-float(scale.ravel()[0]), float(scale.ravel()[0]))
    label = "weight ÷ the filter's largest |weight|" if per_filter else "weight"
    return FilterGrid(image, False, levels, rows, cols, filters, range(1), label, True)


def _rgb_grid(w: np.ndarray, per_filter: bool, first_filter: int, pad: int) -> FilterGrid:
    filters = page(w.shape[0], first_filter, MAX_RGB_FILTERS)
    part = w[filters.start:filters.stop]
    rgb = 0.5 + part / (2 * _scale(part, per_filter))  # zero weight = mid grey
    tiles = rgb.transpose(0, 2, 3, 1)  # [n, kh, kw, 3]
    rows, cols = grid_dims(len(filters))
    label = "0.5 + weight ÷ (2 × " + ("the filter's" if per_filter else "the page's") + " largest |weight|)"
    return FilterGrid(tile(tiles, cols, pad, fill=np.nan), True, (0.0, 1.0), rows, cols, filters,
                      range(3), label, True)


def _scale(part: np.ndarray, per_filter: bool) -> np.ndarray:
    """Largest |weight| per filter (shape [n, 1, 1, 1]) or over the page (broadcast)."""
    if per_filter:
        top = np.abs(part).reshape(len(part), -1).max(axis=1) if len(part) else np.ones(0)
        top = top.reshape(-1, 1, 1, 1)
    else:
        top = np.full((len(part), 1, 1, 1), np.abs(part).max() if part.size else 1.0)
    return np.where(top > 0, top, 1.0).astype(np.float32)


def stretch(maps: np.ndarray) -> np.ndarray:
    """Each map [k, ...] scaled to 0..1 on its own: darkest = smallest, brightest = largest.
    A constant map becomes 0 (all dark)."""
    maps = np.asarray(maps, dtype=np.float32)
    flat = maps.reshape(len(maps), -1)
    lo, hi = flat.min(axis=1, keepdims=True), flat.max(axis=1, keepdims=True)
    span = np.where(hi > lo, hi - lo, 1.0)
    return ((flat - lo) / span).reshape(maps.shape)


def vector_square(values: np.ndarray) -> np.ndarray:
    """A vector of F features wrapped into a near-square image (NaN after the last feature),
    scaled 0..1 over the vector; so a Linear layer's 4096 outputs fit beside feature maps."""
    values = np.asarray(values, dtype=np.float32).ravel()
    rows, cols = grid_dims(len(values))
    out = np.full(rows * cols, np.nan, np.float32)
    out[:len(values)] = stretch(values[None])[0]
    return out.reshape(rows, cols)


def map_row(maps: np.ndarray, pad: int = 1) -> np.ndarray:
    """One layer's feature maps [k, H, W], each stretched, side by side in one row."""
    return tile(stretch(maps), cols=len(maps), pad=pad)


def to_rgb8(image: np.ndarray, levels: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """A grey [H, W] or colour [H, W, 3] float image as uint8 RGB, NaN as white (gaps)."""
    lo, hi = levels
    values = (np.asarray(image, np.float32) - lo) / ((hi - lo) or 1.0)
    gaps = np.isnan(values)
    out = (np.clip(np.nan_to_num(values), 0, 1) * 255).round().astype(np.uint8)
    if out.ndim == 2:
        out, gaps = np.repeat(out[..., None], 3, axis=2), gaps
        out[gaps] = 255
    else:
        out[gaps.any(axis=2)] = 255
    return out


def images_hwc(images: np.ndarray) -> np.ndarray:
    """Images [N, C, H, W] in 0..1 as [N, H, W] (grey) or [N, H, W, 3] for tiling."""
    images = np.asarray(images, np.float32)
    if images.ndim == 3:
        return images
    if images.shape[1] == 3:
        return images.transpose(0, 2, 3, 1)
    return images[:, 0]
