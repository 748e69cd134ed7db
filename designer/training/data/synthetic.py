"""Generated datasets (numpy, seeded): shape images and 2-D toy sets for MLPs.

``shapes``: circles, squares, triangles, crosses, rings and stars at random position, size,
rotation and colour, anti-aliased by 2× supersampling, grey or RGB, any size.
Toy sets in the spirit of the TensorFlow Playground: circle, xor, gaussians, spiral and
two moons,
two classes of 2-D points with Gaussian noise.
"""

from __future__ import annotations

import math

import numpy as np

SHAPES = ("circle", "square", "triangle", "cross", "ring", "star")
TOY_SETS = {
    "circle": ("inside", "outside"),
    "xor": ("same sign", "opposite sign"),
    "gaussians": ("blob A", "blob B"),
    "spiral": ("arm A", "arm B"),
    "moons": ("upper moon", "lower moon"),
}

_SQRT3 = math.sqrt(3.0)


# --------------------------------------------------------------------------- shapes
def _star(p: np.ndarray, q: np.ndarray, points: int = 5, inner: float = 0.45) -> np.ndarray:
    """Inside a star polygon of outer radius 1: test the side of the edge of each sector."""
    sector = math.pi / points
    phi = np.mod(np.arctan2(q, p), 2 * math.pi)
    k = np.floor(phi / sector)
    r0 = np.where(k % 2 == 0, 1.0, inner)
    r1 = np.where(k % 2 == 0, inner, 1.0)
    a0, a1 = k * sector, (k + 1) * sector
    x0, y0, x1, y1 = r0 * np.cos(a0), r0 * np.sin(a0), r1 * np.cos(a1), r1 * np.sin(a1)
    side_point = (x1 - x0) * (q - y0) - (y1 - y0) * (p - x0)
    side_centre = (x1 - x0) * (-y0) - (y1 - y0) * (-x0)
    return side_point * side_centre >= 0


def _mask(kind: str, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Boolean mask of a unit-sized shape in rotated, scaled coordinates (p, q)."""
    if kind == "circle":
        return p * p + q * q <= 1.0
    if kind == "square":
        return np.maximum(np.abs(p), np.abs(q)) <= 0.8
    if kind == "triangle":
        return (q >= -0.5) & (_SQRT3 * p + q <= 1.0) & (-_SQRT3 * p + q <= 1.0)
    if kind == "cross":
        ap, aq = np.abs(p), np.abs(q)
        return ((ap <= 0.28) & (aq <= 0.95)) | ((aq <= 0.28) & (ap <= 0.95))
    if kind == "ring":
        rr = p * p + q * q
        return (rr <= 1.0) & (rr >= 0.55 ** 2)
    if kind == "star":
        return _star(p, q)
    raise ValueError(f"unknown shape {kind!r}; choose from {', '.join(SHAPES)}")


def _colours(rng: np.random.Generator, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Foreground and background colours whose brightness differs by at least 0.3."""
    weights = np.array([0.299, 0.587, 0.114]) if channels == 3 else np.ones(1)
    while True:
        fg, bg = rng.random(channels), rng.random(channels)
        if abs(float(weights @ fg - weights @ bg)) >= 0.3:
            return fg, bg


def render_shape(kind: str, size: int, channels: int, rng: np.random.Generator,
                 noise: float = 0.0) -> np.ndarray:
    """One image [channels, size, size] in [0, 1]."""
    radius = size * rng.uniform(0.2, 0.4)
    cx, cy = rng.uniform(radius * 0.8, size - radius * 0.8, size=2)
    theta = rng.uniform(0, 2 * math.pi)
    grid = (np.arange(2 * size) + 0.5) / 2.0  # 2× supersampling
    u, v = np.meshgrid(grid - cx, grid - cy)
    c, s = math.cos(theta), math.sin(theta)
    p, q = (c * u + s * v) / radius, (-s * u + c * v) / radius
    cover = _mask(kind, p, q).reshape(size, 2, size, 2).mean(axis=(1, 3))
    fg, bg = _colours(rng, channels)
    image = bg[:, None, None] * (1 - cover) + fg[:, None, None] * cover
    if noise > 0:
        image = image + rng.normal(0.0, noise, image.shape)
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def make_shapes(samples: int, size: int = 32, channels: int = 1, kinds=SHAPES,
                noise: float = 0.02, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``samples`` images [N, C, size, size] (classes balanced, order shuffled) and labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % len(kinds)
    rng.shuffle(labels)
    images = np.stack([render_shape(kinds[k], size, channels, rng, noise) for k in labels])
    return images, labels.astype(np.int64)


# --------------------------------------------------------------------------- 2-D toy sets
def make_toy(name: str, samples: int = 1000, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points [N, 2] (float32, roughly in [-1, 1]) and labels 0/1, half of each class."""
    if name not in TOY_SETS:
        raise ValueError(f"unknown toy set {name!r}; choose from {', '.join(TOY_SETS)}")
    rng = np.random.default_rng(seed)
    labels = (np.arange(samples) % 2).astype(np.int64)
    rng.shuffle(labels)
    points = _TOY[name](rng, labels)
    points = points + rng.normal(0.0, noise, points.shape)
    return points.astype(np.float32), labels


def _toy_circle(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    radius = np.where(labels == 0, rng.uniform(0.0, 0.5, labels.size), rng.uniform(0.7, 1.0, labels.size))
    angle = rng.uniform(0, 2 * math.pi, labels.size)
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)


def _toy_xor(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    x = rng.uniform(0.05, 1.0, labels.size) * rng.choice([-1.0, 1.0], labels.size)
    y = np.abs(rng.uniform(0.05, 1.0, labels.size)) * np.sign(x)
    return np.stack([x, np.where(labels == 0, y, -y)], axis=1)


def _toy_gaussians(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    centre = np.where(labels[:, None] == 0, 0.5, -0.5)
    return centre + rng.normal(0.0, 0.2, (labels.size, 2))


def _toy_spiral(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    t = rng.uniform(0.0, 1.0, labels.size)
    angle = 1.75 * t * 2 * math.pi + labels * math.pi
    return np.stack([t * np.sin(angle), t * np.cos(angle)], axis=1)


def _toy_moons(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """Two interleaved half circles (scikit-learn's two moons), centred and scaled to ±1."""
    angle = rng.uniform(0.0, math.pi, labels.size)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    points = np.where(labels[:, None] == 0, upper, lower)
    return (points - np.array([0.5, 0.25])) / 1.5


_TOY = {"circle": _toy_circle, "xor": _toy_xor, "gaussians": _toy_gaussians, "spiral": _toy_spiral,
        "moons": _toy_moons}
