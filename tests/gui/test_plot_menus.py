"""No plot of the window builds pyqtgraph's ViewBox context menu: its template widgets were
seen left behind as dangling entries of QApplication.allWidgets() once their plots were torn
down (a crash the next time every widget is visited: a theme change). Each plot is made
with ``enableMenu=False`` instead of building the menu and switching it off."""

import pyqtgraph as pg


def test_no_view_box_of_the_window_has_a_context_menu(lenet_window):
    window = lenet_window
    for name in ("dock_training", "dock_playground", "dock_lessons", "dock_filters"):
        window.show_dock(name)
    boxes = [item for view in window.findChildren(pg.GraphicsView)
             for item in view.scene().items() if isinstance(item, pg.ViewBox)]
    assert boxes, "the window shows some plots"
    assert all(box.menu is None for box in boxes)
