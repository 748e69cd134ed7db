"""A student's review, item 4: the Playground is in the status bar's "Look inside" menu, and
opening a panel (that menu, or View → Panels) brings it to the front of its tab group."""

from __future__ import annotations

import pytest


@pytest.fixture
def window(lenet_window, qtbot):
    lenet_window.resize(1400, 900)
    lenet_window.show()
    qtbot.waitExposed(lenet_window)
    return lenet_window


def _in_front(dock) -> bool:
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def test_look_inside_opens_the_playground_in_front(window, qtbot):
    actions = {a.text(): a for a in window.pane_bar.look_inside.menu().actions()}
    assert "Playground" in actions
    window.dock_layout.open("dock_training_curves")  # the Playground's tab neighbour in front
    dock = window.docks["dock_playground"]
    actions["Playground"].trigger()
    qtbot.waitUntil(lambda: _in_front(dock), timeout=60_000)


@pytest.mark.parametrize("name", ["dock_playground", "dock_problems"])
def test_view_panels_brings_an_opened_panel_to_the_front(window, qtbot, name):
    dock = window.docks[name]
    dock.hide()
    neighbour = "dock_training_curves" if name == "dock_playground" else "dock_summary"
    window.dock_layout.open(neighbour)
    dock.toggleViewAction().trigger()
    qtbot.waitUntil(lambda: _in_front(dock), timeout=60_000)
