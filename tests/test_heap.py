"""freeze_heap: large designs' heaps are collected and set aside, small ones give it back."""

import gc

from designer.core.heap import FREEZE_FROM, freeze_heap


def test_large_designs_freeze_the_heap_and_small_ones_give_it_back():
    try:
        freeze_heap(FREEZE_FROM)
        assert gc.get_freeze_count() > 0
        freeze_heap(FREEZE_FROM - 1)
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


def test_freezing_first_collects_the_garbage_cycles():
    class Cycle:
        pass

    a = Cycle()
    a.me = a
    freed = []
    import weakref
    ref = weakref.ref(a, lambda _: freed.append(True))
    del a
    try:
        freeze_heap(FREEZE_FROM)
        assert ref() is None and freed
    finally:
        gc.unfreeze()
