"""Benchmark: full analysis (validation + shapes + params + MACs + receptive fields) of the
example designs, next to torchinfo.summary on the equivalent torchvision model, on the meta
device and on real tensors, in the same run.

    python bench/analysis.py [--repeat N]

"cold" clears the analysis' memo tables before every run (a design seen for the first time);
"warm" is the editor's steady state (re-analysis after an edit). Numbers are medians.
The parameter counts must be identical; MACs are compared with torch.utils.flop_counter
(FLOPs/2, torchvision's convention), since torchinfo counts mult-adds differently.
"""

from __future__ import annotations

import argparse
import statistics
import time

from designer.analysis import analyze, memo
from designer.core import serialize
from designer.zoo import find, list_examples

TORCHVISION = {"vgg16": "vgg16", "resnet50": "resnet50", "densenet121": "densenet121"}


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def clear_memo() -> None:
    memo.clear()


def cold(graph):
    clear_memo()
    return analyze(graph)


def torch_side(name: str, repeat: int):
    import torch
    import torchinfo
    import torchvision
    from torch.utils.flop_counter import FlopCounterMode

    model = getattr(torchvision.models, name)(weights=None).eval()
    real = median_ms(lambda: torchinfo.summary(model, input_size=(1, 3, 224, 224), verbose=0), max(3, repeat // 10))
    meta_model = getattr(torchvision.models, name)(weights=None).to("meta").eval()
    meta = median_ms(
        lambda: torchinfo.summary(meta_model, input_size=(1, 3, 224, 224), device="meta", verbose=0),
        max(5, repeat // 4),
    )
    params = sum(p.numel() for p in model.parameters())
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        meta_model(torch.empty(1, 3, 224, 224, device="meta"))
    return meta, real, params, counter.get_total_flops() // 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    print("All examples (cold / warm analysis, ms):")
    worst = 0.0
    for ex in list_examples():
        graph = serialize.load(ex.path)
        c = median_ms(lambda: cold(graph), args.repeat)
        w = median_ms(lambda: analyze(graph), args.repeat)
        worst = max(worst, c)
        print(f"  {ex.name:<16} {len(graph):>5} nodes  cold {c:7.3f}  warm {w:7.3f}")
    print(f"  slowest cold analysis: {worst:.3f} ms (target < 5 ms)\n")

    header = ("design", "nodes", "ours cold ms", "ours warm ms", "torchinfo meta ms", "torchinfo real ms",
              "meta/cold", "meta/warm", "real/cold", "params equal", "MACs = flop_counter/2")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for stem, tv in TORCHVISION.items():
        graph = serialize.load(find(stem))
        c = median_ms(lambda: cold(graph), args.repeat)
        w = median_ms(lambda: analyze(graph), args.repeat)
        a = analyze(graph)
        meta, real, params, macs = torch_side(tv, args.repeat)
        print(f"| {stem} | {len(graph)} | {c:.3f} | {w:.3f} | {meta:.1f} | {real:.1f} | "
              f"{meta / c:.0f}× | {meta / w:.0f}× | {real / c:.0f}× | {a.total_params == params} ({params:,}) | "
              f"{a.total_macs == macs} ({macs:,}) |")


if __name__ == "__main__":
    main()
