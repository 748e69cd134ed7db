"""The Explain dock (pytest-qt, offscreen): switching methods, cancelling, ε, designs."""

import threading

import numpy as np
import pytest

from designer.core.serialize import load
from designer.gui.document import Document
from designer.gui.viewers.activations import load_image_file
from designer.gui.viewers.explain import ExplainView
from designer.gui.viewers.session import ProbeSession
from designer.training.explain import CANCELLED
from designer.zoo import find

WAIT_MS = 60_000


@pytest.fixture
def view(qtbot):
    made = []

    def make(example="digits_cnn", checkpoint=None):
        session = ProbeSession(Document(load(find(example))))
        if checkpoint:
            session.use_checkpoint(checkpoint)
        v = ExplainView(session)
        made.append(session)
        v.resize(1100, 700)
        qtbot.addWidget(v)
        with qtbot.waitSignal(v.shown, timeout=WAIT_MS):
            v.show()
        return v

    yield make
    for session in made:
        session.shutdown()


def choose(qtbot, v, method):
    index = [k for k, _ in __import__("designer.gui.viewers.explain", fromlist=["METHODS"]).METHODS].index(method)
    with qtbot.waitSignal(v.shown, timeout=WAIT_MS, check_params_cb=lambda m: m == method):
        v.method.setCurrentIndex(index)
    return v.data


@pytest.mark.slow
def test_switching_the_method_draws_each_explanation(qtbot, view):
    v = view()
    assert v.data["method"] == "attributions" and set(v.data["maps"]) == {"saliency", "ig", "guided", "gradcam"}
    assert v.layer.count() > 1 and v.target.count() == 11  # "predicted" + ten digits
    assert "Attribution maps of sample 0" in v.status.text() and "initial weights" in v.status.text()
    assert v.patch.isHidden() and v.epsilon.isHidden()
    assert choose(qtbot, v, "occlusion")["probability"].ndim == 2 and v.patch.isVisible()
    assert len(choose(qtbot, v, "counterfactual")["cams"]) == 3
    assert choose(qtbot, v, "maximise")["images"].shape[0] == 8 and v.first_channel.isVisible()
    choose(qtbot, v, "attributions")
    with qtbot.waitSignal(v.shown, timeout=WAIT_MS):
        v.target.setCurrentIndex(1 + 7)  # explain class 7 whatever the prediction
    assert v.data["target"] == 7


def test_cancelling_occlusion_stops_it_and_draws_nothing(qtbot, view):
    v = view()
    choose(qtbot, v, "occlusion")
    before = v.data
    gate = threading.Event()
    v.session.worker.submit(gate.wait, 30)  # hold the worker so the request is still running
    answers = []
    v.session.result_ready.connect(answers.append)
    v.patch.setValue(1)
    qtbot.waitUntil(lambda: v.progress_bar.isVisible() and v.cancel_button.isVisible(), timeout=WAIT_MS)
    request = v._pending
    v.cancel_button.click()
    assert not v.waiting and v.progress_bar.isHidden() and v.status.text() == "Cancelled."
    gate.set()
    qtbot.waitUntil(lambda: any(a.request_id == request for a in answers), timeout=WAIT_MS)
    assert [a.error for a in answers if a.request_id == request] == [CANCELLED]
    assert v.data is before


@pytest.mark.slow
def test_changing_epsilon_recomputes_the_adversarial_example(qtbot, view):
    v = view()
    choose(qtbot, v, "adversarial")
    with qtbot.waitSignal(v.shown, timeout=WAIT_MS):
        v.set_epsilon(0.0)
    assert v.data["epsilon"] == 0 and not v.data["flipped"]
    assert np.array_equal(v.data["perturbed"], v.data["original"])
    with qtbot.waitSignal(v.shown, timeout=WAIT_MS):
        v.set_epsilon(0.06)
    assert v.data["epsilon"] == pytest.approx(0.06, abs=1e-3) and v.data["delta_max"] <= 0.06 + 1e-6
    with qtbot.waitSignal(v.shown, timeout=WAIT_MS):
        v.search_button.click()
    assert v.data["sentence"].startswith("ε = ") and "Smallest ε found" in v.status.text()


def test_switching_the_design_resets_the_view(qtbot, view):
    v = view()
    choose(qtbot, v, "occlusion")
    v.first_channel.setValue(8)
    assert v.layer.count() > 1
    with qtbot.waitSignal(v.shown, timeout=WAIT_MS):
        v.document.replace_graph(load(find("digits_mlp")))
    assert v.layer.count() == 1 and v.first_channel.value() == 0
    assert v.data["method"] == "occlusion" and v.data["layers"] == []
    choose(qtbot, v, "attributions")
    assert "gradcam" not in v.data["maps"] and "needs a layer with a spatial map" in v.data["gradcam_error"]


@pytest.mark.slow
def test_a_saved_adversarial_image_is_still_misclassified(qtbot, view, tmp_path, lenet_checkpoint):
    v = view("lenet5", lenet_checkpoint)
    choose(qtbot, v, "adversarial")
    with qtbot.waitSignal(v.shown, timeout=WAIT_MS):
        v.search_button.click()
    smallest, predicted = v.data["smallest"], v.data["predicted"]
    assert smallest is not None
    with qtbot.waitSignal(v.shown, timeout=WAIT_MS):
        v.set_epsilon(min(0.3, 2 * smallest))
    assert v.data["flipped"]
    flipped = v.data["flipped_to"]
    saved = v.save_perturbed(tmp_path / "adversarial.png")
    choose(qtbot, v, "attributions")
    with qtbot.waitSignal(v.shown, timeout=WAIT_MS):
        v.show_image(load_image_file(saved), saved.name)
    assert v.data["sample"] is None and v.data["predicted"] == flipped != predicted


def test_progress_of_a_run_reaches_the_view_through_the_session(qtbot):
    from designer.training.explain import Progress

    session = ProbeSession(Document(load(find("digits_cnn"))))
    v = ExplainView(session)
    qtbot.addWidget(v)
    v._pending = 41  # as if request 41 had been asked during a run
    with qtbot.waitSignal(session.progress, timeout=WAIT_MS):
        session.handle_event(Progress(41, 3, 7, "Integrated Gradients"))
    assert (v.progress_bar.value(), v.progress_bar.maximum()) == (3, 7)
    assert v.status.text() == "Integrated Gradients: 3 of 7…"
    session.handle_event(Progress(40, 6, 7, "an older request"))
    assert v.progress_bar.value() == 3
    session.shutdown()
