"""The viewer docks (pytest-qt, offscreen): they draw what the probes answer, follow the
canvas selection, replay a run's filter snapshots, and export PNG."""

import numpy as np
import pytest

from designer.core.serialize import load
from designer.gui.document import Document
from designer.gui.viewers.activations import ActivationsView
from designer.gui.viewers.conv_explorer import ArithmeticPanel, ConvExplorerView
from designer.gui.viewers.filters import FiltersView
from designer.gui.viewers.health import HealthView
from designer.gui.viewers.predictions import PredictionsView
from designer.gui.viewers.session import ProbeSession
from designer.training.events import RunStarted, Snapshot, StepMetrics
from designer.training.probes import HealthSample, LossCheck, ProbeHook, StepContext
from designer.zoo import find

WAIT_MS = 60_000


@pytest.fixture
def session(qtbot):
    def make(example="lenet5"):
        made = ProbeSession(Document(load(find(example))))
        sessions.append(made)
        return made

    sessions = []
    yield make
    for made in sessions:
        made.shutdown()


def shown(qtbot, view):
    view.resize(900, 650)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_selecting_a_conv_node_shows_its_filters(qtbot, session):
    s = session("lenet5")
    view = shown(qtbot, FiltersView(s))
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS, check_params_cb=lambda n: n == "conv2"):
        s.document.set_selection(["conv2"])
    assert view.layer.currentText() == "conv2"
    assert view.weight.shape == (16, 6, 5, 5)
    assert not view.grid.rgb and (view.grid.rows, view.grid.cols) == (16, 6)
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS, check_params_cb=lambda n: n == "conv1"):
        s.document.set_selection(["conv1"])
    assert view.grid.reading_order and view.weight.shape == (6, 1, 5, 5)


def test_a_colour_first_layer_shows_one_rgb_tile_per_filter(qtbot, session):
    s = session("tiny_vgg")
    view = shown(qtbot, FiltersView(s))
    qtbot.waitUntil(lambda: view.grid is not None and view.node_id == "conv_1_1", timeout=WAIT_MS)
    assert view.grid.rgb and view.grid.image.shape[-1] == 3 and len(view.grid.filters) == 10


def test_the_activation_view_shows_every_layer_and_the_class_probabilities(qtbot, session):
    s = session("digits_cnn")
    view = shown(qtbot, ActivationsView(s))
    qtbot.waitUntil(lambda: view.result_data is not None, timeout=WAIT_MS)
    data = view.result_data
    assert list(data["maps"])[:2] == ["conv1", "relu1"] and data["maps"]["conv1"].shape == (16, 8, 8)
    assert data["probabilities"].shape == (10,) and data["label"] is not None
    view.klass.setValue(7)
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS):
        view.source.setCurrentIndex(1)  # the first validation sample of class 7
    assert view.result_data["label"] == 7


def test_a_misclassified_sample_opens_in_the_activation_view(qtbot, session):
    s = session("digits_cnn")
    predictions = shown(qtbot, PredictionsView(s))
    activations = shown(qtbot, ActivationsView(s))
    qtbot.waitUntil(lambda: predictions.data is not None, timeout=WAIT_MS)
    data = predictions.data
    assert data["confusion"].sum() == 359 and len(data["wrong"]) > 0  # untrained: many mistakes
    h, w = data["gallery"].shape[-2:]
    scene = predictions.gallery.vb.mapViewToScene(_point(w / 2, h / 2))
    at = predictions.figure.mapFromScene(scene)
    with qtbot.waitSignal(activations.shown, timeout=WAIT_MS,
                          check_params_cb=lambda _n: activations.result_data["sample"] == int(data["wrong"][0])):
        qtbot.mouseClick(predictions.figure.viewport(), _left(), pos=at)
    assert activations.sample.value() == int(data["wrong"][0])


