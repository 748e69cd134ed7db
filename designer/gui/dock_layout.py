"""Where the window's docks go: the canvas in the centre with most of the room.

The default arrangement (first start, and View → Reset Layout):

* the Layers palette on the left, the Inspector and Training tabbed on the right, both
  narrow (their widths follow the window so that the canvas keeps at least ``CANVAS_SHARE``
  of the window from 1024×700 up);
* every other panel (Summary, Problems, training curves, the look-inside views and any dock
  another part of the app adds at the bottom) tabbed in the bottom area and *collapsed*
  (hidden) until asked for: the pane buttons in the status bar, View → Panels, a click on
  the status bar's validity, or a run starting open them.

Each dock's content sits in a scroll area, so a dock can be made as small as the user wants
(every separator can be dragged) and a view whose content grows (more padding in the
convolution explorer, a taller table) scrolls instead of re-laying out the window.

The user's arrangement is saved in QSettings on close and restored on start; a state saved
by an older arrangement (another ``STATE_VERSION``) is ignored.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractScrollArea, QDockWidget, QFrame, QMainWindow, QScrollArea, QTabBar, QWidget

Area = Qt.DockWidgetArea
Orientation = Qt.Orientation

STATE_VERSION = 2  # bump when the default arrangement changes: older saved states are ignored
CANVAS_SHARE = 0.55  # the least share of the window's area the canvas gets by default
BOTTOM_SHARE = 0.36  # height of the bottom panels (of the window's) when first opened
MIN_BOTTOM = 160  # a bottom pane opened smaller than this is given BOTTOM_SHARE
SIDE_MAX_SHARE = 0.4  # the widest a side panel grows to fit its content (of the window's width)
MIN_SIDE = 130  # the narrowest a side panel (Layers, Inspector) gets: its names stay readable


def side_widths(window_width: int) -> tuple[int, int]:
    """Default widths of the left (Layers) and right (Inspector) docks for a window width."""
    left = min(max(round(0.14 * window_width), 150), 210)
    right = min(max(round(0.35 * window_width) - 154, 225), 350)  # 225 at 1024 px, 350 at 1440
    return left, right


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: the dock can shrink below the widget's minimum
    size (scroll bars appear) and the widget's size changes never reach the window layout."""
    area = QScrollArea()
    area.setObjectName(f"{widget.objectName() or type(widget).__name__}_scroll")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


class PanelDock(QDockWidget):
    """A dock whose content always scrolls: ``setWidget`` puts the widget in a scroll area
    (unless it scrolls itself), also when a panel is built later and set then."""

    def setWidget(self, widget: QWidget) -> None:  # noqa: N802 (Qt name)
        super().setWidget(widget if isinstance(widget, QAbstractScrollArea) else scrolled(widget))


