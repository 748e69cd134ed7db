"""Training in the window: the Training dock (settings, Train/Pause/Stop, progress,
messages), the Training curves dock (run list and plots) and the Run menu.

``install_training(window)`` builds them around one TrainingSession, which drives the
background TrainingWorker and feeds the viewers (``window.viewers.session``) the run's
events. ``window.training.shutdown()`` stops and joins the worker (closing the window).

Other parts of the window can follow a run without touching the thread: connect to
``window.training.session.worker.events`` (lists of the loop's immutable events, in order,
on the GUI thread, at most ~30 lists a second) or to the session's ``curves_changed(Run)``,
``run_changed(Run)`` and ``state_changed(str)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

from ..availability import set_available
from .panel import TrainingPanel, button_states
from .run_list import CurvesPanel
from .session import TrainingSession

Area = Qt.DockWidgetArea


@dataclass
class TrainingUI:
    """What ``install_training`` added to the window."""

    session: TrainingSession
    panel: TrainingPanel
    curves: CurvesPanel
    dock: QDockWidget
    curves_dock: QDockWidget
    actions: dict[str, QAction] = field(default_factory=dict)

    def shutdown(self, timeout_s: float = 1.0) -> bool:
        """Stop a run and join the worker threads; True if they ended within the timeout."""
        return self.session.shutdown(timeout_s)

    def show(self) -> None:
        """Bring both training docks to the front."""
        for dock in (self.dock, self.curves_dock):
            dock.show()
            dock.raise_()


def _action(window, name: str, text: str, keys: str, tip: str, slot) -> QAction:
    action = QAction(text, window)
    action.setObjectName(f"action_{name}")
    action.setShortcut(QKeySequence(keys))
    action.setStatusTip(tip)
    action.setToolTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    commands = getattr(window, "commands", None)
    if commands is not None:  # listed in Help → Keyboard Shortcuts
        commands.by_name[name] = action
    return action


def _run_menu(window, ui: TrainingUI) -> None:
    s = ui.session
    ui.actions = {
        "train": _action(window, "train", "&Train", "F5", "Train the design with its settings",
                         ui.panel.train_or_resume),
        "pause": _action(window, "pause", "&Pause", "F6", "Pause the run (F6 again resumes it)",
                         ui.panel.toggle_pause),
        "stop": _action(window, "stop", "&Stop", "Shift+F5", "Stop after the current step", s.stop),
        "lr_finder": _action(window, "lr_finder", "Find &Learning Rate…", "",
                             "Learning-rate range test", ui.panel.open_lr_finder),
    }
    menu = window.menuBar().addMenu("&Run")
    menu.setToolTipsVisible(True)  # a disabled command's tooltip says why
    menu.addActions([ui.actions[n] for n in ("train", "pause", "stop")])
    menu.addSeparator()
    menu.addAction(ui.actions["lr_finder"])
    help_menu = next((a for a in window.menuBar().actions() if a.text().replace("&", "") == "Help"), None)
    if help_menu is not None:  # Run goes before Help
        window.menuBar().insertMenu(help_menu, menu)

    tips = {name: action.toolTip() for name, action in ui.actions.items()}

    def on_state(state: str) -> None:
        ui.actions["pause"].setText("&Resume" if state == "paused" else "&Pause")
        for name, key in (("train", "train"), ("pause", "pause"), ("stop", "stop"), ("lr_finder", "lr")):
            enabled, why = button_states(state)[key]
            tip = "Go on with the paused run" if name == "pause" and state == "paused" else tips[name]
            set_available(ui.actions[name], enabled, tip, why)
        if state == "starting":
            ui.show()

    def on_refused(_text: str) -> None:  # answer where the user looks: the panel by the button
        ui.show()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage("Training did not start: the Training panel says why.", 8000)

    s.state_changed.connect(on_state)
    s.refused.connect(on_refused)
    on_state(s.state)


def install_training(window, checkpoint_root=None) -> TrainingUI:
    """Add the training docks and the Run menu to ``window`` (a MainWindow)."""
    viewers = getattr(window, "viewers", None)
    session = TrainingSession(window.document, viewers.session if viewers is not None else None,
                              checkpoint_root, parent=window)
    panel = TrainingPanel(session, window)
    curves = CurvesPanel(session, window)
    dock = window.add_dock(panel, "Training", Area.RightDockWidgetArea, "dock_training")
    curves_dock = window.add_dock(curves, "Training curves", Area.BottomDockWidgetArea,
                                  "dock_training_curves")
    docks = getattr(window, "docks", {})
    if "dock_inspector" in docks:
        window.tabifyDockWidget(docks["dock_inspector"], dock)
        docks["dock_inspector"].raise_()
    if "dock_summary" in docks:
        window.tabifyDockWidget(docks["dock_summary"], curves_dock)
        docks["dock_summary"].raise_()
    ui = TrainingUI(session, panel, curves, dock, curves_dock)
    _run_menu(window, ui)
    return ui


__all__ = ["TrainingPanel", "CurvesPanel", "TrainingSession", "TrainingUI", "install_training"]