def _point(x, y):
    from PySide6.QtCore import QPointF

    return QPointF(x, y)


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_filter_snapshots_of_a_run_replay_with_the_slider(qtbot, session):
    s = session("lenet5")
    view = shown(qtbot, FiltersView(s))
    qtbot.waitUntil(lambda: view.weight is not None, timeout=WAIT_MS)
    s.handle_event(RunStarted("LeNet-5", "digits", "cpu", 1, 10, 64, 100, 20, (1, 32, 32),
                              tuple("0123456789"), 1000))
    for step in range(0, 40, 10):
        s.handle_event(StepMetrics(1, step, step, 40, 2.3 - step / 40, 0.5, 1e-3, 100.0))
        s.handle_event(Snapshot(0, step, "conv1", np.full((6, 1, 5, 5), float(step), np.float32)))
    qtbot.waitUntil(lambda: view.strip.slider.maximum() == 3, timeout=WAIT_MS)
    assert view.strip.isVisible() and view.weight[0, 0, 0, 0] == 30.0  # follows the latest
    view.strip.slider.setValue(1)
    assert view.weight[0, 0, 0, 0] == 10.0 and view.strip.marker.value() == 10
    assert "snapshot: step 10" in view.strip.label.text()
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS, check_params_cb=lambda n: n == "conv2"):
        s.document.set_selection(["conv2"])  # another layer: the replay ends, conv2 is shown
    assert view.strip.at_latest and view.weight.shape == (16, 6, 5, 5)


def test_health_view_draws_the_runs_samples_and_warnings(qtbot, session):
    s = session("lenet5")
    view = shown(qtbot, HealthView(s))
    layers, relus = ("conv1", "conv2", "fc1"), ("relu1", "relu2")
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS, check_params_cb=lambda kind: kind == "history"):
        s.handle_event(LossCheck(2.31, np.log(10), 10))
        for step in (10, 20, 30):
            s.handle_event(HealthSample(step, 1, layers, np.array([1e-6, 0.1, 0.5]), np.ones(3),
                                        relus, np.array([0.0, 0.8])))
    problems = " ".join(w.problem for w in view.warnings)
    assert "conv1" in problems and "vanishing" in problems and "relu2: 80%" in problems
    assert s.history.health.matrix("grad_norm").shape == (3, 3)


def test_health_of_a_model_outside_training_is_measured_once(qtbot, session):
    s = session("digits_cnn")
    view = shown(qtbot, HealthView(s))
    qtbot.waitUntil(lambda: view.snapshot is not None, timeout=WAIT_MS)
    assert view.snapshot.layers == ("conv1", "conv2", "fc1", "fc2") and len(view.snapshot) == 1


def test_during_a_run_requests_are_answered_by_the_training_threads_hook(qtbot, session, digits_cnn):
    s = session("digits_cnn")
    view = shown(qtbot, FiltersView(s))
    qtbot.waitUntil(lambda: view.weight is not None, timeout=WAIT_MS)
    hook = ProbeHook(fraction=1.0, health=False)
    s.attach_training(hook)  # the view re-asks: its request now waits in the hook
    assert s.live and view.waiting
    with digits_cnn_grads(digits_cnn):
        hook.budget.credit = 1.0
        events = hook.after_step(StepContext(digits_cnn, 5, 1, 2.3))
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS):
        for event in events:
            s.handle_event(event)
    assert np.allclose(view.weight, digits_cnn.conv1.weight.detach().numpy())
    s.detach_training(None)
    assert not s.live