class DockLayout:
    """Remembers each dock's default area (in the order added) and arranges them."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.areas: dict[str, Area] = {}
        self._bottom_height = 0
        self._arranging = False  # apply_default is showing tabs one by one: no fit_side
        # The side panels run the window's full height; the bottom panes sit under the canvas.
        window.setCorner(Qt.Corner.BottomLeftCorner, Area.LeftDockWidgetArea)
        window.setCorner(Qt.Corner.BottomRightCorner, Area.RightDockWidgetArea)

    def register(self, dock: QDockWidget, area: Area) -> None:
        self.areas[dock.objectName()] = area
        # View → Panels: a panel switched on comes to the front of its tabs (not a new tab behind)
        dock.toggleViewAction().triggered.connect(
            lambda checked, n=dock.objectName(): checked and self.open(n))
        if area in (Area.BottomDockWidgetArea, Area.TopDockWidgetArea):
            dock.visibilityChanged.connect(lambda visible, d=dock: self._on_bottom_visibility(d, visible))
        else:  # a side panel dragged (or restored) narrower than this is no longer usable
            dock.setMinimumWidth(MIN_SIDE)
            dock.visibilityChanged.connect(
                lambda visible, d=dock: visible and QTimer.singleShot(0, lambda: self.fit_side(d)))

    def fit_side(self, dock: QDockWidget) -> None:
        """A side panel brought to the front (the Training tab behind the Inspector) widens to
        what its content needs, so that its buttons and fields are not cut off behind a
        horizontal scroll bar; never narrower than it was, never wider than SIDE_MAX_SHARE of
        the window (the canvas keeps the rest)."""
        if (self._arranging or not dock.isVisible() or dock.isFloating()
                or not self.window.isVisible() or dock.visibleRegion().isEmpty()):
            return  # rearranging, or a tab behind another
        area = self.window.dockWidgetArea(dock)
        if self.docks_in(area)[:1] == [dock]:  # the area's default front panel keeps the
            return                             # default width (the canvas's share)
        content = dock.widget()
        inner = content.widget() if isinstance(content, QScrollArea) else content
        if inner is None:
            return
        scroll_bar = dock.style().pixelMetric(dock.style().PixelMetric.PM_ScrollBarExtent)
        frame = dock.width() - content.viewport().width() if isinstance(content, QScrollArea) else 0
        need = inner.minimumSizeHint().width() + max(frame, 0) + scroll_bar
        target = min(need, int(self.window.width() * SIDE_MAX_SHARE))
        if dock.width() < target:
            self.window.resizeDocks([dock], [target], Orientation.Horizontal)

    def docks_in(self, area: Area) -> list[QDockWidget]:
        docks = self.window.docks
        return [docks[name] for name, a in self.areas.items() if a == area and name in docks]

    # ------------------------------------------------------------ the default arrangement
    def apply_default(self) -> None:
        """Put every dock back in its default area, tabbed with its neighbours, the side
        panels shown and the bottom ones collapsed; then size the sides for the window."""
        w = self.window
        for area, shown in ((Area.LeftDockWidgetArea, True), (Area.RightDockWidgetArea, True),
                            (Area.BottomDockWidgetArea, False), (Area.TopDockWidgetArea, False)):
            group = self.docks_in(area)
            for dock in group:
                dock.setFloating(False)
                w.addDockWidget(area, dock)
            for dock in group[1:]:
                w.tabifyDockWidget(group[0], dock)
            for dock in group:
                dock.setVisible(shown)
            if group:
                group[0].raise_()
        self._bottom_height = 0
        self.size_sides()
        self.tidy_tab_bars()
        # The tabs shown one by one above queued their fit_side: they run (and are skipped)
        # before this clears the flag.
        self._arranging = True
        QTimer.singleShot(0, lambda: setattr(self, "_arranging", False))

    def place_unknown(self, known: list[str] | None) -> None:
        """After restoring a saved layout: docks it does not know join their default group
        (tabbed with the first dock of their area), collapsed if that is at the bottom."""
        if known is None:
            return
        for name, area in self.areas.items():
            dock = self.window.docks.get(name)
            if dock is None or name in known:
                continue
            group = [d for d in self.docks_in(area) if d.objectName() in known]
            if group:
                self.window.tabifyDockWidget(group[0], dock)
            dock.setVisible(area in (Area.LeftDockWidgetArea, Area.RightDockWidgetArea))

    def size_sides(self) -> None:
        left, right = side_widths(self.window.width())
        for area, width in ((Area.LeftDockWidgetArea, left), (Area.RightDockWidgetArea, right)):
            visible = [d for d in self.docks_in(area) if d.isVisible() and not d.isFloating()]
            if visible:
                self.window.resizeDocks(visible[:1], [width], Orientation.Horizontal)

    def tidy_tab_bars(self) -> None:
        """Hide stray tab bars once the layout has settled (see ``stray_tab_bars``)."""
        QTimer.singleShot(0, lambda: [bar.hide() for bar in stray_tab_bars(self.window)])

    # ------------------------------------------------------------ opening panes
    def open(self, name: str) -> QDockWidget:
        """Show dock ``name`` in front of its tab group (the bottom pane opens at a useful
        height when it was collapsed)."""
        dock = self.window.docks[name]
        dock.show()
        dock.raise_()
        return dock

    def toggle(self, name: str) -> None:
        """A pane button: open the dock, or collapse it when it is already in front."""
        dock = self.window.docks[name]
        if dock.isVisible() and not dock.visibleRegion().isEmpty():
            dock.hide()
        else:
            self.open(name)

    def bottom_open(self) -> bool:
        return any(d.isVisible() and not d.isFloating() for d in self.docks_in(Area.BottomDockWidgetArea))

    def _on_bottom_visibility(self, dock: QDockWidget, visible: bool) -> None:
        self.tidy_tab_bars()
        if dock.isFloating():
            return
        if not visible:
            if dock.height() >= MIN_BOTTOM:
                self._bottom_height = dock.height()
            return
        # Qt gives a re-opened bottom pane its minimum height: give it the last height used.
        QTimer.singleShot(0, lambda: self._give_height(dock))

    def _give_height(self, dock: QDockWidget) -> None:
        if not dock.isVisible() or dock.isFloating() or dock.height() >= MIN_BOTTOM:
            return
        height = self._bottom_height or round(BOTTOM_SHARE * self.window.height())
        self.window.resizeDocks([dock], [height], Orientation.Vertical)


def stray_tab_bars(window: QMainWindow) -> list[QTabBar]:
    """Dock tab bars that QMainWindow left shown although no visible dock group uses them
    (after restoreState or re-tabbing, Qt can leave an old bar at its old place, over the
    palette or the canvas). A bar in use sits right under the visible dock of its current tab."""
    docks = [d for d in window.findChildren(QDockWidget) if d.isVisible() and not d.isFloating()]
    stray = []
    for bar in window.findChildren(QTabBar):
        if bar.parent() is not window or not bar.isVisible():
            continue
        box = bar.geometry()
        titles = {bar.tabText(i) for i in range(bar.count())}
        used = any(d.windowTitle() in titles and abs(d.geometry().bottom() - box.top()) <= 8
                   and d.geometry().left() - 8 <= box.left() <= d.geometry().right() for d in docks)
        if not used:
            stray.append(bar)
    return stray


def canvas_share(window: QMainWindow) -> float:
    """The share of the window's area the canvas (central widget) has."""
    canvas = window.centralWidget()
    return canvas.width() * canvas.height() / max(1, window.width() * window.height())
