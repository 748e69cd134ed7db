"""MainWindow: the canvas in the middle, the palette, inspector, summary and problems as docks,
menus with standard shortcuts, the status bar, and the file workflow (new, open, save, revert,
unsaved-changes questions, recent files, crash recovery).

Other parts of the app add their own panels with ``add_dock`` (a toggle appears in View →
Panels). The window never edits the design itself: panels and the canvas push edits on the
document, the window only routes selection, messages and files.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDialog, QDockWidget, QFileDialog, QMainWindow, QMessageBox, QProgressDialog, QWidget,
)

from ..core import serialize
from ..core.edits import replace_design
from ..core.graph import Edge, Graph, Node
from ..core.serialize import DesignFileError
from ..zoo import find
from . import recovery
from .actions import WindowActions
from .canvas import GraphView
from .dock_layout import STATE_VERSION, DockLayout, PanelDock
from .document import Document
from .import_dialog import ImportDialog, ModelImporter
from .panels.inspector import InspectorPanel
from .panels.pane_bar import PaneBar
from .panels.palette import PalettePanel
from .panels.problems import ProblemsPanel
from .panels.status import DesignStatus
from .panels.summary_table import SummaryPanel
from .file_guard import FileGuard
from .recovery import Autosaver, RecoveryStore
from .settings import Settings
from .theme import ThemeManager

APP_NAME = "Designer"
FILE_FILTER = "Designer networks (*.json);;All files (*)"
Area = Qt.DockWidgetArea
Button = QMessageBox.StandardButton


def starter_graph() -> Graph:
    """What File → New shows: an Input wired to an Output, ready for layers in between."""
    graph = Graph("Untitled")
    graph.add_node(Node("input", "Input", {}, (0.0, 0.0)))
    graph.add_node(Node("output", "Output", {}, (0.0, 220.0)))
    graph.add_edge(Edge("input", "output"))
    return graph


class MainWindow(QMainWindow):
    """The designer window. ``settings``, ``recovery_store`` and ``theme`` default to the
    user's; tests pass a temporary INI file and recovery folder."""

    def __init__(self, document: Document | None = None, settings: Settings | None = None,
                 recovery_store: RecoveryStore | None = None, theme: ThemeManager | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("designer_main_window")
        self.document = document or Document(parent=self)
        self.settings = settings or Settings()
        self.theme = theme
        self.docks: dict[str, QDockWidget] = {}
        self.dock_layout = DockLayout(self)
        self.view = GraphView(self.document, self)
        self.setCentralWidget(self.view)
        self.setDockNestingEnabled(True)
        self.commands = WindowActions(self)
        self._build_panels()
        self._build_pane_bar()
        self.autosaver = Autosaver(self.document, recovery_store or RecoveryStore(), parent=self)
        self.file_guard = FileGuard(self.autosaver.store.folder.parent / "open-files", self)
        self.document.graph_replaced.connect(lambda: self.file_guard.track(self.document.path))
        self._connect()
        self._restore_layout()
        self._sync_theme_actions()
        self._update_title()

    # ------------------------------------------------------------ construction
    def _build_panels(self) -> None:
        self.palette_panel = PalettePanel(self)
        self.inspector = InspectorPanel(self.document, self)
        self.summary = SummaryPanel(self.document, self)
        self.problems = ProblemsPanel(self.document, self)
        self.add_dock(self.palette_panel, "Layers", Area.LeftDockWidgetArea, "dock_palette")
        self.add_dock(self.inspector, "Inspector", Area.RightDockWidgetArea, "dock_inspector")
        summary = self.add_dock(self.summary, "Summary", Area.BottomDockWidgetArea, "dock_summary")
        problems = self.add_dock(self.problems, "Problems", Area.BottomDockWidgetArea, "dock_problems")
        self.tabifyDockWidget(summary, problems)
        summary.raise_()
        self.design_status = DesignStatus(self.document, self)
        self.statusBar().addPermanentWidget(self.design_status)
        from .viewers import install_viewers  # filters, activations, health, ... docks

        self.viewers = install_viewers(self)
        from .training_panel import install_training  # Training docks and the Run menu

        self.training = install_training(self)
        from .transfer_actions import install_transfer  # Run → Replace the Head, Pretrained Weights

        self.transfer_actions = install_transfer(self)
        from .playground import install_playground  # the Playground dock for 2-D data

        self.playground = install_playground(self)
        from .lessons import install_lessons  # the Lessons dock

        self.lessons = install_lessons(self)
        for name in ("dock_training", "dock_playground"):  # settings there are undoable too
            self.inspector.undo_keys.add_root(self.docks[name])

    def _build_pane_bar(self) -> None:
        """Status-bar buttons that open the collapsed bottom panels (see dock_layout)."""
        viewer_docks = [(name, dock.windowTitle()) for name, dock in self.viewers.docks.items()]
        self.pane_bar = PaneBar(self, viewer_docks, self)
        self.statusBar().insertPermanentWidget(0, self.pane_bar)

    def add_dock(self, widget: QWidget, title: str, area: Qt.DockWidgetArea,
                 object_name: str) -> QDockWidget:
        """Put ``widget`` in a dock (restored to its saved place) with a View → Panels toggle.
        The widget scrolls inside its dock (see dock_layout): it never sets the dock's size."""
        dock = PanelDock(title, self)
        dock.setObjectName(object_name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[object_name] = dock
        self.dock_layout.register(dock, area)
        self.commands.panels_menu.addAction(dock.toggleViewAction())
        if getattr(self, "_layout_restored", False):
            self.restoreDockWidget(dock)
        return dock

    def _connect(self) -> None:
        doc = self.document
        doc.path_changed.connect(self._update_title)
        doc.modified_changed.connect(self._update_title)
        doc.analysis_changed.connect(self._update_title)
        doc.edit_refused.connect(lambda reason: self.statusBar().showMessage(reason, 8000))
        self.view.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.view.node_activated.connect(self._on_view_node_activated)
        self.palette_panel.layer_requested.connect(self._on_palette_layer_requested)
        self.summary.node_activated.connect(self.focus_node)
        self.problems.node_activated.connect(self.focus_node)
        self.problems.counts_changed.connect(self._on_problems_counts_changed)
        self.design_status.problems_requested.connect(lambda: self.show_dock("dock_problems"))
        if self.theme is not None:
            self.theme.theme_changed.connect(self._on_theme_changed)
            self.view.set_dark(self.theme.dark)

    def _restore_layout(self) -> None:
        geometry, state = self.settings.window_layout()
        if geometry is None or not self.restoreGeometry(geometry):
            screen = QGuiApplication.primaryScreen().availableGeometry()
            self.resize(min(1440, int(screen.width() * 0.9)), min(900, int(screen.height() * 0.9)))
        intended = self.size()
        self._size_on_show = state is None or not self.restoreState(state, STATE_VERSION)
        if self._size_on_show:
            self.dock_layout.apply_default()
            # Adding the docks to a window not yet shown grows it to their size hints (1,061 px
            # on a 1,024 px screen) when its layout settles: settle it now, then keep the size
            # chosen for the screen.
            self.layout().activate()
            self.resize(intended)
        else:  # a dock the saved layout does not know (added since) goes to its default place
            self.dock_layout.place_unknown(self.settings.saved_docks())
        self._layout_restored = True

    def reset_layout(self) -> None:
        """View → Reset Layout: the default arrangement, sized for the window as it is now."""
        self.dock_layout.apply_default()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if self._size_on_show:  # the default side widths follow the window's first real size
            self._size_on_show = False
            self.dock_layout.size_sides()
        self.dock_layout.tidy_tab_bars()

    # ------------------------------------------------------------ routing
    def show_design(self) -> None:
        """Fit the design to the canvas at a readable zoom (a long one from its top: it
        scrolls, with the minimap; see GraphView.fit_to_view)."""
        self.view.fit_to_view()

    def focus_node(self, node_id: str) -> None:
        """Select ``node_id`` and centre the canvas on it (summary and problems rows)."""
        if node_id in self.document.graph.nodes:
            self.document.set_selection([node_id])
            self.view.center_on(node_id)

    def show_dock(self, object_name: str) -> None:
        self.dock_layout.open(object_name)

    def _on_view_node_activated(self, node_id: str) -> None:
        self.show_dock("dock_inspector")
        self.inspector.setFocus()

    def _on_palette_layer_requested(self, layer_type: str) -> None:
        if self.view.add_layer_after_selection(layer_type) is None:
            self.statusBar().showMessage(
                f"Select a layer to add {layer_type} after it, or drag {layer_type} onto the canvas.",
                6000)

    def _on_problems_counts_changed(self, errors: int, warnings: int) -> None:
        count = errors + warnings
        self.docks["dock_problems"].setWindowTitle(f"Problems ({count})" if count else "Problems")

    def _update_title(self, *args) -> None:
        path = self.document.path
        name = path.name if path else self.document.graph.name
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")
        self.setWindowModified(self.document.modified)

    # ------------------------------------------------------------ theme
    def set_theme(self, mode: str) -> None:
        self.settings.theme = mode
        if self.theme is not None:
            self.theme.set_mode(mode)
        self._sync_theme_actions()

    def _sync_theme_actions(self) -> None:
        mode = self.theme.mode if self.theme is not None else self.settings.theme
        self.commands[f"theme_{mode}"].setChecked(True)

    def _on_theme_changed(self, dark: bool) -> None:
        self.view.set_dark(dark)
        self.document.refresh_now()  # panels re-colour their rich text

    # ------------------------------------------------------------ files
    def new_design(self) -> bool:
        if not self.maybe_save():
            return False
        self.document.replace_graph(starter_graph(), None)
        self.document.set_selection(["input"])
        self.show_design()
        return True

    def open_dialog(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self, "Open design", self._folder(), FILE_FILTER)
        return bool(path) and self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        """Open a design; an unreadable file shows why and leaves the current design as it was."""
        if not self.maybe_save() or not self.file_guard.confirm_open(self, path):
            return False
        try:
            self.document.open(path)
        except DesignFileError as exc:
            QMessageBox.critical(self, "Cannot open the design", str(exc))
            if not Path(path).exists():
                self.settings.remove_recent(path)
            return False
        self.settings.add_recent(path)
        self.settings.last_folder = Path(path).resolve().parent
        self.show_design()
        return True

    def open_example(self, name: str) -> bool:
        """Open a bundled example as a new, unsaved design (saving asks where); the question
        about unsaved changes is open_new_design's (asked once)."""
        try:
            graph = serialize.load(find(name))
        except DesignFileError as exc:
            QMessageBox.critical(self, "Cannot open the example", str(exc))
            return False
        return self.open_new_design(graph)

    def open_new_design(self, graph) -> bool:
        """Show ``graph`` (a Playground preset, a lesson's network) as a new, unsaved design:
        the Save / Discard / Cancel question of File → Open first, and no file attached, so
        Save asks for a name instead of overwriting the open file with another network."""
        if not self.maybe_save():
            return False
        self.document.replace_graph(graph, None)
        self.show_design()
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        suggested = str(Path(self._folder()) / f"{_file_stem(self.document.graph.name)}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save design", suggested, FILE_FILTER)
        if not path:
            return False
        path = Path(path)
        return self._save_to(path if path.suffix else path.with_suffix(".json"))

    def _save_to(self, path: Path) -> bool:
        if not self.file_guard.confirm_save(self, path):
            return False
        try:
            saved = self.document.save(path)
        except OSError as exc:
            QMessageBox.critical(self, "Cannot save the design",
                                 f"{path} could not be written: {exc.strerror or exc}. "
                                 f"Choose another folder with File → Save As.")
            return False
        self.file_guard.track(saved)
        self.settings.add_recent(saved)
        self.settings.last_folder = saved.resolve().parent
        self.statusBar().showMessage(f"Saved {saved}", 4000)
        return True

    def revert(self) -> bool:
        path = self.document.path
        if path is None or not self.document.modified:
            return False
        answer = QMessageBox.question(self, "Revert", f"Discard your changes and reload {path.name}?",
                                      Button.Discard | Button.Cancel, Button.Cancel)
        if answer != Button.Discard:
            return False
        try:
            self.document.open(path)
        except DesignFileError as exc:
            QMessageBox.critical(self, "Cannot reload the design", str(exc))
            return False
        return True

    def import_dialog(self) -> bool:
        """File → Import PyTorch Model: ask for the source, then import in the background."""
        dialog = ImportDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return self.import_model(*dialog.values()) is not None

    def import_model(self, source: str, shape: list[int]) -> ModelImporter | None:
        """Start importing ``source``; the design opens (unsaved) when the child process ends."""
        if not self.maybe_save():
            return None
        importer = ModelImporter(self)
        progress = QProgressDialog(f"Importing {source}…", "Cancel", 0, 0, self)
        progress.setWindowTitle("Import PyTorch model")
        progress.setMinimumDuration(0)
        progress.canceled.connect(importer.cancel)
        importer.imported.connect(lambda graph: self._on_import_done(progress, graph))
        importer.failed.connect(lambda reason: self._on_import_done(progress, None, reason))
        importer.start(source, shape)
        progress.show()
        return importer

    def _on_import_done(self, progress: QProgressDialog, graph: Graph | None, reason: str = "") -> None:
        cancelled = progress.wasCanceled()
        progress.close()
        if graph is not None:
            self.document.replace_graph(graph, None)
            self.show_design()
        elif not cancelled:
            QMessageBox.critical(self, "Cannot import the model", reason)

    def export_image(self) -> bool:
        suggested = str(Path(self._folder()) / f"{_file_stem(self.document.graph.name)}.png")
        path, _ = QFileDialog.getSaveFileName(self, "Export canvas image", suggested,
                                              "PNG image (*.png);;SVG drawing (*.svg)")
        if not path:
            return False
        try:
            self.view.render_to_image(path)
        except OSError as exc:
            QMessageBox.critical(self, "Cannot export the image", f"{path}: {exc.strerror or exc}")
            return False
        self.statusBar().showMessage(f"Wrote {path}", 4000)
        return True

    def maybe_save(self) -> bool:
        """Ask Save / Discard / Cancel when there are unsaved changes; True to go on."""
        if not self.document.modified:
            return True
        path = self.document.path
        name = path.name if path else self.document.graph.name
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {name} before closing it?",
            Button.Save | Button.Discard | Button.Cancel, Button.Save)
        if answer == Button.Save:
            return self.save()
        return answer == Button.Discard

    def _folder(self) -> str:
        if self.document.path is not None:
            return str(self.document.path.parent)
        return self.settings.last_folder or str(Path.home())

    # ------------------------------------------------------------ recovery
    def offer_recovery(self) -> bool:
        """After a crash: offer the newest autosave of a window that is gone. True if restored."""
        orphans = self.autosaver.store.orphans()
        if not orphans:
            return False
        found = orphans[0]
        answer = QMessageBox.question(
            self, "Recover unsaved changes",
            f"Designer did not close cleanly while you were editing {found.title}. "
            f"Recover the autosaved design?", Button.Yes | Button.Discard, Button.Yes)
        if answer != Button.Yes:
            recovery.discard(found)
            return False
        self._restore(found)
        recovery.discard(found)
        return True

    def _restore(self, found: recovery.Recovered) -> None:
        """Open the original file (if any), then apply the autosave as one undoable change."""
        base, path = starter_graph(), None
        if found.original is not None:
            try:
                base, path = serialize.load(found.original), found.original
            except DesignFileError:
                pass
        self.document.replace_graph(base, path)
        self.document.push(replace_design(self.document.graph, found.graph))
        self.document.graph.training = dict(found.graph.training)
        self.show_design()

    # ------------------------------------------------------------ closing
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if not self.maybe_save():
            event.ignore()
            return
        self.settings.set_window_layout(self.saveGeometry(), self.saveState(STATE_VERSION), list(self.docks))
        self.settings.sync()
        self.autosaver.clean_exit()
        self.file_guard.release()
        self.training.shutdown()  # stop a run and join the worker
        self.lessons.shutdown()
        event.accept()


def _file_stem(name: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in name.strip().lower())
    return stem.strip("_") or "design"
