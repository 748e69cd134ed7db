"""How the pure auto layout (core.layout.layered_layout) and an in-place group toggle
(core.layout_toggle.toggle_moves) grow with the size of the design.

    python bench/layout_scale.py [--sizes 1000,5000,20000] [--repeat 3]

Designs: bench/gui_scale_designs.py's chain and DenseNet-like generators (fixed seed), and
"blocks": a stack of collapsed residual blocks (4 nodes each) for the toggle, which expands
then collapses the middle block. Prints process CPU ms (best of ``--repeat``), µs per node,
and the log-log slope between consecutive sizes (1.0 = linear); a control row of plainly
linear dictionary work shows how much of a slope above 1 the machine itself adds.
"""

from __future__ import annotations

import argparse
import gc
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gui_scale_designs import chain, dense  # noqa: E402

from designer.core.builder import DesignBuilder  # noqa: E402
from designer.core.layout import layered_layout  # noqa: E402
from designer.core.layout_toggle import toggle_moves  # noqa: E402


def blocks(n: int):
    """About ``n`` nodes: Input, n // 4 collapsed residual blocks, Flatten, Output."""
    b = DesignBuilder(f"blocks-{n}")
    x = b.input([3, 8, 8])
    for i in range(max(1, n // 4)):
        with b.group(f"g{i}", collapsed=True):
            y = b.conv2d(b.relu(b.conv2d(x, 3, 3, padding=1)), 3, 3, padding=1)
            x = b.add_(y, x)
    b.output(b.flatten(x))
    return b.build()


def best_cpu_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times) * 1000.0


def toggle_twice(graph, gid: str) -> None:
    for _ in range(2):
        moves = toggle_moves(graph, gid)
        graph.groups[gid].collapsed = not graph.groups[gid].collapsed
        for nid, (_, new) in moves.items():
            graph.nodes[nid].position = new


def _control(ids: list[str]) -> int:
    """Linear work of the same kind as the layout's (string-keyed dicts, one entry per node):
    its slope is what memory and caches alone add at this size on this machine."""
    total = 0
    for _ in range(10):
        table = {u: {"i": i} for i, u in enumerate(ids)}
        for u in ids:
            total += table[u]["i"]
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for kind, make in (("chain", chain), ("dense", dense)):
        for n in sizes:
            graph = make(n, layout=False)
            rows.append((f"layout {kind}", n, best_cpu_ms(lambda: layered_layout(graph), args.repeat)))
    for n in sizes:
        graph = blocks(n)
        rows.append(("layout blocks", len(graph.nodes), best_cpu_ms(lambda: layered_layout(graph), args.repeat)))
        gid = f"g{len(graph.groups) // 2}"
        rows.append(("expand+collapse", len(graph.nodes), best_cpu_ms(lambda: toggle_twice(graph, gid), args.repeat)))
    for n in sizes:  # the machine's own growth: a dict per node, built and read 10 times
        ids = list(chain(n, layout=False).nodes)
        rows.append(("control: dict per node ×10", n, best_cpu_ms(lambda: _control(ids), args.repeat)))
    print("| what | nodes | CPU ms | µs/node | slope |")
    print("|---|---:|---:|---:|---:|")
    last: dict[str, tuple[int, float]] = {}
    for what, n, ms in rows:
        slope = ""
        if what in last:
            n0, ms0 = last[what]
            slope = f"{math.log(ms / ms0) / math.log(n / n0):.2f}"
        last[what] = (n, ms)
        print(f"| {what} | {n:,} | {ms:,.0f} | {ms * 1000 / n:.1f} | {slope} |")


if __name__ == "__main__":
    main()
