"""The main window: editing through the inspector reaches the summary and status bar, undo and
redo restore the exact design, files round-trip, examples open with the right totals, bad files
are refused with the reason, unsaved changes are asked about, and layout/recent files persist.

Dialogs never block: QMessageBox and QFileDialog are replaced by recorders for every test.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMessageBox

from designer.analysis import analyze
from designer.core import serialize
from designer.gui.main_window import MainWindow
from designer.gui.recovery import RecoveryStore
from designer.gui.settings import Settings
from designer.zoo import find, list_examples

Button = QMessageBox.StandardButton


class Dialogs:
    """Records message boxes and answers questions with ``answer``."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str, str]] = []
        self.answer = Button.Discard
        self.save_path = ""

    def record(self, kind):
        def show(parent, title, text, *args, **kwargs):
            self.shown.append((kind, title, text))
            return self.answer if kind == "question" else Button.Ok
        return show

    def texts(self, kind: str) -> list[str]:
        return [text for k, _, text in self.shown if k == kind]


@pytest.fixture
def dialogs(monkeypatch):
    d = Dialogs()
    for kind in ("question", "critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(d.record(kind)))
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda *a: None))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (d.save_path, "")))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (d.save_path, "")))
    return d


@pytest.fixture
def make_window(qtbot, tmp_path, dialogs):
    def make(example: str | None = "lenet5") -> MainWindow:
        window = MainWindow(settings=Settings.at(tmp_path / "settings.ini"),
                            recovery_store=RecoveryStore(tmp_path / "recovery"))
        qtbot.addWidget(window)
        if example:
            window.open_example(example)
        return window
    return make


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window()


def status_text(window: MainWindow) -> str:
    status = window.design_status
    return " ".join(w.text() for w in (status.params, status.macs, status.size, status.validity))


def test_window_has_the_canvas_panels_menus_and_status(window):
    assert window.centralWidget() is window.view
    assert set(window.docks) >= {"dock_palette", "dock_inspector", "dock_summary", "dock_problems"}
    assert "Params 61,706" in status_text(window)
    assert window.windowTitle().startswith("LeNet-5")
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Layout", "Run", "Help"]
    examples = [a.objectName() for a in window.commands.examples_menu.actions()]
    assert examples == [f"example_{e.name}" for e in list_examples()]
    expected = {"new": QKeySequence.StandardKey.New, "open": QKeySequence.StandardKey.Open,
                "save": QKeySequence.StandardKey.Save, "undo": QKeySequence.StandardKey.Undo,
                "copy": QKeySequence.StandardKey.Copy, "paste": QKeySequence.StandardKey.Paste}
    for name, key in expected.items():
        assert QKeySequence(key) in window.commands[name].shortcuts(), name
    assert window.commands["fit"].shortcut() == QKeySequence("F")
    assert window.commands["redo"].shortcuts()[0] == QKeySequence("Ctrl+Shift+Z")
    assert window.commands["duplicate"].shortcut() == QKeySequence("Ctrl+D")


def test_add_dock_adds_a_view_toggle(window):
    dock = window.add_dock(QLabel("training"), "Training", window.dockWidgetArea(
        window.docks["dock_inspector"]), "dock_training")
    assert isinstance(dock, QDockWidget) and dock.objectName() == "dock_training"
    assert dock.toggleViewAction() in window.commands.panels_menu.actions()


def test_inspector_edit_updates_shapes_summary_and_status(window):
    window.focus_node("conv1")
    form = window.inspector.form
    form.editors["kernel_size"].height.setValue(7)
    analysis = window.document.refresh_now()
    assert analysis.nodes["flatten"].output_shape == (256,)
    assert "Params 44,570" in status_text(window)
    row = window.summary.model.row_of("conv1")
    assert window.summary.model.index(row, 2).data() == "6×26×26"
    assert window.isWindowModified()


def test_impossible_value_leaves_the_design_and_status_unchanged(window):
    before = serialize.dumps(window.document.graph)
    window.focus_node("input")
    shape = window.inspector.form.editors["shape"]
    shape.spins[1].setValue(1_000_000)
    shape.spins[2].setValue(1_000_000)
    window.document.refresh_now()
    assert "the limit is" in window.inspector.form.error_text("shape")
    assert serialize.dumps(window.document.graph) != before  # the first value was acceptable
    window.document.undo_stack.undo()
    assert serialize.dumps(window.document.graph) == before


