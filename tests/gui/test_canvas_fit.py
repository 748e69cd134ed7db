"""Fit keeps node titles readable; a long design fits its width and scrolls, with a minimap."""

import pytest

from designer.gui.canvas.fit import TITLE_MIN_PX, TITLE_PX, fit_zoom, readable_zoom


@pytest.mark.parametrize("content, view, zoom, whole", [
    ((300, 400), (900, 800), 1.25, True),  # small: not blown up past 125 %
    ((900, 1600), (900, 800), 1.0, False),  # tall: fits its width, scrolls from the top
    ((600, 2400), (900, 800), 1.0, False),
    ((400, 3000), (900, 800), 1.0, False),  # narrow and very tall: its width, at most 100 %
    ((1800, 900), (900, 800), 0.75, False),  # wide: the readable floor, it scrolls sideways
    ((800, 900), (900, 800), 800 / 900, True),
])
def test_fit_zoom(content, view, zoom, whole):
    fit = fit_zoom(*content, *view)
    assert fit.zoom == pytest.approx(zoom) and fit.whole == whole
    assert fit.zoom * TITLE_PX >= TITLE_MIN_PX


def test_readable_zoom_makes_titles_nine_pixels():
    assert readable_zoom() * TITLE_PX == pytest.approx(9)
