"""The cyclic garbage collector and large designs: what stays alive (modules, the window,
torch once loaded, an open large design) is set aside from the collector's full passes.

A full pass walks every tracked object: about 90,000 for the window and its modules, 370,000
once torch and its compiler front end are loaded (0.3 s here), plus 30–40 per node of the
open design. Such a pass lands in whatever edit happens to allocate past the collector's
threshold, so it used to be the p95 of pastes and undos at 1,000–5,000 nodes. ``gc.freeze``
moves objects out of those passes for good; they are still freed by their reference counts,
so nothing frozen leaks unless it is part of a reference cycle. What is set aside is first
collected (a full pass over what is not set aside yet: never garbage, whose Qt wrappers
would otherwise outlive their objects); the canvas keeps its items free of cycles (an edge's
label holds its edge weakly), so a closed design goes with its last reference; a full pass
over everything, every ``FULL_PASS_EVERY`` large opens, frees whatever became cyclic
garbage after it was set aside.
"""

from __future__ import annotations

import gc

#: Designs smaller than this leave the heap as it is: their collector passes are short.
FREEZE_FROM = 1_000
#: Large designs opened between two full passes (the garbage set aside meanwhile is small:
#: a closed design leaves about 150 objects in cycles — its graph's signal tables).
FULL_PASS_EVERY = 8

_based = False
_large_opens = 0


def set_aside_base() -> None:
    """Once per process, when the application's window has shown (``designer``'s main, and
    the benchmarks that stand in for it): set aside everything alive (modules, the window),
    so that full passes walk only designs and what edits make. Later calls do nothing."""
    global _based
    if not _based:
        _based = True
        set_aside()


def set_aside() -> None:
    """Collect what is not set aside yet (the design just opened, what the last one left),
    then set aside everything alive."""
    gc.collect()
    gc.freeze()


def freeze_heap(size: int) -> None:
    """Called once a design of ``size`` nodes is shown: a large one is set aside (a pass over
    what is not set aside yet, not over the whole heap), and every ``FULL_PASS_EVERY``-th
    large open first gives everything back and collects it all. Small designs change
    nothing."""
    global _large_opens
    if size < FREEZE_FROM:
        return
    _large_opens += 1
    if _large_opens % FULL_PASS_EVERY == 0:
        gc.unfreeze()
        gc.collect()
    set_aside()
