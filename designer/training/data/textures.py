"""A generated natural-image-like set: ten classes of coloured textures (numpy, seeded).

Each image is a texture pattern — stripes in four orientations, checkerboard, dots on a
lattice, concentric rings, waves, scattered spots, crosshatch — painted in two random colours
at a random scale, phase and small rotation, with shading and pixel noise. What tells the
classes apart is local spatial structure (the orientation and shape of edges a few pixels
long), not where anything is or what colour it is, so a CNN learns it quickly while a
fully connected network must learn every position separately; shuffling the pixels (one
fixed permutation) destroys the locality a CNN relies on and leaves an MLP unmoved, which is
the lecture's MLP-vs-CNN lesson.
"""

from __future__ import annotations

import math

import numpy as np

TEXTURES = ("horizontal stripes", "vertical stripes", "falling stripes", "rising stripes",
            "checkerboard", "dots", "rings", "waves", "spots", "crosshatch")


def _soft(value: np.ndarray, sharpness: float) -> np.ndarray:
    """A smooth 0..1 step of a signed field (anti-aliased edges)."""
    return 1.0 / (1.0 + np.exp(-sharpness * value))


def _pattern(kind: int, u: np.ndarray, v: np.ndarray, period: float, rng: np.random.Generator) -> np.ndarray:
    """The 0..1 mask of texture ``kind`` in rotated pixel coordinates (u, v)."""
    w = 2 * math.pi / period
    phase = rng.uniform(0, 2 * math.pi)
    if kind < 4:  # stripes: the rotation already chose the orientation
        return _soft(np.sin(w * v + phase), 4.0)
    if kind == 4:
        return _soft(np.sin(w * u + phase) * np.sin(w * v + rng.uniform(0, 2 * math.pi)), 6.0)
    if kind == 5:
        return _soft(np.cos(w * u + phase) + np.cos(w * v) - 1.0, 4.0)
    if kind == 6:
        cx, cy = rng.uniform(-8, 8, 2)
        return _soft(np.sin(w * np.hypot(u - cx, v - cy) + phase), 4.0)
    if kind == 7:
        bend = rng.uniform(2.0, 4.0)
        return _soft(np.sin(w * v + bend * np.sin(w * 0.5 * u) + phase), 4.0)
    if kind == 8:
        field = np.full(u.shape, -1.0)
        size = u.shape[0]
        for _ in range(int(rng.integers(4, 9))):
            cx, cy = rng.uniform(-size / 2, size / 2, 2)
            r = rng.uniform(0.25, 0.45) * period
            field = np.maximum(field, r - np.hypot(u - cx, v - cy))
        return _soft(field, 2.0)
    return _soft(np.maximum(np.sin(w * u + phase), np.sin(w * v)) - 0.6, 6.0)


_ANGLES = {0: 0.0, 1: 90.0, 2: 45.0, 3: 135.0}


def render_texture(kind: int, size: int, rng: np.random.Generator, noise: float = 0.05) -> np.ndarray:
    """One RGB image [3, size, size] in [0, 1] of texture class ``kind``."""
    angle = math.radians(_ANGLES.get(kind, rng.uniform(0, 180)) + rng.uniform(-12, 12))
    period = size * rng.uniform(0.16, 0.3)
    grid = np.arange(size) - (size - 1) / 2
    x, y = np.meshgrid(grid, grid)
    c, s = math.cos(angle), math.sin(angle)
    u, v = c * x + s * y, -s * x + c * y
    mask = _pattern(kind, u, v, period, rng)
    fg, bg = _two_colours(rng)
    image = bg[:, None, None] * (1 - mask) + fg[:, None, None] * mask
    light = 1.0 + rng.uniform(-0.25, 0.25) * (x * rng.normal() + y * rng.normal()) / size
    image = image * light + rng.normal(0.0, noise, image.shape)
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def _two_colours(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two random RGB colours whose brightness differs by at least 0.25."""
    luma = np.array([0.299, 0.587, 0.114])
    while True:
        a, b = rng.random(3), rng.random(3)
        if abs(float(luma @ (a - b))) >= 0.25:
            return a, b


def make_textures(samples: int, size: int = 32, noise: float = 0.05, seed: int = 0,
                  classes: int = len(TEXTURES)) -> tuple[np.ndarray, np.ndarray]:
    """``samples`` images [N, 3, size, size] (classes balanced, order shuffled) and labels."""
    if not 1 <= classes <= len(TEXTURES):
        raise ValueError(f"textures: classes must be 1 to {len(TEXTURES)}, got {classes}")
    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % classes
    rng.shuffle(labels)
    images = np.stack([render_texture(int(k), size, rng, noise) for k in labels]) if samples else \
        np.zeros((0, 3, size, size), np.float32)
    return images, labels.astype(np.int64)
