"""Pane buttons in the status bar (as in Qt Creator): the collapsed bottom panels, one click
away. A button opens its panel in front of the bottom tabs, or collapses it when it is
already in front; "Look inside" lists the viewers and the Playground. Buttons are checked while their panel
shows, however it was opened (menu, training, problems click).
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QMenu, QToolButton, QWidget

#: (dock object name, button text, tooltip)
PANES = (
    ("dock_summary", "Summary", "Layer table: output shapes, parameters, MACs (click again to collapse)"),
    ("dock_problems", "Problems", "Errors and warnings of the design (click again to collapse)"),
    ("dock_training_curves", "Curves", "Training curves of the runs (click again to collapse)"),
)
#: Docks listed in "Look inside" after the viewers (object name, menu text).
LOOK_INSIDE_MORE = (("dock_playground", "Playground"),)


class PaneBar(QWidget):
    """Toggle buttons for ``window``'s bottom docks (a MainWindow with ``docks`` and
    ``dock_layout``); ``viewer_docks`` are (object name, title) pairs for "Look inside"."""

    def __init__(self, window, viewer_docks: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.buttons: dict[str, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for name, text, tip in PANES:
            dock = window.docks.get(name)
            if dock is None:
                continue
            button = QToolButton(self)
            button.setObjectName(f"pane_{name}")
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.clicked.connect(lambda _checked=False, n=name: self._on_button_clicked(n))
            dock.visibilityChanged.connect(lambda _v, n=name: self._sync(n))
            if name == "dock_problems":  # "Problems (3)": the count shows while collapsed
                dock.windowTitleChanged.connect(button.setText)
            layout.addWidget(button)
            self.buttons[name] = button
            self._sync(name)
        if viewer_docks:
            self.look_inside = QToolButton(self)
            self.look_inside.setObjectName("pane_look_inside")
            self.look_inside.setText("Look inside")
            self.look_inside.setToolTip("Open a view of the network: filters, activations, …")
            self.look_inside.setAutoRaise(True)
            self.look_inside.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            menu = QMenu(self.look_inside)
            for name, title in viewer_docks:
                menu.addAction(title, lambda n=name: window.dock_layout.open(n))
            more = [(n, t) for n, t in LOOK_INSIDE_MORE if n in window.docks]
            if more:
                menu.addSeparator()
            for name, title in more:
                menu.addAction(title, lambda n=name: window.dock_layout.open(n))
            self.look_inside.setMenu(menu)
            layout.addWidget(self.look_inside)

    def _on_button_clicked(self, name: str) -> None:
        self.window.dock_layout.toggle(name)
        self._sync(name)

    def _sync(self, name: str) -> None:
        button = self.buttons.get(name)
        if button is not None:
            button.setChecked(self.window.docks[name].isVisible())
