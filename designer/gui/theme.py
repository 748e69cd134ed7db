"""Light and dark themes: Fusion with an explicit palette, following the system colour scheme
(QStyleHints.colorScheme) unless the user picked one in View → Theme.

Panels ask ``colors()`` for the few semantic colours (error, warning, muted text) so that
text stays readable on either background.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from .settings import THEMES


@dataclass(frozen=True)
class Colors:
    """Semantic colours of one theme."""

    error: str
    warning: str
    ok: str
    muted: str
    accent: str


LIGHT_COLORS = Colors(error="#c62828", warning="#975a00", ok="#2e7d32", muted="#636a75", accent="#2d6cdf")
DARK_COLORS = Colors(error="#ff6b6b", warning="#f0b64f", ok="#7bd88f", muted="#9aa3ad", accent="#6aa4ff")

_LIGHT = {
    "Window": "#f3f4f6", "WindowText": "#1f2328", "Base": "#ffffff", "AlternateBase": "#f6f8fa",
    "ToolTipBase": "#fffbe6", "ToolTipText": "#1f2328", "PlaceholderText": "#8c959f",
    "Text": "#1f2328", "Button": "#eceef1", "ButtonText": "#1f2328", "BrightText": "#d1242f",
    "Light": "#ffffff", "Midlight": "#e6e8eb", "Mid": "#c4c9cf", "Dark": "#9aa1a9",
    "Shadow": "#6e7781", "Highlight": "#2d6cdf", "HighlightedText": "#ffffff",
    "Link": "#0b5cd5", "LinkVisited": "#6f42c1",
}
_DARK = {
    "Window": "#24272c", "WindowText": "#e6e8eb", "Base": "#2f333a", "AlternateBase": "#353a42",
    "ToolTipBase": "#2f333a", "ToolTipText": "#e6e8eb", "PlaceholderText": "#7d8590",
    "Text": "#e6e8eb", "Button": "#383d45", "ButtonText": "#e6e8eb", "BrightText": "#ff7b72",
    "Light": "#4a5059", "Midlight": "#40454d", "Mid": "#5a616b", "Dark": "#16181b",
    "Shadow": "#0d0e10", "Highlight": "#3d7be0", "HighlightedText": "#ffffff",
    "Link": "#6aa4ff", "LinkVisited": "#c297ff",
}


#: Fusion outlines check boxes with a darker window colour: invisible on a dark theme.
DARK_STYLE = """
QCheckBox::indicator, QGroupBox::indicator, QTreeView::indicator {
    width: 12px; height: 12px; border: 1px solid #8b949e; border-radius: 3px; background: #2f333a;
}
QCheckBox::indicator:hover { border-color: #c9d1d9; }
QCheckBox::indicator:checked, QGroupBox::indicator:checked, QTreeView::indicator:checked {
    background: #3d7be0; border-color: #9cc2ff;
}
QCheckBox::indicator:disabled { border-color: #565c64; background: #24272c; }
QCheckBox::indicator:checked:disabled { background: #3a4a66; }
"""


def make_palette(dark: bool) -> QPalette:
    """The full palette of the light or dark theme (disabled text dimmed)."""
    palette = QPalette()
    for role_name, color in (_DARK if dark else _LIGHT).items():
        palette.setColor(getattr(QPalette.ColorRole, role_name), QColor(color))
    dim = QColor("#6e7681" if dark else "#a0a7b0")
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, dim)
    return palette


def system_prefers_dark(app: QApplication | None = None) -> bool:
    app = app or QApplication.instance()
    return app is not None and app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def is_dark() -> bool:
    """Whether the palette in use is dark (works whoever set it)."""
    app = QApplication.instance()
    return app is not None and app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def colors() -> Colors:
    return DARK_COLORS if is_dark() else LIGHT_COLORS


def level_colour(level: str) -> str:
    """The text colour of a message of ``level`` ("ok"/"info", "warning", "error") that
    reads on the theme's background; "" for plain text."""
    c = colors()
    return {"ok": c.ok, "info": c.ok, "warning": c.warning, "error": c.error}.get(level, "")


class ThemeManager(QObject):
    """Applies the chosen theme ("system", "light" or "dark") and re-applies it when the
    system scheme changes while "system" is chosen. ``theme_changed(dark)`` tells the views."""

    theme_changed = Signal(bool)

    def __init__(self, app: QApplication, mode: str = "system", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._mode = mode if mode in THEMES else "system"
        self._dark: bool | None = None
        app.setStyle("Fusion")
        app.styleHints().colorSchemeChanged.connect(self._on_hints_color_scheme_changed)
        self.apply()

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def dark(self) -> bool:
        return bool(self._dark)

    def set_mode(self, mode: str) -> None:
        if mode not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {mode!r}")
        self._mode = mode
        self.apply()

    def apply(self) -> None:
        dark = system_prefers_dark(self._app) if self._mode == "system" else self._mode == "dark"
        self._app.setPalette(make_palette(dark))
        self._app.setStyleSheet(DARK_STYLE if dark else "")
        if dark != self._dark:
            self._dark = dark
            from .plot_theme import restyle_all  # plots too: pyqtgraph ignores the palette

            restyle_all(dark)
            self.theme_changed.emit(dark)

    def _on_hints_color_scheme_changed(self, scheme) -> None:
        if self._mode == "system":
            self.apply()