def test_undo_and_redo_actions_restore_the_exact_design(window):
    doc = window.document
    original = serialize.dumps(doc.graph)
    window.focus_node("fc1")
    window.inspector.form.editors["out_features"].spin.setValue(64)
    window.focus_node("conv2")
    window.inspector.form.id_edit.setText("c2")
    window.inspector.form.id_edit.editingFinished.emit()
    edited = serialize.dumps(doc.graph)
    assert doc.undo_stack.count() == 2
    window.commands["undo"].trigger()
    window.commands["undo"].trigger()
    assert serialize.dumps(doc.graph) == original and not window.isWindowModified()
    window.commands["redo"].trigger()
    window.commands["redo"].trigger()
    assert serialize.dumps(doc.graph) == edited


def test_save_then_open_gives_the_same_design(window, dialogs, tmp_path, make_window):
    window.focus_node("fc2")
    window.inspector.form.editors["out_features"].spin.setValue(100)
    dialogs.save_path = str(tmp_path / "my_lenet")  # the .json suffix is added
    window.commands["save"].trigger()
    saved = tmp_path / "my_lenet.json"
    assert saved.exists() and window.document.path == saved
    assert not window.isWindowModified() and window.windowTitle().startswith("my_lenet.json")
    other = make_window(example=None)
    other.file_guard.ask = lambda *args: True  # "already open in another window": open anyway
    assert other.open_file(saved)
    assert serialize.dumps(other.document.graph) == serialize.dumps(window.document.graph)
    assert other.settings.recent_files()[0] == saved.resolve()


@pytest.mark.parametrize("example", [e.name for e in list_examples()])
def test_each_example_shows_its_total_parameters(window, example):
    expected = analyze(serialize.load(find(example))).total_params
    assert window.open_example(example)
    assert f"Params {expected:,}" in status_text(window)
    assert window.document.path is None  # an example opens as a new design


