"""Benchmark: how the pure core scales (issue 13) on generated chains and DenseNet-like
designs (bench/scale_designs.py, fixed seed) of 200 to 20,000 nodes.

    python bench/core_scale.py [--sizes 200,1000,5000,20000] [--repeat N] [--no-cli]

Columns (CPU-time medians in ms unless marked; processes: wall-clock seconds):
  full cold   analysis with the memo tables emptied (a design seen for the first time)
  full warm   analysis again (the memo tables hold every layer configuration)
  edit        re-analysis after one parameter edit in the middle of the design (the channels
              of a Conv2d: everything its new shape reaches is analysed again)
  edit Input  the Input's size 16×16 → 20×20 and back: every shape changes, everything is redone
  paste/undo  pasting a copy of the whole design into itself, and undoing it (core edits)
  delete/undo deleting every other node (with their edges), and undoing it
  summary/validate  `designer summary --json` and `designer validate` as processes: CPU
              seconds (user + system) and, in brackets, wall-clock seconds
Run it against another checkout (PYTHONPATH=that/tree) to compare; what that tree lacks
(incremental re-analysis) prints as "—".
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from scale_designs import DESIGNS  # noqa: E402

from designer.analysis import analyze  # noqa: E402
from designer.core import serialize  # noqa: E402
from designer.core.clipboard import copy_nodes, paste_edit  # noqa: E402
from designer.core.edits import RemoveNodes  # noqa: E402


def cpu_ms(fn, repeat: int, setup=None) -> float:
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times) * 1000


def clear_memo() -> None:
    try:
        from designer.analysis import memo
        memo.clear()
    except ImportError:  # an older tree: the tables lived in analyze
        module = sys.modules["designer.analysis.analyze"]
        for name in ("_result_cache", "_resolved_cache", "_label_cache", "_key_cache"):
            getattr(module, name).clear()


def edit_ms(graph, repeat: int, where: str = "middle") -> str:
    if where == "middle":
        convs = [n for n in graph.nodes.values() if n.type == "Conv2d"]
        node = convs[len(convs) // 2]
        original = dict(node.params)
        other = {**original, "out_channels": original["out_channels"] + 3}
    else:  # the Input's size: every shape below changes
        node = next(n for n in graph.nodes.values() if n.type == "Input")
        original = dict(node.params)
        other = {**original, "shape": [3, 20, 20]}
    state = {"a": analyze(graph), "flip": False}

    def once():
        state["flip"] = not state["flip"]
        graph.set_params(node.id, other if state["flip"] else original)
        state["a"] = analyze(graph, state["a"], [node.id])

    try:
        once()
    except TypeError:
        return "—"
    ms = cpu_ms(once, repeat)
    graph.set_params(node.id, original)
    return f"{ms:.2f}"


def paste_undo_ms(graph) -> tuple[float, float]:
    edit, _ = paste_edit(graph, copy_nodes(graph, list(graph.nodes)), (50.0, 50.0))
    t = time.process_time()
    edit.apply(graph)
    applied = time.process_time() - t
    t = time.process_time()
    edit.revert(graph)
    return applied * 1000, (time.process_time() - t) * 1000


def delete_undo_ms(graph) -> tuple[float, float]:
    edit = RemoveNodes(list(graph.nodes)[1::2])
    t = time.process_time()
    edit.apply(graph)
    applied = time.process_time() - t
    t = time.process_time()
    edit.revert(graph)
    return applied * 1000, (time.process_time() - t) * 1000


def process_s(args: list[str]) -> str:
    """'CPU s (wall s)' of one ``designer`` process (CPU: user + system of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "designer", *args], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=dict(os.environ), check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return f"{cpu:.2f} ({wall:.2f})"


def one_issue_per_node(n: int):
    """A chain whose Output is not wired: every layer gets a dead-end issue (validate prints
    one line per node)."""
    from designer.core.graph import Edge

    graph = DESIGNS["chain"](n)
    last = next(e for e in graph.edges if e.dst == "output")
    graph.remove_edge(Edge(last.src, last.dst, last.port))
    return graph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000,5000,20000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line processes")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    header = ["design", "nodes", "edges", "full cold ms", "full warm ms", "edit ms", "edit Input size ms", "paste ms",
              "undo paste ms", "delete ½ ms", "undo delete ms"]
    if not args.no_cli:
        header += ["summary --json CPU s (wall)", "validate CPU s (wall)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---:|" * len(header))
    tmp = Path(tempfile.mkdtemp(prefix="core_scale_"))
    for kind, make in DESIGNS.items():
        for n in sizes:
            graph = make(n)
            repeat = max(1, args.repeat if n <= 5000 else args.repeat // 2)
            cold = cpu_ms(lambda: analyze(graph), repeat, setup=clear_memo)
            warm = cpu_ms(lambda: analyze(graph), repeat)
            edit = edit_ms(graph, max(3, repeat * 4))
            first = edit_ms(graph, max(3, repeat), "input")
            paste, undo_paste = paste_undo_ms(graph)
            delete, undo_delete = delete_undo_ms(graph)
            row = [kind, f"{len(graph):,}", f"{len(graph.edges):,}", f"{cold:.0f}", f"{warm:.0f}", edit, first,
                   f"{paste:.0f}", f"{undo_paste:.0f}", f"{delete:.0f}", f"{undo_delete:.0f}"]
            if not args.no_cli:
                path = tmp / f"{kind}-{n}.json"
                serialize.save(graph, path)
                row += [process_s(["summary", "--json", str(path)]), process_s(["validate", str(path)])]
            print("| " + " | ".join(row) + " |", flush=True)
    if not args.no_cli:
        n = max(40_000, max(sizes))
        path = tmp / "issues.json"
        serialize.save(one_issue_per_node(n), path)
        print(f"\n`designer validate` of a {n:,}-node chain with one issue per node: "
              f"{process_s(['validate', str(path)])} s; `summary --json`: "
              f"{process_s(['summary', '--json', str(path)])} s (CPU (wall))")


if __name__ == "__main__":
    main()
