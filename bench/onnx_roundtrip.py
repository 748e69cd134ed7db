"""Round trip of every bundled example through ONNX: design → ONNX → design.

    PYTHONPATH=$PWD nice -n 10 python bench/onnx_roundtrip.py [EXAMPLE ...]

Each example gets seed-0 weights, is exported with ``export_onnx`` and imported back with
``import_model`` (onnx2torch, then Designer's importer). Per example: the design file's
content compared order-free (ids, types, parameters, edges, groups, positions, name,
description), parameter counts and MACs from analysis, the largest output difference of the
re-imported design with the file's weights against the original on a random batch of 2, and
the time. Prints a Markdown table. The large examples (VGG, AlexNet, ZFNet: 60–140 M
parameters) take most of the time and about 2 GB of memory each.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from designer.analysis import analyze  # noqa: E402
from designer.cli import load_design  # noqa: E402
from designer.compiler.fx_builder import compile_design  # noqa: E402
from designer.compiler.importer import import_model  # noqa: E402
from designer.compiler.onnx_export import export_onnx  # noqa: E402
from designer.compiler.weights import design_weights  # noqa: E402
from designer.core.serialize import to_dict  # noqa: E402
from designer.zoo import list_examples  # noqa: E402


def comparable(graph) -> dict:
    data = to_dict(graph)
    return {"name": data["name"], "description": data["description"],
            "nodes": {n["id"]: n for n in data["nodes"]},
            "edges": sorted((e["from"], e["to"], e.get("port", 0)) for e in data["edges"]),
            "groups": {g["id"]: g for g in data.get("groups", [])}}


def measure(name: str, folder: Path) -> dict:
    start = time.perf_counter()
    original = load_design(name)
    reference = design_weights(original).eval()
    path = export_onnx(original, folder / f"{name}.onnx", reference)
    size_mb = path.stat().st_size / 2**20
    result = import_model(str(path))
    compiled = compile_design(result.graph)
    result.copy_weights(compiled)
    a, b = analyze(original), analyze(result.graph)
    x = torch.randn(2, *a.input_shape)
    with torch.no_grad():
        diff = (compiled.eval()(x) - reference(x)).abs().max().item()
    mine, theirs = comparable(result.graph), comparable(original)
    differs = [key for key in theirs if mine[key] != theirs[key]]
    path.unlink()
    return {"example": name, "nodes": len(original.nodes), "onnx_mb": size_mb,
            "design_equal": not differs, "differs": differs,
            "params": a.total_params == b.total_params, "macs": a.total_macs == b.total_macs,
            "diff": diff, "seconds": time.perf_counter() - start}


def main() -> None:
    names = sys.argv[1:] or [e.name for e in list_examples()]
    folder = Path(tempfile.mkdtemp())
    print("| example | nodes | ONNX MB | design equal | params equal | MACs equal | max abs diff | s |")
    print("|---|---:|---:|---|---|---|---:|---:|")
    for name in names:
        try:
            r = measure(name, folder)
        except Exception as exc:  # a failure is a row of the table, not the end of the run
            print(f"| {name} | FAILED: {type(exc).__name__}: {str(exc).splitlines()[0][:200]} |||||||", flush=True)
            continue
        equal = "yes" if r["design_equal"] else "no: " + ", ".join(r["differs"])
        print(f"| {name} | {r['nodes']} | {r['onnx_mb']:.1f} | {equal} | {'yes' if r['params'] else 'NO'} | "
              f"{'yes' if r['macs'] else 'NO'} | {r['diff']:.1e} | {r['seconds']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
