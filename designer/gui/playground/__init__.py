"""The Playground dock: TensorFlow Playground's experience for 2-D data, on the open design.

``install_playground(window)`` adds the dock (tabbed with the training curves) around the
window's TrainingSession; see ``panel`` for what it shows and how it follows a run.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from .panel import PlaygroundPanel, make_probe


def install_playground(window) -> PlaygroundPanel:
    """Add the Playground dock to ``window`` (after install_training)."""
    panel = PlaygroundPanel(window.document, window.training.session, window)
    dock = window.add_dock(panel, "Playground", Qt.DockWidgetArea.BottomDockWidgetArea,
                           "dock_playground")
    panel.dock = dock
    panel.open_design = window.open_new_design  # presets open as new designs, asking first
    curves = window.docks.get("dock_training_curves")
    if curves is not None:
        window.tabifyDockWidget(curves, dock)
        curves.raise_()
    return panel


__all__ = ["PlaygroundPanel", "install_playground", "make_probe"]
