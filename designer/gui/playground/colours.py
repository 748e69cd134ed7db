"""The Playground's colours (numpy only): TensorFlow Playground's orange–white–blue scale.

Class 0 is orange, class 1 blue; a probability of class 1 maps 0 → orange, ½ → near white,
1 → blue. A hidden unit's map is scaled symmetrically by its largest magnitude, negative
orange and positive blue, as the Playground draws its neurons.
"""

from __future__ import annotations

import numpy as np

ORANGE = np.array([245, 147, 34], dtype=np.float32)
WHITE = np.array([232, 234, 235], dtype=np.float32)
BLUE = np.array([8, 119, 189], dtype=np.float32)
CLASS_COLOURS = ("#f59322", "#0877bd")


def colorize(values: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """RGBA uint8 [H, W, 4] of a map [H, W]: ``lo`` orange, the middle white, ``hi`` blue."""
    span = hi - lo if hi > lo else 1.0
    t = np.clip((np.nan_to_num(values, nan=(lo + hi) / 2) - lo) / span, 0.0, 1.0)[..., None] * 2 - 1
    rgb = np.where(t < 0, WHITE + (ORANGE - WHITE) * -t, WHITE + (BLUE - WHITE) * t)
    out = np.empty(values.shape + (4,), dtype=np.uint8)
    out[..., :3] = np.round(rgb).astype(np.uint8)
    out[..., 3] = 255
    return out


def unit_colours(values: np.ndarray) -> np.ndarray:
    """A hidden unit's map, scaled by its largest magnitude (0 stays white)."""
    bound = float(np.nanmax(np.abs(values))) if values.size else 0.0
    bound = bound if bound > 1e-12 else 1.0
    return colorize(values, -bound, bound)
