"""Benchmark: the big imports on the canvas — ViT-B/16, Swin-T, EfficientNet-B7 in the whole
window (offscreen).

    PYTHONPATH=$PWD nice -n 10 python bench/import_canvas.py [MODEL ...] [--repeat 20] [--json out.json]

Each torchvision model is imported with random weights (nothing downloaded) at 224×224 and
saved as a design file; the import's grouping is reported (top-level blocks, groups, nodes
outside any group). Then, in one MainWindow (bench/gui_scale.py's helpers, same "painted"
definition and CPU-ms timing): open the file → painted (every block collapsed, as imported);
one parameter edit → painted, p50/p95, with the blocks collapsed; expand one block on demand
(double-click's path, p50 over the top-level blocks); expand every block (one view-state
change, laid out once); expand one innermost block with everything else expanded (p50 of 8
from the middle); the parameter edit again, everything expanded; Ctrl+A, Delete and
undo, everything expanded; collapse every block; the process's RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gui_scale import fmt, key, make_window, p95, rss_mb, settle, timed  # noqa: E402
from designer.core import serialize  # noqa: E402
from designer.core.edits import SetParams  # noqa: E402

MODELS = {"vit_b_16": "ViT-B/16", "swin_t": "Swin-T", "efficientnet_b7": "EfficientNet-B7"}
MS = 1000.0


def import_to_file(name: str, folder: Path) -> tuple[Path, dict]:
    """Import torchvision:NAME into a design file; what the grouping looks like."""
    from designer.compiler.importer import import_model

    c, w = time.process_time(), time.perf_counter()
    result = import_model(f"torchvision:{name}", input_shape=(3, 224, 224))
    took = ((time.process_time() - c) * MS, (time.perf_counter() - w) * MS)
    graph = result.graph
    path = folder / f"{name}.json"
    serialize.save(graph, path)
    grouped = {m for g in graph.groups.values() for m in g.nodes}
    top = [g for g in graph.groups.values() if g.parent is None]
    return path, {"import": took, "nodes": len(graph.nodes), "edges": len(graph.edges),
                  "groups": len(graph.groups), "top_blocks": len(top),
                  "ungrouped": len(graph.nodes) - len(grouped),
                  "collapsed": sum(g.collapsed for g in graph.groups.values()),
                  "file_kb": path.stat().st_size / 1024}


def edited_node(graph) -> tuple[str, str]:
    """A node in the middle of the design with an integer size parameter to edit."""
    sizes = {"Conv2d": "out_channels", "Linear": "out_features"}
    candidates = [(n.id, sizes[n.type]) for n in graph if n.type in sizes]
    return candidates[len(candidates) // 2]


def edit_times(window, repeat: int) -> list[float]:
    doc = window.document
    nid, param = edited_node(doc.graph)
    doc.set_selection([nid])
    settle(window)
    base = doc.graph.nodes[nid].params.get(param) or 8
    times = []
    for i in range(repeat):
        params = dict(doc.graph.nodes[nid].params, **{param: base + (i % 2) + 1})
        times.append(timed(window, lambda: doc.push(SetParams(nid, params)))[0])
    doc.push(SetParams(nid, dict(doc.graph.nodes[nid].params, **{param: base})))
    settle(window)
    return times


def set_all(window, collapsed: bool) -> None:
    """Every block expanded (or collapsed) in one view-state change, laid out once."""
    from designer.core.edits import Compound, MoveNodes, SetGroups
    from designer.gui.canvas.commands import layout_moves

    graph = window.document.graph
    groups = {k: g.copy() for k, g in graph.groups.items()}
    for group in groups.values():
        group.collapsed = collapsed
    shadow = graph.copy()
    shadow.groups = groups
    edits = [SetGroups(groups), MoveNodes(layout_moves(shadow))]
    window.document.apply_view_state(Compound(edits, text="Expand all"))


def leaf_expand_times(window, count: int = 8) -> list[float]:
    """Everything expanded: collapse one innermost block, then time expanding it again, for
    ``count`` blocks from the middle of the design."""
    graph, view = window.document.graph, window.view
    parents = {g.parent for g in graph.groups.values()}
    leaves = [gid for gid in graph.groups if gid not in parents]
    middle = max(0, len(leaves) // 2 - count // 2)
    times = []
    for gid in leaves[middle:middle + count]:
        view.toggle_group(gid)
        settle(window)
        times.append(timed(window, lambda: view.toggle_group(gid))[0])
    return times or [0.0]


def measure(window, path: Path, repeat: int) -> dict:
    r: dict = {}
    view = window.view
    c, w = time.process_time(), time.perf_counter()
    r["open"] = timed(window, lambda: window.open_file(path))
    while view.graph_scene.routing_pending():
        settle(window)
    r["routed"] = ((time.process_time() - c) * MS, (time.perf_counter() - w) * MS)
    r["boxes_open"] = len(view.graph_scene.boxes())
    doc = window.document
    edits = edit_times(window, repeat)
    r["edit_p50"], r["edit_p95"] = statistics.median(edits), p95(edits)
    top = [g.id for g in doc.graph.groups.values() if g.parent is None]
    singles = []
    for gid in top[: min(len(top), 8)]:  # expand one block and collapse it again
        singles.append(timed(window, lambda: view.toggle_group(gid))[0])
        view.toggle_group(gid)
        settle(window)
    r["expand_top_p50"] = statistics.median(singles) if singles else 0.0
    r["expand_all"] = timed(window, lambda: set_all(window, False))
    r["visible_boxes"] = len(view.graph_scene.boxes())
    r["expand_block_p50"] = statistics.median(leaf_expand_times(window))
    edits = edit_times(window, repeat)
    r["edit_exp_p50"], r["edit_exp_p95"] = statistics.median(edits), p95(edits)
    doc.set_selection([])
    settle(window)
    r["select_all"] = timed(window, lambda: key(window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier))
    r["delete"] = timed(window, lambda: key(window, Qt.Key.Key_Delete))
    r["left"] = len(doc.graph.nodes)
    r["undo_delete"] = timed(window, doc.undo_stack.undo)
    r["collapse_all"] = timed(window, lambda: set_all(window, True))
    r["rss_mb"] = rss_mb()
    return r


IMPORT_COLUMNS = ["import", "nodes", "edges", "groups", "top_blocks", "ungrouped", "collapsed", "file_kb"]
CANVAS_COLUMNS = ["open", "routed", "boxes_open", "edit_p50", "edit_p95", "expand_top_p50", "expand_all", "visible_boxes",
                  "expand_block_p50",
                  "edit_exp_p50", "edit_exp_p95", "select_all", "delete", "undo_delete", "collapse_all", "rss_mb"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=list(MODELS))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp())
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    files, results = {}, []
    print("| model | " + " | ".join(IMPORT_COLUMNS) + " |")
    for name in args.models:
        files[name], r = import_to_file(name, folder)
        r["model"] = MODELS.get(name, name)
        results.append(r)
        print("| " + " | ".join([r["model"], *(fmt(r.get(c, "—")) for c in IMPORT_COLUMNS)]) + " |", flush=True)
    window = make_window(folder)
    print("CPU ms (wall ms); p50/p95 in CPU ms")
    print("| model | " + " | ".join(CANVAS_COLUMNS) + " |")
    for r, name in zip(results, args.models):
        r.update(measure(window, files[name], args.repeat))
        print("| " + " | ".join([r["model"], *(fmt(r.get(c, "—")) for c in CANVAS_COLUMNS)]) + " |", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    window.training.shutdown()
    window.close()


if __name__ == "__main__":
    main()
