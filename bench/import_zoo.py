"""Coverage of `designer import` over torchvision's classification models.

For every model of ``torchvision.models.list_models(module=torchvision.models)``: does it
import, does the design compile, the largest difference between the compiled design and the
original in eval mode with the original's (random) weights loaded, equal parameter counts,
and the design's MACs against FlopCounterMode / 2 (counted with gradients on and the math
attention kernel, whose products FlopCounterMode sees). CPU heavy: models run at the
smallest input they accept. Prints a Markdown table.

    PYTHONPATH=$PWD nice -n 10 python bench/import_zoo.py [NAME ...]
"""

from __future__ import annotations

import sys
import time

import torch
import torchvision
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from designer.analysis import analyze
from designer.compiler.fx_builder import compile_design
from designer.compiler.importer import ModelImportError, import_model

#: Models tied to one input size by construction; the rest run at 64×64 (inception at 96).
SIZES = {"vit": 224, "maxvit": 224, "inception_v3": 96, "googlenet": 64, "swin": 64}


def size_of(name: str) -> int:
    for prefix, size in SIZES.items():
        if name.startswith(prefix):
            return size
    return 64


def measure(name: str) -> dict:
    size = size_of(name)
    row = {"model": name, "input": size}
    torch.manual_seed(0)
    start = time.perf_counter()
    try:
        result = import_model(f"torchvision:{name}", (3, size, size))
    except ModelImportError as exc:
        row["imports"] = "no: " + str(exc).splitlines()[0][:80]
        return row
    row["imports"] = "yes"
    row["seconds"] = round(time.perf_counter() - start, 1)
    graph = result.graph
    row["opaque"] = sum(1 for n in graph if n.type == "ModuleCall")
    analysis = analyze(graph)
    compiled = compile_design(graph, analysis)
    result.copy_weights(compiled)
    original = result.model.eval()
    compiled.eval()
    x = torch.randn(2, 3, size, size)
    with torch.no_grad():
        row["max_diff"] = (compiled(x) - original(x)).abs().max().item()
    row["params_equal"] = analysis.total_params == sum(p.numel() for p in original.parameters())
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        original(x[:1])
    row["macs_equal"] = analysis.total_macs == counter.get_total_flops() // 2
    row["macs"] = analysis.total_macs
    return row


def main(names: list[str]) -> None:
    names = names or sorted(torchvision.models.list_models(module=torchvision.models))
    print("| model | input | imports | opaque nodes | compiles, max abs diff | params equal | MACs = FlopCounterMode/2 |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        row = measure(name)
        if row["imports"] != "yes":
            print(f"| {name} | {row['input']} | {row['imports']} | | | | |", flush=True)
            continue
        print(f"| {name} | {row['input']} | yes ({row['seconds']} s) | {row['opaque']} | "
              f"{row['max_diff']:.1e} | {'yes' if row['params_equal'] else 'NO'} | "
              f"{'yes' if row['macs_equal'] else 'NO'} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
