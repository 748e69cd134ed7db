"""What the views name as their subject, and a checkpoint of another design is refused."""

import pytest

from designer.core.edits import SetParams
from designer.core.serialize import load
from designer.gui.document import Document
from designer.gui.viewers.filters import FiltersView
from designer.gui.viewers.session import ProbeSession
from designer.gui.viewers.subject import ViewSubject, plural
from designer.zoo import find

WAIT_MS = 60_000


@pytest.mark.parametrize("count, text", [(0, "0 epochs"), (1, "1 epoch"), (2, "2 epochs"),
                                         (1200, "1,200 epochs")])
def test_plural(count, text):
    assert plural(count, "epoch") == text


@pytest.mark.parametrize("subject, step, text", [
    (ViewSubject("LeNet-5"), -1, "LeNet-5 · initial weights (untrained)"),
    (ViewSubject("LeNet-5", "live", "Run 2"), 340, "LeNet-5 · Run 2 training now (live, step 340)"),
    (ViewSubject("LeNet-5", "live", "Run 2"), -1, "LeNet-5 · Run 2 training now (live)"),
    (ViewSubject("LeNet-5", "run", "Run 1", "/x/last.pt", 1), -1,
     "LeNet-5 · Run 1: its last weights after 1 epoch (checkpoint last.pt)"),
    (ViewSubject("", "checkpoint", checkpoint="/y/best.pt"), -1, "Untitled · checkpoint best.pt"),
])
def test_subject_text(subject, step, text):
    assert subject.text(step) == text
    assert "edited since" in subject.edited(True).text(step)


def test_a_checkpoint_of_another_design_is_refused_not_shown(qtbot, trained_checkpoint):
    session = ProbeSession(Document(load(find("lenet5"))))
    view = FiltersView(session)
    view.resize(900, 650)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.weight is not None, timeout=WAIT_MS)
    with qtbot.waitSignal(view.failed, timeout=WAIT_MS) as failed:
        session.use_checkpoint(trained_checkpoint)  # digits_cnn's weights, LeNet-5 on the canvas
    assert "not of “LeNet-5” on the canvas" in failed.args[0]
    assert "checkpoint last.pt" in view.header_text
    session.shutdown()


def test_editing_marks_a_runs_weights_stale_and_undo_clears_it(qtbot, trained_checkpoint):
    document = Document(load(find("digits_cnn")))
    session = ProbeSession(document)
    view = FiltersView(session)
    qtbot.addWidget(view)
    session.use_run(trained_checkpoint, "Run 1", 2)
    assert not session.subject.stale and "Run 1: its last weights after 2 epochs" in view.header_text
    conv = next(n for n in document.graph.nodes.values() if n.type == "Conv2d")
    document.push(SetParams(conv.id, dict(conv.params, out_channels=conv.params["out_channels"] + 1)))
    document.refresh_now()
    assert session.subject.stale and "edited since" in view.header_text
    document.undo_stack.undo()
    document.refresh_now()
    assert not session.subject.stale and "edited since" not in view.header_text
    session.shutdown()


def test_renaming_the_design_renames_the_header(qtbot, trained_checkpoint):
    from designer.core.edits import SetMeta

    document = Document(load(find("digits_cnn")))
    session = ProbeSession(document)
    view = FiltersView(session)
    qtbot.addWidget(view)
    for use in (session.use_design, lambda: session.use_run(trained_checkpoint, "Run 1", 2)):
        use()
        document.push(SetMeta(f"Renamed {id(use)}", ""))
        document.refresh_now()
        assert view.header_text.startswith(f"Showing: Renamed {id(use)} · ")
        assert not session.subject.stale  # a name is not the network
    session.shutdown()


def test_choosing_the_initial_weights_during_a_run_shows_them_not_the_run(qtbot):
    from designer.training.probes import ProbeHook

    session = ProbeSession(Document(load(find("lenet5"))))
    view = FiltersView(session)
    view.resize(900, 650)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    hook = ProbeHook()
    session.attach_training(hook, "Run 1")
    assert session.live and "Run 1 training now" in view.header_text
    with qtbot.waitSignal(view.shown, timeout=WAIT_MS):  # answered on the probe worker, not the hook
        session.use_design()
    assert not session.live and "initial weights" in view.header_text and view.weight.shape == (6, 1, 5, 5)
    session.detach_training("/nowhere/last.pt", 3)  # the run ends: the user's choice stays
    assert session.subject.kind == "initial"
    session.shutdown()
