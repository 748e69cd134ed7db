"""Canvas look: theme colours (light and dark), fonts in scene pixels, number formatting.

Fonts use pixel sizes so that the scene's geometry is the same on every screen; Qt scales
the whole view for high-DPI displays. Category colours come from the layer registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtGui import QColor, QFont, QFontMetricsF

from ...core.layout import NODE_HEIGHT, NODE_WIDTH
from ...layers import registry

NODE_W = NODE_WIDTH
NODE_H = NODE_HEIGHT
HEADER_H = 20.0
ISSUE_LINE = 13.0
PORT_R = 5.0
CORNER = 6.0
GROUP_COLOUR = "#3f4f6b"


@dataclass(frozen=True)
class Theme:
    """Colours of one theme; items read them from the scene at paint time."""

    dark: bool
    background: str
    grid: str
    body: str
    text: str
    muted: str
    edge: str
    edge_label_bg: str
    selection: str
    hover: str
    error: str
    error_fill: str
    warning: str
    warning_fill: str
    frame_fill: str
    frame_border: str
    port: str
    port_ok: str


LIGHT = Theme(
    dark=False, background="#f6f7f9", grid="#e4e7ec", body="#ffffff", text="#1d232b",
    muted="#5d6877", edge="#6b7785", edge_label_bg="#f6f7f9", selection="#1f7ae0",
    hover="#1f7ae0", error="#d21f2b", error_fill="#fde8e8", warning="#b8700a",
    warning_fill="#fff4df", frame_fill="#3f4f6b14", frame_border="#8a96a8", port="#8a96a8",
    port_ok="#1fa35b",
)
DARK = Theme(
    dark=True, background="#1e2126", grid="#2a2e35", body="#2b3038", text="#e8ebef",
    muted="#a3adba", edge="#8d98a6", edge_label_bg="#1e2126", selection="#4ea1ff",
    hover="#4ea1ff", error="#ff5c66", error_fill="#4a2529", warning="#f0a83a",
    warning_fill="#45381f", frame_fill="#9fb3d41a", frame_border="#6c7789", port="#7d8898",
    port_ok="#3fd07f",
)


def theme_for(dark: bool) -> Theme:
    return DARK if dark else LIGHT


@lru_cache(maxsize=None)
def colour(spec: str) -> QColor:
    """A QColor from "#rrggbb" or "#rrggbbaa" (alpha last, unlike Qt's own "#aarrggbb")."""
    if len(spec) == 9:
        c = QColor(spec[:7])
        c.setAlpha(int(spec[7:], 16))
        return c
    return QColor(spec)


def category_colour(layer_type: str) -> str:
    spec = registry.get(layer_type)
    if spec is None:
        return registry.CATEGORIES["utility"]
    return registry.CATEGORIES.get(spec.category, registry.CATEGORIES["utility"])


@lru_cache(maxsize=None)
def text_on(fill: str) -> str:
    """White, or black where white would not reach WCAG AA (4.5) and black reads better
    (WCAG relative luminance): the node titles on their category colours."""
    c = QColor(fill)

    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())
    on_white, on_black = 1.05 / (lum + 0.05), (lum + 0.05) / 0.05
    return "#ffffff" if on_white >= 4.5 or on_white >= on_black else "#000000"


@lru_cache(maxsize=None)
def font(role: str) -> QFont:
    """Fonts by role: title (node id), body (parameters, shapes), small (edge labels)."""
    f = QFont()
    sizes = {"title": 12, "body": 11, "small": 10, "badge": 11}
    f.setPixelSize(sizes[role])
    if role in ("title", "badge"):
        f.setBold(True)
    return f


@lru_cache(maxsize=None)
def metrics(role: str) -> QFontMetricsF:
    return QFontMetricsF(font(role))


_SHAPE_TEXT: dict[tuple, str] = {}


def fmt_shape(shape) -> str:
    """(3, 32, 32) -> "3×32×32" ("?" when unknown); remembered, since a design has few
    distinct shapes and every box, edge label and tooltip shows one."""
    if not shape:
        return "?"
    key = tuple(shape)
    text = _SHAPE_TEXT.get(key)
    if text is None:
        if len(_SHAPE_TEXT) > 50_000:
            _SHAPE_TEXT.clear()
        text = _SHAPE_TEXT[key] = "×".join(map(str, key))
    return text


def fmt_count(n: int) -> str:
    """1234 -> "1,234"; 12345 -> "12.3k"; 1234567 -> "1.23M" (the tooltip has the exact figure)."""
    if n < 10_000:
        return f"{n:,}"
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    if n < 1_000_000_000:
        return f"{n / 1e6:.3g}M"
    return f"{n / 1e9:.3g}G"


def fmt_params(n: int) -> str:
    if n == 0:
        return "no params"
    return f"{fmt_count(n)} params" if n != 1 else "1 param"


#: Below this zoom the canvas draws boxes without text, edges without arrows or labels, and
#: no ports: text would be unreadable, and a zoomed-out 5,000-node design paints at once.
DETAIL_ZOOM = 0.4


def zoomed_out(painter, option) -> bool:
    """Whether an item is painted below DETAIL_ZOOM (level-of-detail painting)."""
    return option.levelOfDetailFromTransform(painter.worldTransform()) < DETAIL_ZOOM
