"""How far Fit zooms: the whole design when it can be read, else its width (it scrolls).

Pure arithmetic, so it is unit-tested without a window. A node title is drawn in a
``TITLE_PX`` pixel font (style.font("title")); below ``readable_zoom()`` it would be less than
``TITLE_MIN_PX`` screen pixels tall, so Fit never goes there: a long design is shown at its
width (or at the readable zoom) from its top, and the minimap shows where the view is.
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE_PX = 12  # pixel size of the node-title font at 100 %
TITLE_MIN_PX = 9  # node titles are at least this many screen pixels tall after Fit
MAX_FIT_ZOOM = 1.25  # a small design is not blown up
TALL_MAX_ZOOM = 1.0  # a design too long to fit readably is shown at its width, at most 100 %


def readable_zoom(title_px: float = TITLE_PX) -> float:
    """The least zoom at which node titles are ``TITLE_MIN_PX`` pixels tall."""
    return TITLE_MIN_PX / title_px


@dataclass(frozen=True)
class Fit:
    """The zoom Fit chose and whether the whole design is in view at it."""

    zoom: float
    whole: bool


def fit_zoom(content_w: float, content_h: float, view_w: float, view_h: float,
             max_zoom: float = MAX_FIT_ZOOM, min_zoom: float | None = None) -> Fit:
    """Zoom to show a ``content_w`` × ``content_h`` design in a ``view_w`` × ``view_h`` view:
    all of it if that is readable, else as much of its width as is readable."""
    min_zoom = readable_zoom() if min_zoom is None else min_zoom
    if content_w <= 0 or content_h <= 0 or view_w <= 0 or view_h <= 0:
        return Fit(1.0, True)
    whole = min(view_w / content_w, view_h / content_h, max_zoom)
    if whole >= min_zoom:
        return Fit(whole, True)
    width = min(view_w / content_w, TALL_MAX_ZOOM)  # a long chain: more of it, at 100 % at most
    return Fit(max(width, min_zoom), False)
