"""WCAG contrast of text against its background, measured on rendered pixels.

``text_contrast(region)`` takes an RGB array of a region that holds text: its background is
the region's most common colour, its ink the colour of highest contrast that covers at least
a few pixels (so one stray anti-aliased pixel neither passes nor fails a region).
"""

from __future__ import annotations

import numpy as np

WCAG_AA = 4.5
MIN_INK_PIXELS = 3


def luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of sRGB colours (..., 3) in 0..255."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    la, lb = luminance(a), luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


def qimage_array(image) -> np.ndarray:
    """A QImage as an (H, W, 3) uint8 array."""
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)
    return data[:, :w * 3].reshape(h, w, 3).copy()


def text_contrast(region: np.ndarray) -> tuple[float, tuple, tuple]:
    """(contrast ratio, background RGB, ink RGB) of the text in ``region`` (H, W, 3)."""
    pixels = region.reshape(-1, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    background = colours[np.argmax(counts)]
    contrasts = ratio(colours, background)
    order = np.argsort(-contrasts)
    covered = np.cumsum(counts[order])
    ink = colours[order[np.searchsorted(covered, MIN_INK_PIXELS)]] if covered[-1] >= MIN_INK_PIXELS else background
    return float(ratio(ink, background)), tuple(int(v) for v in background), tuple(int(v) for v in ink)
