"""Look inside the network: filters, activation maps, augmented samples, training health,
predictions, the convolution explorer and Explain, as docks of the designer window.

``install_viewers(window)`` creates one ProbeSession for the window's document and a dock for
each view (tabbed at the bottom, behind the summary); a view is built, and computes, only
when its dock is first shown. The GUI's training worker connects a run to ``viewers.session``:
``attach_training(hook)`` when it starts (passing the same ``ProbeHook`` to
``train(..., probes=[hook])``), ``handle_event(event)`` for every event, and
``detach_training(last_checkpoint)`` when it ends; see session.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QDockWidget, QFileDialog, QWidget

from .activations import ActivationsView
from .augmentations import AugmentationsView
from .common import ViewerBase
from .conv_explorer import ConvExplorerView
from .explain import ExplainView
from .filters import FiltersView
from .health import HealthView
from .predictions import PredictionsView
from .session import ProbeSession

#: (object name, title, view class) in dock-tab order.
VIEWS: tuple[tuple[str, str, type[ViewerBase]], ...] = (
    ("dock_filters", "Filters", FiltersView),
    ("dock_activations", "Activations", ActivationsView),
    ("dock_augmentations", "Augmented samples", AugmentationsView),
    ("dock_health", "Training health", HealthView),
    ("dock_predictions", "Predictions", PredictionsView),
    ("dock_convolution", "Convolution explorer", ConvExplorerView),
    ("dock_explain", "Explain", ExplainView),
)


@dataclass
class Viewers:
    """The window's viewers: the shared session, each dock by object name, and each view
    once built: a view is made when its dock is first shown (``view(name)``), since six
    figures with their plots cost about half a second of the window's start."""

    session: ProbeSession
    views: dict[str, ViewerBase] = field(default_factory=dict)
    docks: dict[str, QDockWidget] = field(default_factory=dict)

    def show(self, object_name: str) -> None:
        """Bring a viewer's dock to the front."""
        dock = self.docks[object_name]
        dock.show()
        dock.raise_()
        self.view(object_name)

    def view(self, object_name: str) -> ViewerBase:
        """The view of a dock, built now if it was not shown yet."""
        view = self.views.get(object_name)
        if view is None:
            cls = next(c for name, _title, c in VIEWS if name == object_name)
            dock = self.docks[object_name]
            view = cls(self.session, dock)
            self.views[object_name] = view
            dock.setWidget(view)
            dock.visibilityChanged.connect(view.schedule_refresh)
            view.schedule_refresh()
        return view

    def _on_dock_visibility_changed(self, object_name: str, visible: bool) -> None:
        if visible and object_name not in self.views:
            self.view(object_name)


def install_viewers(window) -> Viewers:
    """Add the viewer docks to ``window`` (a MainWindow with ``document`` and ``add_dock``)."""
    session = ProbeSession(window.document, window)
    viewers = Viewers(session)
    anchor = getattr(window, "docks", {}).get("dock_summary")
    for name, title, _cls in VIEWS:
        dock = window.add_dock(QWidget(), title, Qt.DockWidgetArea.BottomDockWidgetArea, name)
        viewers.docks[name] = dock
        dock.visibilityChanged.connect(partial(viewers._on_dock_visibility_changed, name))
        if anchor is not None:
            window.tabifyDockWidget(anchor, dock)
        anchor = dock
    if "dock_summary" in getattr(window, "docks", {}):
        window.docks["dock_summary"].raise_()
    session.show_sample.connect(lambda _index: viewers.show("dock_activations"))
    _add_menu(window, viewers)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(session.shutdown)
    return viewers


def _add_menu(window, viewers: Viewers) -> None:
    """View → Look Inside: every viewer, and which weights they show."""
    view_menu = getattr(getattr(window, "commands", None), "view_menu", None)
    if view_menu is None:
        return
    menu = view_menu.addMenu("Look &Inside")
    for name, title, _cls in VIEWS:
        menu.addAction(title, lambda name=name: viewers.show(name))
    menu.addSeparator()
    menu.addAction("Show a Checkpoint's Weights…", lambda: _choose_checkpoint(window, viewers.session))
    menu.addAction("Show the Design's Initial Weights", viewers.session.use_design)


def _choose_checkpoint(window, session: ProbeSession) -> None:
    path, _ = QFileDialog.getOpenFileName(window, "Show a checkpoint's weights", "",
                                          "Designer checkpoints (*.pt);;All files (*)")
    if path:
        session.use_checkpoint(path)


__all__ = ["VIEWS", "Viewers", "install_viewers", "ProbeSession"]