class digits_cnn_grads:
    """A context in which the model holds gradients, as right after an optimiser step."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        import torch

        self.model(torch.randn(2, 1, 8, 8)).sum().backward()

    def __exit__(self, *exc):
        self.model.zero_grad(set_to_none=True)


def test_the_explorer_reproduces_the_lecture_example_in_its_tables(qtbot):
    panel = ArithmeticPanel()
    qtbot.addWidget(panel)
    panel.load_lecture_example()
    assert panel.output().shape == (4, 4) and panel.output()[0].tolist() == [-5, -4, 0, 8]
    assert "= 4" in panel.formula.text()
    panel.padding.setValue(1)
    assert panel.output().shape == (6, 6) and "⌊(6 + 2·1 − 3) / 1⌋ + 1 = 6" in panel.formula.text()
    panel.stride.setValue(2)
    assert panel.output().shape == (3, 3) and "= 3" in panel.formula.text()
    panel.padding.setValue(0)
    panel.stride.setValue(1)
    panel.slider.setValue(1)
    assert "output[0, 1]" in panel.detail.text() and "= −4" in panel.detail.text()
    panel.kernel_table.item(0, 0).setText("2")  # edit a kernel cell: the output follows
    assert panel.output()[0, 0] == -5 + 3
    panel.preset.setCurrentText("identity")
    panel.preset.activated.emit(panel.preset.currentIndex())
    assert np.array_equal(panel.output(), panel.image[1:-1, 1:-1])


def test_every_view_exports_a_png(qtbot, session, tmp_path):
    s = session("digits_cnn")
    views = [FiltersView(s), ActivationsView(s), PredictionsView(s), HealthView(s), ConvExplorerView(s)]
    for view in views:
        shown(qtbot, view)
    qtbot.waitUntil(lambda: all(v.status.text() and not v.waiting for v in views[:4]), timeout=WAIT_MS)
    for i, view in enumerate(views):
        out = view.export_png(tmp_path / f"view{i}.png")
        assert out.stat().st_size > 1000, view


def test_views_follow_a_real_run_on_a_background_thread(qtbot, session, tmp_path):
    """A run on a Python thread (as the GUI's training worker will run it): its events reach
    the session through a queued signal, the filters view is answered live between steps,
    and after the run the views read its last checkpoint."""
    import threading

    from PySide6.QtCore import QObject, Signal

    from designer.training import DataConfig, Finished, TrainingConfig, train
    from designer.training.control import Control

    class Relay(QObject):
        event = Signal(object)

    s = session("digits_cnn")
    view = shown(qtbot, FiltersView(s))
    qtbot.waitUntil(lambda: view.weight is not None, timeout=WAIT_MS)
    relay = Relay()
    relay.event.connect(s.handle_event)
    hook = ProbeHook(fraction=0.5, health_interval_s=0.2)  # a tiny run earns little budget at 10 %
    s.attach_training(hook)
    # Long enough that no machine, however loaded, finishes before the live answer; stopped
    # once it came (a stopped run still saves its last checkpoint and finishes).
    config = TrainingConfig(data=DataConfig("digits", {"limit": 400}), epochs=500, batch_size=16,
                            device="cpu", snapshot_every=5)
    graph = s.document.graph.copy()
    finished = []
    control = Control()

    def run():
        for event in train(graph, config, control, probes=[hook], checkpoint_dir=tmp_path):
            relay.event.emit(event)
            finished.extend([event] if isinstance(event, Finished) else [])

    worker = threading.Thread(target=run)
    worker.start()  # the view's pending request is answered by the hook between steps
    qtbot.waitUntil(lambda: "live, step" in view.header_text, timeout=WAIT_MS)  # a snapshot may replace the status
    qtbot.waitUntil(lambda: len(s.history.snapshots) >= 3 and len(s.history.health) >= 1,
                    timeout=WAIT_MS)
    control.stop()
    qtbot.waitUntil(lambda: bool(finished) and not s.live, timeout=120_000)
    worker.join()
    assert len(s.history.snapshots) >= 3 and len(s.history.health) >= 1 and s.history.loss_check
    assert s.checkpoint == finished[0].last_checkpoint
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS):
        view.refresh()
    assert "checkpoint last.pt" in view.header_text and "checkpoint last.pt" in view.status.text()


def test_the_window_has_a_dock_and_a_menu_entry_for_each_viewer(qtbot, tmp_path):
    from designer.gui.main_window import MainWindow
    from designer.gui.recovery import RecoveryStore
    from designer.gui.settings import Settings
    from designer.gui.viewers import VIEWS

    window = MainWindow(settings=Settings.at(tmp_path / "s.ini"), recovery_store=RecoveryStore(tmp_path / "r"))
    qtbot.addWidget(window)
    viewers = window.viewers
    assert list(viewers.docks) == [name for name, _, _ in VIEWS]
    look = next(a.menu() for a in window.commands.view_menu.actions() if a.text() == "Look &Inside")
    titles = [a.text() for a in look.actions() if a.text()]
    assert titles[:len(VIEWS)] == [title for _, title, _ in VIEWS] and "Show a Checkpoint's Weights…" in titles
    viewers.session.use_checkpoint(tmp_path / "last.pt")
    assert "checkpoint last.pt" in viewers.session.source_text()
    viewers.session.shutdown()


def test_a_viewer_is_built_when_its_dock_is_first_shown(qtbot, tmp_path):
    from designer.gui.main_window import MainWindow
    from designer.gui.recovery import RecoveryStore
    from designer.gui.settings import Settings

    window = MainWindow(settings=Settings.at(tmp_path / "s.ini"), recovery_store=RecoveryStore(tmp_path / "r"))
    qtbot.addWidget(window)
    window.show()
    viewers = window.viewers
    assert "dock_filters" not in viewers.views  # tabbed behind the summary: not built yet
    viewers.show("dock_filters")
    view = viewers.views["dock_filters"]
    assert isinstance(view, FiltersView) and viewers.docks["dock_filters"].widget().widget() is view  # inside its scroll area
    assert viewers.view("dock_filters") is view  # built once
    viewers.session.shutdown()
