"""The Lessons dock: the lecture's experiments as guided runs (see ``panel``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

from .panel import LessonsPanel


def install_lessons(window) -> LessonsPanel:
    """Add the Lessons dock to ``window`` (tabbed with the Inspector and Training docks)."""
    panel = LessonsPanel(window, window)
    scroll = QScrollArea(window)  # the reveal is tall: scroll rather than stretch the window
    scroll.setWidget(panel)
    scroll.setWidgetResizable(True)
    dock = window.add_dock(scroll, "Lessons", Qt.DockWidgetArea.RightDockWidgetArea, "dock_lessons")
    inspector = window.docks.get("dock_inspector")
    if inspector is not None:
        window.tabifyDockWidget(inspector, dock)
        inspector.raise_()
    return panel


__all__ = ["LessonsPanel", "install_lessons"]