def test_a_corrupt_file_shows_the_reason_and_keeps_the_design(window, dialogs, tmp_path):
    window.focus_node("fc1")
    window.inspector.form.editors["out_features"].spin.setValue(99)
    before = serialize.dumps(window.document.graph)
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "designer.network", "version": 1, "nodes": [', encoding="utf-8")
    dialogs.answer = Button.Discard  # "save your changes first?" → discard, then the open fails
    assert not window.open_file(bad)
    assert any("not valid JSON" in text for text in dialogs.texts("critical"))
    assert serialize.dumps(window.document.graph) == before


def test_closing_with_unsaved_changes_asks(window, dialogs, tmp_path):
    window.show()
    window.focus_node("fc1")
    window.inspector.form.editors["out_features"].spin.setValue(77)
    window.autosaver.save_now()
    assert window.autosaver.store.file.exists()
    dialogs.answer = Button.Cancel
    assert not window.close() and window.isVisible()
    assert len(dialogs.texts("question")) == 1
    dialogs.answer = Button.Discard
    assert window.close()
    assert not window.autosaver.store.file.exists()  # a clean exit removes the autosave


def test_new_and_revert(window, dialogs, tmp_path):
    path = tmp_path / "net.json"
    serialize.save(serialize.load(find("lenet5")), path)
    assert window.open_file(path)
    window.focus_node("fc1")
    window.inspector.form.editors["out_features"].spin.setValue(50)
    dialogs.answer = Button.Discard
    assert window.revert()
    assert window.document.graph.nodes["fc1"].params == {"out_features": 120}
    assert window.new_design()
    assert set(window.document.graph.nodes) == {"input", "output"} and window.document.analysis.valid


def test_layout_theme_and_recent_files_persist(make_window, tmp_path):
    first = make_window()
    first.docks["dock_problems"].hide()
    first.set_theme("dark")
    first.close()
    assert Settings.at(tmp_path / "settings.ini").theme == "dark"
    second = make_window()
    assert second.docks["dock_problems"].isHidden()
    assert second.commands["theme_dark"].isChecked()


def test_palette_request_adds_the_layer_after_the_selection_and_undo_removes_it(window):
    before = serialize.dumps(window.document.graph)
    window.focus_node("conv1")
    window.palette_panel.layer_requested.emit("BatchNorm2d")
    graph = window.document.graph
    added = [n for n in graph.nodes if graph.nodes[n].type == "BatchNorm2d"]
    assert len(added) == 1
    assert graph.predecessors(added[0]) == ["conv1"] and graph.successors(added[0]) == ["relu1"]
    analysis = window.document.refresh_now()
    assert analysis.nodes[added[0]].output_shape == (6, 28, 28)
    assert "Params 61,718" in status_text(window)  # 2 × 6 BatchNorm weights
    window.commands["undo"].trigger()
    assert serialize.dumps(window.document.graph) == before


def test_a_summary_or_problem_click_selects_the_node(window):
    from designer.core.edits import RemoveEdge
    from designer.core.graph import Edge

    row = window.summary.model.row_of("pool2")
    window.summary.table.clicked.emit(window.summary.model.index(row, 0))
    assert window.document.selection == ["pool2"]
    window.document.push(RemoveEdge(Edge("conv2", "relu2")))
    window.document.refresh_now()
    assert "error" in status_text(window)
    first = window.problems.model.index(0, 0)
    window.problems.tree.clicked.emit(first)
    assert window.document.selection == [first.siblingAtColumn(1).data()]


def test_drop_a_conv_on_a_wire_then_edit_it_and_undo_everything(window):
    """The issue's walk-through: drag Conv2d from the palette onto the wire pool1 → conv2,
    change its kernel in the inspector, see the shapes and totals follow, undo it all."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QDropEvent

    window.resize(1200, 800)
    window.show()
    original = serialize.dumps(window.document.graph)
    scene = window.view.graph_scene
    src, dst = scene.box("pool1").sceneBoundingRect(), scene.box("conv2").sceneBoundingRect()
    middle = QPointF(src.center().x(), (src.bottom() + dst.top()) / 2)
    window.view.centerOn(middle)
    conv = next(i for i in window.palette_panel.layer_items() if i.text(0) == "Conv2d")
    mime = window.palette_panel.tree.mimeData([conv])
    drop = QDropEvent(QPointF(window.view.mapFromScene(middle)), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.view.dropEvent(drop)
    graph = window.document.graph
    (new_id,) = [n for n in graph.nodes if n not in serialize.loads(original).nodes]
    assert graph.predecessors(new_id) == ["pool1"] and graph.successors(new_id) == ["conv2"]
    assert window.document.selection == [new_id]
    window.document.refresh_now()
    form = window.inspector.form
    assert form.node_id == new_id
    form.editors["kernel_size"].height.setValue(5)  # 14 → 10, conv2: 10 → 6, pool2: 6 → 3
    analysis = window.document.refresh_now()
    assert analysis.nodes[new_id].output_shape == (16, 10, 10)
    assert analysis.nodes["flatten"].output_shape == (16 * 3 * 3,)
    assert f"Params {analysis.total_params:,}" in status_text(window)
    row = window.summary.model.row_of("flatten")
    assert window.summary.model.index(row, 2).data() == "144"
    while window.document.undo_stack.canUndo():
        window.commands["undo"].trigger()
    assert serialize.dumps(window.document.graph) == original


def test_shortcuts_work_but_never_steal_typing(window, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from designer.core.edits import SetParams

    window.show()
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=60_000)
    window.document.push(SetParams("fc1", {"out_features": 5}))
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.graph.nodes["fc1"].params == {"out_features": 120}
    window.document.set_selection(["relu1"])
    search = window.palette_panel.search
    search.setFocus()
    qtbot.keyClicks(search, "ff")  # F is "fit" on the canvas, a letter in a text field
    qtbot.keyClick(search, Qt.Key.Key_Delete)
    assert search.text() == "ff" and "relu1" in window.document.graph.nodes


def test_export_canvas_image_writes_the_file_the_user_chose(window, dialogs, tmp_path):
    dialogs.save_path = str(tmp_path / "lenet.png")
    window.commands["export_image"].trigger()
    assert (tmp_path / "lenet.png").stat().st_size > 0
    dialogs.save_path = str(tmp_path / "missing" / "x.png")
    assert not window.export_image()
    assert "missing does not exist" in dialogs.texts("critical")[-1]


def test_no_display_is_a_plain_message_not_an_abort(monkeypatch):
    from designer.gui import app

    monkeypatch.setattr(app.sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(app.LaunchError, match="no display found"):
        app.check_display(screenshot=False)
    app.check_display(screenshot=True)  # a screenshot renders offscreen instead
    assert app.os.environ["QT_QPA_PLATFORM"] == "offscreen"
