"""core.heap: what stays alive is set aside from the collector's full passes; large designs
are set aside when shown, and every FULL_PASS_EVERY-th large open collects everything."""

import gc
import weakref

import pytest

from designer.core import heap
from designer.core.heap import FREEZE_FROM, FULL_PASS_EVERY, freeze_heap


class Cycle:
    pass


def make_cycle() -> weakref.ref:
    a = Cycle()
    a.me = a
    return weakref.ref(a)


@pytest.fixture
def thawed(monkeypatch):
    monkeypatch.setattr(heap, "_large_opens", 0)
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_large_design_is_set_aside_and_a_small_one_changes_nothing(thawed):
    freeze_heap(FREEZE_FROM - 1)
    assert gc.get_freeze_count() == 0
    freeze_heap(FREEZE_FROM)
    frozen = gc.get_freeze_count()
    assert frozen > 0
    freeze_heap(FREEZE_FROM - 1)
    assert gc.get_freeze_count() == frozen


def test_frozen_objects_are_still_freed_by_their_reference_counts(thawed):
    gc.collect()
    items = [Cycle() for _ in range(1000)]
    ref = weakref.ref(items[0])
    freeze_heap(FREEZE_FROM)
    frozen = gc.get_freeze_count()
    del items
    assert ref() is None
    assert gc.get_freeze_count() <= frozen - 1000


def test_every_few_large_opens_collect_the_cycles_set_aside(thawed):
    cycle = make_cycle()
    gc.freeze()  # garbage set aside (as a cycle that outlived a young collection would be)
    for _ in range(FULL_PASS_EVERY - 1):
        freeze_heap(FREEZE_FROM)
        gc.collect()
        assert cycle() is not None
    freeze_heap(FREEZE_FROM)
    assert cycle() is None


def test_the_base_is_set_aside_once(monkeypatch, thawed):
    monkeypatch.setattr(heap, "_based", False)
    heap.set_aside_base()
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    heap.set_aside_base()
    assert gc.get_freeze_count() == 0
