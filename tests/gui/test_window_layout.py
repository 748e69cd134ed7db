"""The canvas is the centre of the window: default layout, panes on demand, draggable
separators, saved and reset layouts, views that scroll instead of resizing the window,
readable Fit with a minimap, tables sized to their contents."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from designer.core.edits import SetParams
from designer.gui.canvas.fit import TITLE_MIN_PX, TITLE_PX
from designer.gui.dock_layout import CANVAS_SHARE, MIN_BOTTOM, canvas_share
from designer.gui.main_window import MainWindow
from designer.gui.recovery import RecoveryStore
from designer.gui.settings import Settings

BOTTOM = ("dock_summary", "dock_problems", "dock_training_curves", "dock_filters", "dock_convolution")


@pytest.fixture
def make_window(qtbot, tmp_path, monkeypatch):
    for kind in ("question", "critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    made = []

    def make(size=(1440, 900)):
        window = MainWindow(settings=Settings.at(tmp_path / "settings.ini"),
                            recovery_store=RecoveryStore(tmp_path / "recovery"))
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        window.open_example("lenet5")
        made.append(window)
        return window
    yield make
    for window in made:
        window.training.shutdown()


def settle(qtbot):
    qtbot.wait(50)  # layout requests and single-shot timers run on the next turns


@pytest.mark.parametrize("size", [(1440, 900), (1024, 700)])
def test_default_layout_gives_the_canvas_most_of_the_window(make_window, qtbot, size):
    window = make_window(size)
    window.reset_layout()
    settle(qtbot)
    assert canvas_share(window) >= CANVAS_SHARE, (window.view.size(), window.size())
    assert window.docks["dock_palette"].isVisible() and window.docks["dock_inspector"].isVisible()
    assert not any(window.docks[name].isVisible() for name in BOTTOM)


def test_first_start_sizes_the_side_docks_for_the_window(make_window, qtbot):
    window = make_window((1024, 700))
    settle(qtbot)
    assert canvas_share(window) >= CANVAS_SHARE


def test_pane_buttons_open_a_useful_bottom_pane_and_collapse_it(make_window, qtbot):
    window = make_window()
    button = window.pane_bar.buttons["dock_summary"]
    button.click()
    settle(qtbot)
    summary = window.docks["dock_summary"]
    assert summary.isVisible() and button.isChecked()
    assert summary.height() >= MIN_BOTTOM
    window.pane_bar.buttons["dock_problems"].click()  # another pane comes to the front
    settle(qtbot)
    assert not window.docks["dock_problems"].visibleRegion().isEmpty()
    window.pane_bar.buttons["dock_problems"].click()  # in front: collapses it
    settle(qtbot)
    assert not window.docks["dock_problems"].isVisible()
    assert not window.pane_bar.buttons["dock_problems"].isChecked()
    window.document.push(SetParams("fc1", {"out_features": 0}))  # one error: the count shows
    window.document.refresh_now()
    assert window.pane_bar.buttons["dock_problems"].text() == "Problems (1)"


@pytest.mark.parametrize("size", [(1440, 900), (1024, 700)])
def test_dragging_the_separator_with_the_mouse_resizes_the_panel(make_window, qtbot, size):
    window = make_window(size)
    window.show_dock("dock_convolution")  # the view that used to pin the separator
    window.show_dock("dock_summary")
    settle(qtbot)
    dock = window.docks["dock_summary"]
    height = dock.height()
    top = dock.geometry().top()
    x = dock.geometry().center().x()
    start = QPoint(x, top - 2)  # the separator between the canvas and the bottom pane
    QTest.mouseMove(window, start)  # hovering the separator arms it (the cursor changes)
    QTest.mousePress(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for dy in range(0, 160, 20):
        QTest.mouseMove(window, start - QPoint(0, dy))
        QApplication.processEvents()
    QTest.mouseRelease(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start - QPoint(0, 160))
    settle(qtbot)
    assert dock.height() >= height + 120
    start = QPoint(x, dock.geometry().top() - 2)  # and back down, below where it started
    QTest.mouseMove(window, start)
    QTest.mousePress(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for dy in range(0, 300, 20):
        QTest.mouseMove(window, start + QPoint(0, dy))
        QApplication.processEvents()
    QTest.mouseRelease(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(0, 300))
    settle(qtbot)
    assert dock.height() <= height - 100


def test_reset_layout_returns_to_the_default(make_window, qtbot):
    window = make_window()
    window.docks["dock_palette"].hide()
    window.docks["dock_inspector"].setFloating(True)
    window.show_dock("dock_filters")
    window.commands["reset_layout"].trigger()
    settle(qtbot)
    assert window.docks["dock_palette"].isVisible()
    assert not window.docks["dock_inspector"].isFloating()
    assert not window.docks["dock_filters"].isVisible()
    assert canvas_share(window) >= CANVAS_SHARE


def test_the_layout_is_restored_at_the_next_start(make_window, qtbot):
    first = make_window()
    first.show_dock("dock_summary")
    first.resizeDocks([first.docks["dock_palette"]], [300], Qt.Orientation.Horizontal)
    settle(qtbot)
    width = first.docks["dock_palette"].width()
    first.close()
    second = make_window()
    settle(qtbot)
    assert second.docks["dock_summary"].isVisible()
    assert abs(second.docks["dock_palette"].width() - width) <= 2


def test_explorer_padding_scrolls_instead_of_resizing_the_window(make_window, qtbot):
    window = make_window((1024, 700))
    window.show_dock("dock_convolution")
    settle(qtbot)
    dock = window.docks["dock_convolution"]
    before = (dock.size(), window.view.size(), window.size())
    arithmetic = window.viewers.view("dock_convolution").arithmetic
    arithmetic.size.setValue(12)
    arithmetic.padding.setValue(3)
    settle(qtbot)
    assert (dock.size(), window.view.size(), window.size()) == before


def test_fit_keeps_titles_readable_and_a_long_design_scrolls_with_a_minimap(make_window, qtbot):
    window = make_window()
    window.open_example("vgg16")
    window.show_design()
    settle(qtbot)
    view = window.view
    assert view.zoom * TITLE_PX >= TITLE_MIN_PX
    assert view.minimap.isVisible()
    content = view.graph_scene.content_rect()
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.top() <= content.top() + 40  # from the top of the design
    centre = view.mapToScene(view.viewport().rect().center())
    QTest.mouseClick(view.minimap, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(view.minimap.width() // 2, view.minimap.height() - 4))
    assert view.mapToScene(view.viewport().rect().center()).y() > centre.y() + 200
    window.open_example("lenet5")
    window.reset_layout()
    window.show_design()
    settle(qtbot)
    assert view.zoom * TITLE_PX >= TITLE_MIN_PX
    assert window.new_design()  # a small design fits whole: no minimap
    settle(qtbot)
    assert not view.minimap.isVisible()


def test_summary_columns_fit_the_numbers_of_a_large_design(make_window, qtbot):
    window = make_window()
    window.show_dock("dock_summary")
    window.open_example("vgg16")
    settle(qtbot)
    table = window.summary.table
    for col in range(window.summary.model.columnCount()):
        assert table.columnWidth(col) >= table.sizeHintForColumn(col), col


def test_a_dock_added_since_the_layout_was_saved_starts_collapsed(make_window, qtbot, tmp_path):
    from PySide6.QtCore import Qt as _Qt
    from PySide6.QtWidgets import QLabel

    first = make_window()
    first.close()
    settings = Settings.at(tmp_path / "settings.ini")
    settings.set_window_layout(*settings.window_layout(), ["dock_palette", "dock_inspector"])
    second = make_window()  # every other dock is "new" to that saved layout
    settle(qtbot)
    assert not second.docks["dock_filters"].isVisible()
    assert second.docks["dock_training"].isVisible() or second.docks["dock_inspector"].isVisible()
    extra = second.add_dock(QLabel("extra"), "Extra", _Qt.DockWidgetArea.BottomDockWidgetArea, "dock_extra")
    assert extra.toggleViewAction() in second.commands.panels_menu.actions()


def test_a_panel_set_into_its_dock_later_scrolls_too(make_window):
    """A view built when its dock is first shown (and set then) still scrolls in its dock."""
    from PySide6.QtWidgets import QLabel, QScrollArea

    window = make_window()
    dock = window.docks["dock_filters"]
    big = QLabel("big")
    big.setMinimumSize(2000, 1500)
    dock.setWidget(big)
    assert isinstance(dock.widget(), QScrollArea) and dock.widget().widget() is big
    assert dock.minimumSizeHint().width() < 400 and dock.minimumSizeHint().height() < 400


def test_side_panels_cannot_be_squashed_below_readable(qtbot, tmp_path):
    """A layout saved with a side panel dragged to a sliver is restored with it readable."""
    from designer.gui.dock_layout import MIN_SIDE

    def window_at(name):
        w = MainWindow(settings=Settings.at(tmp_path / f"{name}.ini"),
                       recovery_store=RecoveryStore(tmp_path / name))
        qtbot.addWidget(w)
        w.resize(800, 700)
        w.show()
        return w

    first = window_at("first")
    palette = first.docks["dock_palette"]
    palette.setMinimumWidth(0)
    palette.widget().setMinimumWidth(0)
    first.resizeDocks([palette], [40], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: palette.width() < MIN_SIDE)
    state = first.saveState()
    second = window_at("second")
    second.restoreState(state)
    qtbot.waitUntil(lambda: second.docks["dock_palette"].isVisible())
    assert second.docks["dock_palette"].width() >= MIN_SIDE


def test_first_start_fits_the_screen(qtbot, tmp_path):
    """Adding the docks to a window not yet shown used to grow it past a small screen (1,061 px
    on a 1,024 px one, its right edge cut off): the first window keeps 90 % of the screen."""
    window = MainWindow(settings=Settings.at(tmp_path / "settings.ini"),
                        recovery_store=RecoveryStore(tmp_path / "recovery"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    settle(qtbot)
    screen = window.screen().availableGeometry()
    assert window.width() <= max(int(screen.width() * 0.9), window.minimumSizeHint().width())
    assert window.height() <= max(int(screen.height() * 0.9), window.minimumSizeHint().height())
    window.training.shutdown()


def test_a_side_panel_brought_to_the_front_widens_to_its_content(make_window, qtbot):
    """The Training tab behind the Inspector had its buttons and fields cut off behind a
    horizontal scroll bar at the default width: brought to the front, it widens to fit."""
    window = make_window((1296, 810))
    window.reset_layout()
    settle(qtbot)
    dock = window.docks["dock_training"]
    content = dock.widget()
    need = content.widget().minimumSizeHint().width()
    window.dock_layout.open("dock_training")
    qtbot.waitUntil(lambda: content.viewport().width() >= need, timeout=10_000)
    assert canvas_share(window) >= 0.45  # the canvas keeps most of the rest
