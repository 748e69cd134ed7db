"""Plot how the window's costs grow with the design's size, on log-log axes.

    python bench/gui_scale.py --sizes 200,1000,5000 --json scale.json
    python bench/plot_scale.py scale.json [more.json ...] -o docs/scale-loglog.png

Reads gui_scale.py's results (several files: the medians of each operation's CPU time over
the runs) and draws one panel per design kind: CPU ms against nodes for open, paste, undo
of a delete-all, delete all, move all and the edit p95, with the issue's goals as dotted
steps. A slope of 1 on these axes is linear growth. Drawn with pyqtgraph (offscreen), as
the application's own figures are.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyqtgraph as pg  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

#: (result key, legend, colour); each result holds (CPU ms, wall ms) or a number.
SERIES = [
    ("open", "open → painted", "#1f77b4"),
    ("paste", "paste 1,000 (all at 200)", "#ff7f0e"),
    ("undo_delete", "undo of delete-all", "#2ca02c"),
    ("delete", "delete all", "#d62728"),
    ("move_all", "move all", "#9467bd"),
    ("edit_p95", "one edit, p95", "#8c564b"),
]
#: The issue's goals at 200 / 1,000 / 5,000 nodes (ms): open, and the selection operations.
GOALS = {"open": (300, 500, 1500), "select, move, delete, undo": (30, 100, 500),
         "edit p95": (16, 16, 50)}
SIZES = (200, 1000, 5000)


def cpu_ms(value) -> float | None:
    if isinstance(value, list):
        return float(value[0])
    if isinstance(value, (int, float)):
        return float(value)
    return None


def medians(files: list[Path]) -> dict[tuple[str, int], dict[str, float]]:
    """(kind, nodes) → {key: median CPU ms over the files' runs}."""
    samples: dict[tuple[str, int], dict[str, list[float]]] = {}
    for path in files:
        for result in json.loads(path.read_text()):
            design = result.get("design", "")
            if "-" not in design or not design.split("-")[1].isdigit():
                continue
            kind, size = design.split("-")[0], int(design.split("-")[1])
            row = samples.setdefault((kind, size), {})
            for key, _, _ in SERIES:
                value = cpu_ms(result.get(key))
                if value is not None:
                    row.setdefault(key, []).append(value)
    return {k: {key: statistics.median(v) for key, v in row.items()} for k, row in samples.items()}


def panel(plot: pg.PlotItem, kind: str, table: dict) -> list:
    """Draw one kind's curves and the goals; returns (curve, name) pairs for the legend."""
    plot.setLogMode(x=True, y=True)
    plot.setTitle(f"{kind} designs", color="#222222")
    plot.setLabel("bottom", "nodes", color="#222222")
    plot.setLabel("left", "CPU ms", color="#222222")
    plot.showGrid(x=True, y=True, alpha=0.25)
    named = []
    for key, name, colour in SERIES:
        points = sorted((size, row[key]) for (k, size), row in table.items() if k == kind and key in row)
        if points:
            xs, ys = zip(*points)
            named.append((plot.plot(list(xs), [max(y, 0.5) for y in ys], pen=pg.mkPen(colour, width=2),
                                    symbol="o", symbolSize=6, symbolBrush=colour, symbolPen=colour), name))
    for (label, goals), colour in zip(GOALS.items(), ("#1f77b4", "#555555", "#8c564b")):
        pen = pg.mkPen(colour, width=1, style=pg.QtCore.Qt.PenStyle.DotLine)
        named.append((plot.plot(list(SIZES), list(goals), pen=pen), f"goal: {label}"))
    ticks = [(math.log10(size), f"{size:,}") for size in SIZES]
    plot.getAxis("bottom").setTicks([ticks, []])
    return named


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="JSON files of bench/gui_scale.py --json")
    parser.add_argument("-o", "--out", type=Path, default=Path("scale-loglog.png"))
    args = parser.parse_args()
    QApplication.instance() or QApplication([])
    pg.setConfigOptions(antialias=True, background="w", foreground="#222222")
    table = medians(args.results)
    kinds = sorted({k for k, _ in table})
    if not kinds:
        raise SystemExit("no generated designs in these files: run bench/gui_scale.py --json first")
    figure = pg.GraphicsLayoutWidget()
    width = 460 * len(kinds) + 260
    figure.resize(width, 420)
    named = []
    for col, kind in enumerate(kinds):
        named = panel(figure.addPlot(row=0, col=col), kind, table) or named
    legend = pg.LegendItem(labelTextColor="#222222")
    figure.addItem(legend, row=0, col=len(kinds))
    for curve, name in named:
        legend.addItem(curve, name)
    figure.show()
    QApplication.processEvents()
    from pyqtgraph.exporters import ImageExporter

    exporter = ImageExporter(figure.scene())
    exporter.parameters()["width"] = width
    exporter.parameters()["background"] = QColor("white")
    exporter.export(str(args.out))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
