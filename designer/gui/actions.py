"""The window's actions and menus (File, Edit, View, Layout, Help) with standard shortcuts.

Actions are built from small tables so that the menu bar reads like the spec: one row per
command, its shortcut and what it calls. Canvas commands call GraphView methods; file
commands call MainWindow methods; Undo/Redo come from the document's QUndoStack.
"""

from __future__ import annotations

import html
from functools import partial
from pathlib import Path
from typing import Callable

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from ..zoo import list_examples
from .availability import set_available
from .settings import THEMES

Std = QKeySequence.StandardKey


def importer_available() -> bool:
    """Whether the model importer is installed (checked without importing torch)."""
    return (Path(__file__).resolve().parents[1] / "compiler" / "importer.py").exists()


def show_about(window) -> None:
    from .. import __version__

    QMessageBox.about(window, "About Designer",
                      f"<b>Designer</b> {__version__}<br>Build, train and understand "
                      f"convolutional neural networks visually, on PyTorch.")


#: What the mouse does on the canvas (listed under the shortcuts, and in the README).
MOUSE = (("Pan the canvas", "drag with the middle button, or hold Space and drag"),
         ("Zoom", "mouse wheel (around the pointer)"),
         ("Connect two layers", "drag from an output port to an input port"),
         ("Insert a layer on a wire", "drop it from the palette onto the wire"),
         ("Select several", "drag a rectangle on empty canvas, or Ctrl+click"),
         ("Expand or collapse a block", "double-click it"))
#: Command names for actions whose text changes with the state (Undo says what it undoes).
FIXED_NAMES = {"undo": "Undo", "redo": "Redo", "pause": "Pause / Resume"}


def shortcut_rows(window) -> list[tuple[str, str]]:
    """(command, keys) for every action with a shortcut, then the mouse gestures."""
    native = QKeySequence.SequenceFormat.NativeText
    rows = [(FIXED_NAMES.get(name, a.text().replace("&", "")),
             ", ".join(k.toString(native) for k in a.shortcuts()))
            for name, a in window.commands.by_name.items() if a.shortcuts()]
    return rows + list(MOUSE)


def show_shortcuts(window) -> None:
    """A table of every action that has a shortcut, as the platform writes it, and the mouse."""
    rows = shortcut_rows(window)
    split = len(rows) - len(MOUSE)
    cells = [f"<tr><td>{html.escape(name)}</td><td>&nbsp;&nbsp;{html.escape(keys)}</td></tr>"
             for name, keys in rows]
    cells.insert(split, "<tr><td colspan=2><br><b>Mouse, on the canvas</b></td></tr>")
    rows = "".join(cells)
    QMessageBox.information(window, "Keyboard shortcuts and mouse", f"<table>{rows}</table>")


def _keys(*keys) -> list[QKeySequence]:
    return [QKeySequence(k) for k in keys]


