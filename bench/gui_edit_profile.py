"""Where one parameter edit's time goes in the whole window (offscreen): per-edit CPU ms with
the garbage collector's passes during it, then optionally a cProfile of all the edits.

    python bench/gui_edit_profile.py [--kind dense] [--size 5000] [--repeat 20] [--profile 40]
                                     [--pane dock_summary] [--with-error] [--input]

The edit is gui_scale.py's (a mid-design convolution's width, the inspector showing it), or
with ``--input`` the Input's shape; ``--with-error`` first breaks the last convolution (the
totals then count "so far"); ``--pane`` opens a bottom pane (the window starts with them
collapsed). Each line: CPU ms, then (generation, ms) of every collection in that edit — a
generation-2 pass at 5,000 nodes costs 150–350 ms, so an edit that allocates per node shows
up here as a p95 spike. ``--kind`` also takes a bundled example's name (``densenet121``).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication  # noqa: E402

import gui_scale as gs  # noqa: E402
from designer.core import serialize  # noqa: E402
from designer.core.edits import SetParams  # noqa: E402


def design_file(kind: str, size: int, folder: Path) -> Path:
    path = folder / f"{kind}-{size}.json"
    if kind in gs.scale_designs.GENERATORS:
        serialize.save(gs.scale_designs.GENERATORS[kind](size), path)
    else:
        from designer.zoo import find
        path = Path(find(kind))
    return path


class Collections:
    """(generation, ms) of each garbage-collector pass since ``clear``."""

    def __init__(self) -> None:
        self.passes: list[tuple[int, float]] = []
        self._start = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.passes.append((info["generation"], round((time.perf_counter() - self._start) * 1000, 1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="dense")
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", type=int, default=0, help="print this many cProfile lines")
    parser.add_argument("--pane", help="open this bottom pane first (dock_summary, dock_problems)")
    parser.add_argument("--with-error", action="store_true", help="break the last convolution first")
    parser.add_argument("--input", action="store_true", help="edit the Input's shape instead")
    args = parser.parse_args()
    QApplication.instance() or QApplication([])
    window = gs.make_window(Path(tempfile.mkdtemp()))
    window.open_file(design_file(args.kind, args.size, Path(tempfile.mkdtemp())))
    gs.settle(window)
    while window.view.graph_scene.routing_pending():
        gs.settle(window)
    doc = window.document
    if args.pane:
        bar = next(c for c in window.findChildren(object) if type(c).__name__ == "PaneBar")
        bar.buttons[args.pane].click()
        gs.settle(window)
    convs = [n.id for n in doc.graph.nodes.values() if n.type == "Conv2d"]
    if args.with_error:
        doc.push(SetParams(convs[-1], dict(doc.graph.nodes[convs[-1]].params, kernel_size=99)))
        gs.settle(window)
    nid = next(n.id for n in doc.graph.nodes.values() if n.type == "Input") if args.input else gs.mid_conv(doc.graph)
    doc.set_selection([nid])
    gs.settle(window)
    node = doc.graph.nodes[nid]
    width, shape = node.params.get("out_channels", 8), list(node.params.get("shape", [3, 32, 32]))
    collections, profile, times = Collections(), cProfile.Profile() if args.profile else None, []
    for i in range(args.repeat):
        params = dict(doc.graph.nodes[nid].params)
        if args.input:
            params["shape"] = [shape[0], shape[1] + 32 * (i % 2), *shape[2:]]
        else:
            params["out_channels"] = width + (i % 2) + 1
        collections.passes.clear()
        if profile:
            profile.enable()
        start = time.process_time()
        doc.push(SetParams(nid, params))
        gs.settle(window)
        times.append((time.process_time() - start) * 1000)
        if profile:
            profile.disable()
        print(f"{times[-1]:7.1f} ms  collections {[p for p in collections.passes if p[0] or p[1] >= 1]}")
    name = f"{args.kind}-{args.size}" if args.kind in gs.scale_designs.GENERATORS else args.kind
    print(f"{name}: p50 {statistics.median(times):.1f} ms, p95 {gs.p95(times):.1f} ms")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
    window.training.shutdown()
    window.close()


if __name__ == "__main__":
    main()
