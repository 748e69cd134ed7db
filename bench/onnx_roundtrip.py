"""Round trip of every bundled example through ONNX: design → ONNX → design.

    PYTHONPATH=$PWD nice -n 10 python bench/onnx_roundtrip.py [EXAMPLE ...]
    PYTHONPATH=$PWD nice -n 10 python bench/onnx_roundtrip.py --torchvision [NAME@SIZE ...]

Each example gets seed-0 weights, is exported with ``export_onnx`` and imported back with
``import_model`` (onnx2torch, then Designer's importer). Per example: the design file's
content compared order-free (ids, types, parameters, edges, groups, positions, name,
description), parameter counts and MACs from analysis, the largest output difference of the
re-imported design with the file's weights against the original on a random batch of 2, and
the time. Prints a Markdown table. The large examples (VGG, AlexNet, ZFNet: 60–140 M
parameters) take most of the time and about 2 GB of memory each. ``--torchvision`` does the
same for designs imported from torchvision models (random weights, input SIZE×SIZE).
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
            "groups": {g["id"]: g for g in data.get("groups", [])}, "training": data.get("training")}


#: Imported designs with modern layers (SiLU, Hardsigmoid, StochasticDepth, channel shuffle,
#: LayerNorm, attention) for --torchvision.
TORCHVISION = ["mobilenet_v3_small@64", "efficientnet_b0@64", "regnet_x_400mf@64", "shufflenet_v2_x0_5@64",
               "mnasnet0_5@64", "resnext50_32x4d@64", "convnext_tiny@64", "swin_t@64", "vit_b_16@224"]


def design_and_weights(name: str):
    """A bundled example with seed-0 weights, or (NAME@SIZE) an imported torchvision model
    with its random weights."""
    if "@" not in name:
        original = load_design(name)
        return original, design_weights(original).eval()
    model, size = name.split("@")
    imported = import_model(f"torchvision:{model}", input_shape=(3, int(size), int(size)))
    reference = compile_design(imported.graph)
    imported.copy_weights(reference)
    return imported.graph, reference.eval()


def measure(name: str, folder: Path) -> dict:
    start = time.perf_counter()
    original, reference = design_and_weights(name)
    path = export_onnx(original, folder / f"{name.replace('@', '_')}.onnx", reference)
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
    if "nodes" in differs:
        kinds = sorted({f"{theirs['nodes'][k]['type']}→{mine['nodes'][k]['type'] if k in mine['nodes'] else '∅'}"
                        for k in theirs["nodes"] if theirs["nodes"][k] != mine["nodes"].get(k)})
        differs[differs.index("nodes")] = f"nodes ({', '.join(kinds[:4])})"
    path.unlink()
    return {"example": name, "nodes": len(original.nodes), "onnx_mb": size_mb,
            "design_equal": not differs, "differs": differs,
            "params": a.total_params == b.total_params, "macs": a.total_macs == b.total_macs,
            "diff": diff, "seconds": time.perf_counter() - start}


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--torchvision"]:
        names = args[1:] or TORCHVISION
    else:
        names = args or [e.name for e in list_examples()]
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