class WindowActions:
    """Every QAction of the main window, by name (``actions["save"]``), and its menus."""

    def __init__(self, window) -> None:
        self.window = window
        self.by_name: dict[str, QAction] = {}
        view = window.view
        self._file_actions(window)
        self._edit_actions(window, view)
        self._view_actions(window, view)
        self._add("auto_layout", "&Auto Layout", view.auto_layout, _keys("Ctrl+L"),
                  "Arrange the layers in rows by depth (one undo step)")
        self._add("about", "&About Designer", partial(show_about, window))
        self._add("shortcuts", "&Keyboard Shortcuts", partial(show_shortcuts, window), _keys("F1"))
        self.build_menus(window.menuBar())

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    def _add(self, name: str, text: str, slot: Callable, keys=(), tip: str = "") -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(f"action_{name}")
        if keys:
            action.setShortcuts(list(keys))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        self.window.addAction(action)  # shortcuts work even when the menu bar is hidden
        self.by_name[name] = action
        return action

    # ------------------------------------------------------------ tables
    def _file_actions(self, w) -> None:
        self._add("new", "&New", w.new_design, _keys(Std.New), "Start a new design")
        self._add("open", "&Open…", w.open_dialog, _keys(Std.Open), "Open a design file (.json)")
        self._add("save", "&Save", w.save, _keys(Std.Save), "Save the design")
        self._add("save_as", "Save &As…", w.save_as, _keys("Ctrl+Shift+S"), "Save under a new name")
        self._add("revert", "&Revert", w.revert, (), "Discard the changes since the last save")
        if importer_available():
            self._add("import", "&Import PyTorch Model…", w.import_dialog, (),
                      "Turn a torchvision or your own nn.Module into an editable design")
        self._add("export_image", "&Export Canvas Image…", w.export_image, (),
                  "Write the whole design as a PNG or SVG image")
        self._add("quit", "&Quit", w.close, _keys(Std.Quit))

    def _edit_actions(self, w, view) -> None:
        stack = w.document.undo_stack
        undo = stack.createUndoAction(w, "&Undo")
        undo.setShortcuts(_keys(Std.Undo))
        redo = stack.createRedoAction(w, "&Redo")
        redo.setShortcuts(_keys("Ctrl+Shift+Z", "Ctrl+Y"))
        for name, action in (("undo", undo), ("redo", redo)):
            action.setObjectName(f"action_{name}")
            w.addAction(action)
            self.by_name[name] = action
        self._explain_undo(stack, undo, redo)
        self._add("cut", "Cu&t", view.cut_selection, _keys(Std.Cut))
        self._add("copy", "&Copy", view.copy_selection, _keys(Std.Copy))
        self._add("paste", "&Paste", view.paste, _keys(Std.Paste))
        self._add("duplicate", "D&uplicate", view.duplicate_selection, _keys("Ctrl+D"))
        self._add("delete", "&Delete", view.delete_selection, _keys(Std.Delete, "Backspace"))
        self._add("select_all", "Select &All", view.select_all, _keys(Std.SelectAll))
        self._add("group", "&Group", view.group_selection, _keys("Ctrl+G"),
                  "Make the selected layers a named block that can be collapsed")
        self._add("ungroup", "U&ngroup", view.ungroup_selection, _keys("Ctrl+Shift+G"))

    def _explain_undo(self, stack, undo: QAction, redo: QAction) -> None:
        """Undo/Redo say what they would do, or why they cannot; Revert why it is off."""
        def sync(*_args) -> None:
            try:
                _sync()
            except RuntimeError:  # the window is being torn down
                pass

        def _sync() -> None:
            set_available(undo, stack.canUndo(), f"Undo {stack.undoText()}".strip(), "nothing to undo")
            set_available(redo, stack.canRedo(), f"Redo {stack.redoText()}".strip(), "nothing to redo")
            document = self.window.document
            set_available(self.by_name["revert"], document.path is not None and document.modified,
                          "Discard the changes since the last save",
                          "the design was never saved" if document.path is None else "there are no unsaved changes")

        for signal in (stack.indexChanged, stack.cleanChanged, self.window.document.path_changed):
            signal.connect(sync)
        sync()

    def _view_actions(self, w, view) -> None:
        self._add("fit", "&Fit to Window", view.fit_to_view, _keys("F"), "Show the whole design")
        self._add("zoom_in", "Zoom &In", partial(view.zoom_by, 1.25), _keys(Std.ZoomIn, "Ctrl+="))
        self._add("zoom_out", "Zoom &Out", partial(view.zoom_by, 0.8), _keys(Std.ZoomOut))
        self._add("zoom_reset", "&Actual Size", view.reset_zoom, _keys("Ctrl+0"))
        self._add("reset_layout", "Reset &Layout", w.reset_layout, (),
                  "Put every panel back where it was at first start: the canvas in the middle")
        self.theme_group = QActionGroup(w)
        self.theme_group.setExclusive(True)
        for mode in THEMES:
            action = self._add(f"theme_{mode}", mode.capitalize() if mode != "system" else
                               "Follow &System", partial(w.set_theme, mode))
            action.setCheckable(True)
            self.theme_group.addAction(action)

    # ------------------------------------------------------------ menus
    def build_menus(self, bar) -> None:
        a = self.by_name
        file = bar.addMenu("&File")
        file.addActions([a["new"], a["open"]])
        self.recent_menu = file.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        self.examples_menu = file.addMenu("&Examples")
        self._fill_examples_menu(self.examples_menu)
        file.addSeparator()
        file.addActions([a["save"], a["save_as"], a["revert"]])
        file.addSeparator()
        if "import" in a:
            file.addAction(a["import"])
        file.addAction(a["export_image"])
        file.addSeparator()
        file.addAction(a["quit"])
        edit = bar.addMenu("&Edit")
        edit.addActions([a["undo"], a["redo"]])
        edit.addSeparator()
        edit.addActions([a["cut"], a["copy"], a["paste"], a["duplicate"], a["delete"]])
        edit.addSeparator()
        edit.addActions([a["select_all"], a["group"], a["ungroup"]])
        self.view_menu = bar.addMenu("&View")
        self.view_menu.addActions([a["fit"], a["zoom_in"], a["zoom_out"], a["zoom_reset"]])
        theme = self.view_menu.addMenu("&Theme")
        theme.addActions(self.theme_group.actions())
        self.view_menu.addSeparator()
        self.panels_menu = self.view_menu.addMenu("&Panels")
        self.view_menu.addAction(a["reset_layout"])
        layout = bar.addMenu("&Layout")
        layout.addAction(a["auto_layout"])
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([a["shortcuts"], a["about"]])
        for menu in (file, edit):  # a disabled command's tooltip says why
            menu.setToolTipsVisible(True)

    def _fill_examples_menu(self, menu: QMenu) -> None:
        for example in list_examples():
            action = menu.addAction(example.title)
            action.setObjectName(f"example_{example.name}")
            first = example.description.split(". ")[0].strip()
            action.setStatusTip(first)
            action.setToolTip(first)
            action.triggered.connect(partial(self.window.open_example, example.name))
        menu.setToolTipsVisible(True)

    def fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = [p for p in self.window.settings.recent_files() if p.exists()]
        for path in files:
            action = menu.addAction(path.name)
            action.setStatusTip(str(path))
            action.setToolTip(str(path))
            action.triggered.connect(partial(self.window.open_file, path))
        if not files:
            menu.addAction("No recent files").setEnabled(False)
            return
        menu.addSeparator()
        menu.addAction("Clear Menu", self.window.settings.clear_recent)
