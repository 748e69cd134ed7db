"""The look-inside views always describe the design on the canvas (issue 9 §2), and the run
list survives a restart (§4): train LeNet-5, then edit (stale), revert, open another design,
create a new one, reopen, restart; a run of another design never feeds the views.

Runs use a few hundred digits so that an epoch takes well under a second; every wait is on
a signal or a condition.
"""

from __future__ import annotations

import pytest

from designer.core import serialize
from designer.core.edits import SetParams
from designer.gui.main_window import MainWindow
from designer.gui.recovery import RecoveryStore
from designer.gui.settings import Settings
from designer.zoo import find

RUN_S = 120_000
SMALL = {"name": "digits", "options": {"limit": 300}}
pytestmark = pytest.mark.slow


@pytest.fixture
def window(lenet_window):
    lenet_window.resize(1400, 900)
    lenet_window.show()
    yield lenet_window
    lenet_window.document.undo_stack.setClean()


def configure(session, **changes):
    from designer.training.config import DataConfig

    assert session.update_config(None, data=DataConfig(**SMALL), **changes)
    session.document.refresh_now()


def filters_of(window, qtbot, node="conv1"):
    """Bring the Filters dock to the front and wait until it has drawn ``node``."""
    window.viewers.show("dock_filters")  # built when first shown
    view = window.viewers.view("dock_filters")
    qtbot.waitUntil(lambda: view.on_screen(), timeout=10_000)
    qtbot.waitUntil(lambda: view.weight is not None and view.node_id == node and not view.waiting,
                    timeout=RUN_S)
    return view


def eight_filter_design(tmp_path):
    graph = serialize.load(find("lenet5"))
    graph.name = "Eight filters"
    graph.nodes["conv1"].params["out_channels"] = 8
    path = tmp_path / "eight.json"
    serialize.save(graph, path)
    return path


def train_one_epoch(window, qtbot):
    session = window.training.session
    configure(session, epochs=1, batch_size=32)
    run = session.start()
    qtbot.waitUntil(lambda: run.status == "completed", timeout=RUN_S)
    qtbot.waitUntil(lambda: session.state == "idle", timeout=10_000)
    return run


def test_views_follow_train_edit_revert_open_new_and_restart(window, qtbot, tmp_path):
    lenet_file = tmp_path / "lenet.json"
    window.document.graph.name = "LeNet-5"
    assert window._save_to(lenet_file)
    viewers = window.viewers.session
    view = filters_of(window, qtbot)
    assert "LeNet-5 · initial weights" in view.header_text

    run = train_one_epoch(window, qtbot)
    qtbot.waitUntil(lambda: viewers.subject.kind == "run", timeout=10_000)
    assert "LeNet-5 · Run 1: its last weights after 1 epoch (checkpoint last.pt)" in view.header_text
    assert (run.folder / "run.json").is_file() and (run.folder / "curves.csv").is_file()

    # Edit after the run: the views say their weights are the run's, not the canvas design's.
    window.document.push(SetParams("fc1", {"out_features": 64}))
    window.document.refresh_now()
    assert viewers.subject.stale and "edited since" in view.header_text

    # Revert: the file's design again, and its own last run (not stale).
    assert window.revert()
    qtbot.waitUntil(lambda: viewers.subject.kind == "run" and not viewers.subject.stale, timeout=10_000)
    assert "Run 1: its last weights" in view.header_text
    assert [r.name for r in window.training.session.runs] == ["Run 1"]

    # Another design: its initial weights, its own (empty) run list, its own filters.
    assert window.open_file(eight_filter_design(tmp_path))
    assert "Eight filters · initial weights (untrained)" in view.header_text
    view = filters_of(window, qtbot)
    assert view.weight.shape == (8, 1, 5, 5)
    assert window.training.session.runs == [] and window.training.curves.list.count() == 0
    activations = window.viewers.view("dock_activations")
    assert "Eight filters" in activations.header_text

    # A new design: no convolution, nothing of the previous design left drawn.
    assert window.new_design()
    assert "Untitled · initial weights" in view.header_text
    assert view.weight is None and "no convolution" in view.status.text()

    # Reopen LeNet-5: its run is found again, with its curves, and shown.
    assert window.open_file(lenet_file)
    runs = window.training.session.runs
    assert [r.name for r in runs] == ["Run 1"] and len(runs[0].epochs) == 1 and len(runs[0].steps) >= 1
    assert viewers.subject.kind == "run" and "after 1 epoch" in viewers.subject.text()

    # Restart: the window closes, a new one with the same runs folder lists the run again.
    window.document.undo_stack.setClean()
    assert window.close()
    again = MainWindow(settings=Settings.at(tmp_path / "s2.ini"), recovery_store=RecoveryStore(tmp_path / "r2"))
    qtbot.addWidget(again)
    again.training.session.checkpoint_root = window.training.session.checkpoint_root
    assert again.open_file(lenet_file)
    found = again.training.session.runs
    assert [r.name for r in found] == ["Run 1"] and found[0].status == "completed"
    assert found[0].epochs.column("val_accuracy")[0] == pytest.approx(run.epochs.column("val_accuracy")[0],
                                                                        rel=1e-4)
    assert again.training.curves.list.count() == 1 and "done" in again.training.curves.list.item(0).text()
    assert again.viewers.session.subject.kind == "run"
    again.training.shutdown()


def test_a_run_of_another_design_never_feeds_the_views(window, qtbot, tmp_path):
    session = window.training.session
    configure(session, epochs=200)
    run = session.start()
    qtbot.waitUntil(lambda: len(run.steps) >= 1, timeout=RUN_S)
    viewers = window.viewers.session
    assert viewers.live and viewers.subject.kind == "live"
    assert window.open_file(eight_filter_design(tmp_path))
    assert not viewers.live and viewers.subject.kind == "initial"
    assert "Eight filters" in viewers.subject.text()
    steps = len(run.steps)
    qtbot.waitUntil(lambda: len(run.steps) > steps + 2, timeout=RUN_S)  # it goes on training
    assert viewers.history.loss_steps == []  # ... but feeds nothing to this design's views
    item = window.training.curves.list.item(0)
    assert "of “LeNet-5”" in item.text()
    view = filters_of(window, qtbot)
    assert view.weight.shape == (8, 1, 5, 5) and "initial weights" in view.header_text
    assert window.open_example("lenet5")  # its own design again: listed once, followed live
    assert session.runs == [run] and not run.other_design and viewers.live
    assert "Run 1 training now" in viewers.subject.text()
    assert window.open_file(tmp_path / "eight.json")
    assert not viewers.live and run.other_design == "LeNet-5"
    session.stop()
    qtbot.waitUntil(lambda: session.state == "idle", timeout=10_000)
    assert viewers.subject.kind == "initial"  # its checkpoint is not shown as this design's
    assert "Run 1 of “LeNet-5”: stopped" in window.training.panel.progress_text.text()
