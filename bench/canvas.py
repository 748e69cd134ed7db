"""Benchmark: how long the canvas takes to follow an edit, offscreen.

    python bench/canvas.py [--repeat N] [--designs vgg16,resnet50,...] [--shots DIR]

For each design: building the scene (open a file), the live refresh after a parameter
change (SetParams on a convolution, then the document's analysis pass and the canvas
update it triggers), and the canvas part alone (re-applying an Analysis to the scene),
with every group collapsed as saved and with every group expanded. Medians in ms.
The goal: a parameter change on vgg16 refreshes in < 50 ms. ``--shots DIR`` also writes
each design as PNG (as saved, expanded, and expanded in the dark theme) to look at.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from designer.core import serialize  # noqa: E402
from designer.core.edits import SetParams  # noqa: E402
from designer.core.layout import apply_layout, layered_layout  # noqa: E402
from designer.gui.canvas import GraphView  # noqa: E402
from designer.gui.document import Document  # noqa: E402
from designer.zoo import find  # noqa: E402


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def measure(name: str, expanded: bool, repeat: int) -> dict[str, float]:
    graph = serialize.load(find(name))
    if expanded:
        for group in graph.groups.values():
            group.collapsed = False
        apply_layout(graph, layered_layout(graph))
    doc = Document(graph)
    view = GraphView(doc)
    view.resize(1200, 900)
    build = median_ms(lambda: view.graph_scene.rebuild(), max(1, repeat // 4))
    conv = next(n for n in graph.nodes.values() if n.type == "Conv2d")
    widths = [conv.params.get("out_channels", 8), conv.params.get("out_channels", 8) + 1]
    state = {"i": 0}

    def edit() -> None:
        state["i"] += 1
        params = dict(conv.params, out_channels=widths[state["i"] % 2])
        doc.push(SetParams(conv.id, params))
        doc.refresh_now()  # analysis + analysis_changed → the canvas update
        view.graph_scene.flush()

    refresh = median_ms(edit, repeat)
    analysis = doc.analysis
    canvas = median_ms(lambda: (view.graph_scene._on_analysis_changed(analysis), view.graph_scene.flush()), repeat)
    return {"nodes": len(graph.nodes), "items": len(view.graph_scene.boxes()), "build": build,
            "refresh": refresh, "canvas": canvas}


def shots(name: str, folder: str) -> None:
    """Write ``name`` as saved, with every block expanded, and expanded in the dark theme."""
    from pathlib import Path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for suffix, expanded, dark in (("", False, False), ("-expanded", True, False), ("-dark", True, True)):
        graph = serialize.load(find(name))
        if expanded:
            for group in graph.groups.values():
                group.collapsed = False
            apply_layout(graph, layered_layout(graph))
        view = GraphView(Document(graph))
        view.set_dark(dark)
        print("wrote", view.render_to_image(out / f"{name}{suffix}.png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--designs", default="lenet5,vgg16,resnet50,googlenet,densenet121")
    parser.add_argument("--shots", metavar="DIR", help="also write PNGs of each design to DIR")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    print(f"{'design':<12} {'groups':<9} {'nodes':>5} {'boxes':>5} {'build ms':>9} "
          f"{'edit→canvas ms':>15} {'canvas only ms':>15}")
    for name in args.designs.split(","):
        for expanded in (False, True):
            r = measure(name, expanded, args.repeat)
            print(f"{name:<12} {'expanded' if expanded else 'as saved':<9} {r['nodes']:>5} "
                  f"{r['items']:>5} {r['build']:>9.1f} {r['refresh']:>15.1f} {r['canvas']:>15.1f}")
    print("goal: vgg16 edit→canvas < 50 ms")
    for name in args.designs.split(",") if args.shots else ():
        shots(name, args.shots)
    app.processEvents()


if __name__ == "__main__":
    main()
