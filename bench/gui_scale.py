"""Benchmark: the whole window (offscreen) on generated designs of 200 to 5,000 nodes.

    python bench/gui_scale.py [--sizes 200,1000,5000] [--kinds chain,dense] [--repeat 20]
                              [--skip select,paste] [--bundled] [--json out.json]

For each design (``gui_scale_designs``: a chain and a DenseNet-like design, fixed seed): open
the saved file → everything painted (and until every edge is routed: "routed"); one
parameter edit → everything painted (p50/p95, the edited convolution selected, so the
inspector follows it); auto layout; paste k
(≤ 1,000) copied nodes and undo it; select all with Ctrl+A and with a rubber band; delete
the selection; undo; move everything by dragging one selected box; the process's RSS.
``--bundled`` adds DenseNet-121 with every block expanded: Ctrl+A, Delete, undo.

"Painted" = the operation, then the event loop drained: the document's lazy analysis, the
scene's geometry pass, panels' timers and the paint events of what changed. Times are
the process's CPU time in ms (stable on a shared machine) with wall clock beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

import gui_scale_designs as scale_designs  # noqa: E402
from designer.core import clipboard, serialize  # noqa: E402
from designer.core.edits import SetParams  # noqa: E402
from designer.core.heap import set_aside_base  # noqa: E402
from designer.gui.main_window import MainWindow  # noqa: E402
from designer.gui.recovery import RecoveryStore  # noqa: E402
from designer.gui.settings import Settings  # noqa: E402

MS = 1000.0


def settle(window) -> None:
    """Drain the event loop: zero-time timers (the document's analysis, the scene's geometry
    pass, panels) and the paint events of whatever changed, as the window would paint it."""
    app = QApplication.instance()
    for _ in range(4):
        app.processEvents()


def timed(window, action) -> tuple[float, float]:
    """(CPU ms, wall ms) of ``action`` followed by ``settle``."""
    c, w = time.process_time(), time.perf_counter()
    action()
    settle(window)
    return (time.process_time() - c) * MS, (time.perf_counter() - w) * MS


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def make_window(folder: Path) -> MainWindow:
    for kind in ("question", "critical", "warning", "information"):
        setattr(QMessageBox, kind, staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    window = MainWindow(settings=Settings.at(folder / "settings.ini"),
                        recovery_store=RecoveryStore(folder / "recovery"))
    window.resize(1440, 900)
    window.show()
    settle(window)
    set_aside_base()  # as designer's main does once its window has shown
    return window


def key(window, k, mods=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(window.view.viewport(), k, mods)


def mouse(widget, kind, pos: QPoint, buttons) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag(widget, start: QPoint, end: QPoint, steps: int = 4) -> None:
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    mouse(widget, QEvent.Type.MouseButtonPress, start, left)
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        mouse(widget, QEvent.Type.MouseMove, QPoint(round(p.x()), round(p.y())), left)
    mouse(widget, QEvent.Type.MouseButtonRelease, end, none)


def show_all(window) -> None:
    """Zoom out so the whole design shows with an empty margin (untimed: a band's setup)."""
    window.view.fit_to_view()
    window.view.zoom_by(0.85)
    settle(window)
    while window.view.graph_scene.routing_pending():  # routes the new view shows, in passes
        settle(window)


def rubber_band(window) -> None:
    """Drag a band over the whole design from an empty corner of the canvas."""
    vp = window.view.viewport()
    drag(vp, QPoint(3, 3), QPoint(vp.width() - 3, vp.height() - 3))


def move_all(window) -> bool:
    """Drag one selected box (everything is selected) by 30 pixels."""
    view = window.view
    vp = view.viewport()
    for box in window.view.graph_scene.boxes():
        left, top, right, bottom = box.scene_rect()
        at = view.mapFromScene(QPointF((left + right) / 2, (top + bottom) / 2))
        if vp.rect().adjusted(40, 40, -40, -40).contains(at):
            drag(vp, at, at + QPoint(30, 20))
            return True
    return False


def mid_conv(graph) -> str:
    convs = [n.id for n in graph.nodes.values() if n.type == "Conv2d"]
    return convs[len(convs) // 2]


def edit_times(window, repeat: int) -> list[float]:
    doc = window.document
    nid = mid_conv(doc.graph)
    doc.set_selection([nid])
    settle(window)
    base = doc.graph.nodes[nid].params.get("out_channels", 8)
    times = []
    for i in range(repeat):
        params = dict(doc.graph.nodes[nid].params, out_channels=base + (i % 2) + 1)
        times.append(timed(window, lambda: doc.push(SetParams(nid, params)))[0])
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(window, path: Path, repeat: int, skip: set[str]) -> dict[str, object]:
    r: dict[str, object] = {}
    c, w = time.process_time(), time.perf_counter()
    r["open"] = timed(window, lambda: window.open_file(path))
    doc, view = window.document, window.view
    while view.graph_scene.routing_pending():  # the remaining routes, in passes after the paint
        settle(window)
    r["routed"] = ((time.process_time() - c) * MS, (time.perf_counter() - w) * MS)
    r["nodes"], r["edges"] = len(doc.graph.nodes), len(doc.graph.edges)
    edits = edit_times(window, repeat)
    r["edit_p50"], r["edit_p95"] = statistics.median(edits), p95(edits)
    if "layout" not in skip:
        r["layout"] = timed(window, view.auto_layout)
        doc.undo_stack.undo()
        settle(window)
    if "paste" not in skip:
        ids = list(doc.graph.nodes)[: min(1000, len(doc.graph.nodes))]
        payload = clipboard.copy_nodes(doc.graph, ids)
        r["paste_k"] = len(ids)
        r["paste"] = timed(window, lambda: view._paste_payload(payload, (3000.0, 0.0)))
        r["paste_undo"] = timed(window, doc.undo_stack.undo)
    if "select" not in skip:
        doc.set_selection([])
        settle(window)
        r["select_all"] = timed(window, lambda: key(window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier))
        r["selected"] = len(doc.selection)
        r["move_all"] = timed(window, lambda: move_all(window))
        r["delete"] = timed(window, lambda: key(window, Qt.Key.Key_Delete))
        r["left_after_delete"] = len(doc.graph.nodes)
        r["undo_delete"] = timed(window, doc.undo_stack.undo)
        doc.set_selection([])
        show_all(window)
        r["rubber_band"] = timed(window, lambda: rubber_band(window))
        r["band_selected"] = len(doc.selection)
        doc.set_selection([])
        settle(window)
    r["rss_mb"] = rss_mb()
    return r


def bundled(window) -> dict[str, object]:
    """DenseNet-121 with every block expanded: Ctrl+A, Delete, undo."""
    from designer.core.layout import apply_layout, layered_layout
    from designer.zoo import find

    graph = serialize.load(find("densenet121"))
    for group in graph.groups.values():
        group.collapsed = False
    apply_layout(graph, layered_layout(graph))
    folder = Path(tempfile.mkdtemp())
    path = folder / "densenet121-expanded.json"
    serialize.save(graph, path)
    window.open_file(path)
    settle(window)
    doc = window.document
    r: dict[str, object] = {"nodes": len(doc.graph.nodes)}
    doc.set_selection([])
    settle(window)
    r["select_all"] = timed(window, lambda: key(window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier))
    r["delete"] = timed(window, lambda: key(window, Qt.Key.Key_Delete))
    r["undo_delete"] = timed(window, doc.undo_stack.undo)
    return r


def fmt(value) -> str:
    if isinstance(value, tuple):
        return f"{value[0]:.0f} ({value[1]:.0f})"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


COLUMNS = ["nodes", "edges", "open", "routed", "edit_p50", "edit_p95", "layout", "paste_k", "paste", "paste_undo",
           "select_all", "move_all", "delete", "undo_delete", "rubber_band", "rss_mb"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000,5000")
    parser.add_argument("--kinds", default="chain,dense")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip", default="", help="comma list of: layout, paste, select")
    parser.add_argument("--bundled", action="store_true", help="also DenseNet-121, expanded")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp())
    window = make_window(folder)
    skip = {s for s in args.skip.split(",") if s}
    results = []
    print("CPU ms (wall ms); edit p50/p95 in CPU ms")
    print(" | ".join(["design", *COLUMNS]))
    for size in [int(s) for s in args.sizes.split(",")]:
        for kind in args.kinds.split(","):
            path = folder / f"{kind}-{size}.json"
            serialize.save(scale_designs.GENERATORS[kind](size), path)
            r = measure(window, path, args.repeat, skip)
            r["design"] = f"{kind}-{size}"
            results.append(r)
            print(" | ".join([r["design"], *(fmt(r.get(c, "—")) for c in COLUMNS)]), flush=True)
    if args.bundled:
        r = bundled(window)
        r["design"] = "densenet121-expanded"
        results.append(r)
        print(" | ".join([r["design"], *(fmt(r.get(c, "—")) for c in COLUMNS)]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    window.training.shutdown()
    window.close()


if __name__ == "__main__":
    main()
