"""Plots and figures in the light or the dark theme.

Every pyqtgraph picture of the app (viewer figures, training curves, the LR finder, the
schedule preview) is drawn with the light "paper" colours (white background, ``INK`` text,
``MUTED`` axes). ``restyle(widget)`` swaps those for the theme in use: background, axis
lines and tick labels, axis labels, titles, notes and text labels. Text marked with
``keep_colour(item)`` (a count written on a heat-map cell, whose colour does not change
with the theme) keeps its colour: it is chosen against the cell, not the background.

``restyle_all()`` restyles every plot of the application (the theme changed); figures also
restyle themselves after each drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
import shiboken6
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from . import theme


@dataclass(frozen=True)
class PlotColours:
    background: str
    ink: str
    muted: str


LIGHT = PlotColours(background="#ffffff", ink="#222222", muted="#666666")
DARK = PlotColours(background="#1e2126", ink="#e6e8eb", muted="#a3adba")
_KEEP = "designer_keep_colour"


def colours(dark: bool | None = None) -> PlotColours:
    return DARK if (theme.is_dark() if dark is None else dark) else LIGHT


def keep_colour(item) -> None:
    """Leave ``item``'s colour alone when restyling (text drawn on an image or a cell)."""
    setattr(item, _KEEP, True)


def _swap(colour, to: PlotColours) -> str | None:
    """The theme's version of one of the paper colours, or None for any other colour."""
    name = QColor(pg.mkColor(colour)).name() if colour is not None else None
    for source in (LIGHT, DARK):
        if name == source.ink:
            return to.ink
        if name == source.muted:
            return to.muted
    return None


def restyle(widget, dark: bool | None = None) -> None:
    """Give a pyqtgraph GraphicsView (PlotWidget, GraphicsLayoutWidget) the theme's colours."""
    to = colours(dark)
    widget.setBackground(to.background)
    scene = widget.scene()
    if scene is None:
        return
    for item in scene.items():
        if getattr(item, _KEEP, False):
            continue
        if isinstance(item, pg.AxisItem):
            _restyle_axis(item, to)
        elif isinstance(item, pg.LabelItem):
            new = _swap(item.opts.get("color"), to)
            if new is not None:
                item.setText(item.text, color=new)
        elif isinstance(item, pg.TextItem):
            new = _swap(item.color, to)
            if new is not None:
                item.setColor(new)


def _restyle_axis(axis: pg.AxisItem, to: PlotColours) -> None:
    if _swap(axis.pen().color(), to) is not None:
        axis.setPen(pg.mkPen(to.muted))
    text_pen = axis.textPen()
    if _swap(text_pen.color(), to) is not None or text_pen.color() == QColor(pg.getConfigOption("foreground")):
        axis.setTextPen(pg.mkPen(to.ink))
    style = dict(axis.labelStyle or {})
    if "color" not in style or _swap(style["color"], to) is not None:
        style["color"] = to.ink
        axis.labelStyle = style
        axis._updateLabel()


def restyle_all(dark: bool | None = None) -> None:
    """Restyle every pyqtgraph view of the application (after a theme change)."""
    app = QApplication.instance()
    if app is None:
        return
    for widget in app.allWidgets():
        # Only views in a shown window: a closed window's views may be half torn down (their
        # scene cleared by pyqtgraph's close), and a figure restyles itself when drawn again.
        if (isinstance(widget, pg.GraphicsView) and shiboken6.isValid(widget)
                and widget.window().isVisible()):
            restyle(widget, dark)
