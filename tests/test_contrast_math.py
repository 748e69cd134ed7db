"""The contrast measure used by the theme tests agrees with WCAG's published values."""

import numpy as np
import pytest

from contrast import ratio, text_contrast


def test_wcag_ratios():
    assert ratio(np.array([0, 0, 0]), np.array([255, 255, 255])) == pytest.approx(21.0)
    assert ratio(np.array([118, 118, 118]), np.array([255, 255, 255])) == pytest.approx(4.54, abs=0.01)


def test_text_contrast_finds_background_and_ink():
    region = np.full((10, 20, 3), 255, np.uint8)
    region[4:6, 2:12] = (34, 34, 34)  # a stroke of dark text
    region[0, 0] = (0, 0, 0)  # one stray pixel is not the ink
    value, background, ink = text_contrast(region)
    assert background == (255, 255, 255) and ink == (34, 34, 34)
    assert value == pytest.approx(float(ratio(np.array(ink), np.array(background))))
