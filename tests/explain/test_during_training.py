"""Explanations during a run: served between training steps by the ProbeHook, with progress,
and without changing the training itself."""

import numpy as np
import pytest

from designer.core.serialize import load
from designer.training import DataConfig, EpochMetrics, Finished, StepMetrics, TrainingConfig, train
from designer.training.explain import Progress
from designer.training.probes import ProbeHook, ProbeRequest, ProbeResult
from designer.zoo import find


def run(requests=()):
    import captum.attr  # noqa: F401 - as the view does, so that the import is not a training step
    import captum.robust  # noqa: F401

    # Very generous (up to ten times the training time, a burst at most per step): this tests
    # the plumbing, not the pacing, and must hold on a loaded machine.
    hook = ProbeHook(fraction=10.0, health=False)
    for request in requests:
        hook.submit(request)
    config = TrainingConfig(data=DataConfig("digits", {"limit": 320}), epochs=3, batch_size=32, device="cpu",
                            seed=3)
    events = list(train(load(find("digits_cnn")), config, probes=[hook]))
    assert isinstance(events[-1], Finished)
    return events


@pytest.mark.slow
def test_explanations_are_answered_between_steps_and_leave_training_unchanged():
    attributions = ProbeRequest("explain", {"method": "attributions", "sample": 1})
    occlusion = ProbeRequest("explain", {"method": "occlusion", "sample": 1, "patch": 2, "stride": 1,
                                         "tag": "occlusion"})
    events = run([attributions, occlusion])
    for request in (attributions, occlusion):
        answers = [e for e in events if isinstance(e, ProbeResult) and e.request_id == request.request_id]
        assert len(answers) == 1 and not answers[0].error and answers[0].step >= 1, answers
        progress = [e for e in events if isinstance(e, Progress) and e.request_id == request.request_id]
        assert progress and progress[-1].done == progress[-1].total
    steps = [e.step for e in events if isinstance(e, StepMetrics)]
    assert len(set(steps)) > 1  # the work was spread over the run
    plain = [(e.train_loss, e.val_loss) for e in run() if isinstance(e, EpochMetrics)]
    assert np.allclose([(e.train_loss, e.val_loss) for e in events if isinstance(e, EpochMetrics)], plain)
