"""Learning-rate schedules: the pure arithmetic behind the preview plot and the training loop."""

import math

import pytest

from designer.training.schedules import Schedule, ScheduleError, lr_at, schedule_values


def test_constant_is_flat():
    assert schedule_values(Schedule("constant"), 0.1, epochs=3) == [0.1, 0.1, 0.1]


def test_time_decay_is_a0_over_one_plus_kt():
    values = schedule_values(Schedule("time", k=0.5), 0.1, epochs=4)
    assert values == pytest.approx([0.1, 0.1 / 1.5, 0.1 / 2.0, 0.1 / 2.5])


def test_exponential_decay_is_a0_exp_minus_kt():
    values = schedule_values(Schedule("exponential", k=0.5), 0.1, epochs=3)
    assert values == pytest.approx([0.1, 0.1 * math.exp(-0.5), 0.1 * math.exp(-1.0)])


def test_step_decay_multiplies_by_gamma_every_step_size_epochs():
    values = schedule_values(Schedule("step", step_size=2, gamma=0.1), 1.0, epochs=5)
    assert values == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01])


def test_cosine_goes_from_a0_towards_min_lr():
    values = schedule_values(Schedule("cosine", min_lr=0.0), 0.1, epochs=4)
    expected = [0.05 * (1 + math.cos(math.pi * t / 4)) for t in range(4)]
    assert values == pytest.approx(expected)
    assert values == pytest.approx([0.1, 0.0853553, 0.05, 0.0146447], rel=1e-5)


def test_cosine_respects_min_lr():
    values = schedule_values(Schedule("cosine", min_lr=0.01), 0.1, epochs=2)
    assert values == pytest.approx([0.1, 0.01 + 0.09 * 0.5])


def test_per_step_values_use_fractional_epochs():
    values = schedule_values(Schedule("time", k=1.0), 1.0, epochs=1, steps_per_epoch=4)
    assert values == pytest.approx([1 / (1 + t / 4) for t in range(4)])


def test_warmup_rises_linearly_then_the_schedule_starts():
    sched = Schedule("exponential", k=1.0, warmup_epochs=2)
    values = schedule_values(sched, 0.4, epochs=4, steps_per_epoch=2)
    assert values[:4] == pytest.approx([0.1, 0.2, 0.3, 0.4])
    # After warm-up, t counts from the end of the warm-up.
    assert values[4:] == pytest.approx([0.4, 0.4 * math.exp(-0.5), 0.4 * math.exp(-1.0),
                                        0.4 * math.exp(-1.5)])


def test_cosine_after_warmup_spans_the_remaining_epochs():
    sched = Schedule("cosine", warmup_epochs=1)
    values = schedule_values(sched, 1.0, epochs=3)
    assert values == pytest.approx([1.0, 1.0, 0.5])


def test_lr_at_matches_schedule_values():
    sched = Schedule("step", step_size=1, gamma=0.5, warmup_epochs=0.5)
    values = schedule_values(sched, 0.2, epochs=3, steps_per_epoch=4)
    assert [lr_at(sched, 0.2, s, 4, 3) for s in range(12)] == values


def test_round_trip_and_validation():
    sched = Schedule("step", step_size=3, gamma=0.2, warmup_epochs=1)
    assert Schedule.from_dict(sched.to_dict()) == sched
    with pytest.raises(ScheduleError, match="unknown schedule 'linear'.*cosine"):
        Schedule("linear")
    with pytest.raises(ScheduleError, match="gamma"):
        Schedule("step", gamma=0)
    with pytest.raises(ScheduleError, match="warmup_epochs"):
        Schedule("constant", warmup_epochs=-1)
    with pytest.raises(ScheduleError, match="unknown key 'decay'"):
        Schedule.from_dict({"name": "time", "decay": 1})
