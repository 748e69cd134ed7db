"""The cyclic garbage collector and large designs: the heap of an open design is set aside
once it is shown, so that the collector's full passes during its edits stay short."""

from __future__ import annotations

import gc

#: Designs smaller than this leave the heap as it is: their collector passes are short.
FREEZE_FROM = 1_000


def freeze_heap(size: int) -> None:
    """Collect the garbage, then move every object alive (modules, the window, the open
    design and its items) out of the cyclic collector's reach (``gc.freeze``), so that its
    later full passes walk only what was made since: a full pass over the heap of a
    5,000-node design costs 0.1–0.35 s, and one set off by a paste or an undo doubled its
    time. Called once a design is open (one full pass then, 60–150 ms at 1,000–5,000 nodes,
    instead of several during the next edits); what was frozen before is given back to the
    collector first, so the previous design's cycles are freed. ``size``: the design's
    nodes; below ``FREEZE_FROM`` only that giving back is done."""
    gc.unfreeze()
    if size >= FREEZE_FROM:
        gc.collect()
        gc.freeze()
