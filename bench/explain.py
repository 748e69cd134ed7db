"""Time per Explain method, on the CPU, for LeNet-5 (1×32×32) and ResNet-18 (3×224×224); and
the smallest ε that flips LeNet-5's prediction for 20 digits validation samples.

    python bench/explain.py [--models lenet5,resnet18] [--repeat N] [--epsilons CHECKPOINT | --epsilons train]

Each method runs as the view runs it after training (``run_request`` on one thread, all units
at once), on validation sample 0, after one warm-up call (Captum imported, model loaded);
the median of ``--repeat`` runs.
ResNet-18 uses random weights and random inputs: the cost does not depend on what the
network learned. A measurement, not a test: run it by hand and copy the tables into
bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CASES = [  # (label, params)
    ("saliency", {"method": "attributions", "which": ["saliency"]}),
    ("Integrated Gradients (48 steps)", {"method": "attributions", "which": ["ig"]}),
    ("Guided Backprop", {"method": "attributions", "which": ["guided"]}),
    ("Grad-CAM (last spatial layer)", {"method": "attributions", "which": ["gradcam"]}),
    ("all four attribution maps", {"method": "attributions"}),
    ("counterfactual Grad-CAM, top 3", {"method": "counterfactual"}),
    ("occlusion", {"method": "occlusion"}),
    ("FGSM", {"method": "adversarial", "attack": "fgsm", "epsilon": 0.03}),
    ("PGD (10 steps)", {"method": "adversarial", "attack": "pgd", "epsilon": 0.03}),
    ("FGSM + smallest-ε search", {"method": "adversarial", "attack": "fgsm", "epsilon": 0.03, "search": True}),
    ("maximise 8 channels (96 steps)", {"method": "maximise", "channels": list(range(8)), "patches": False}),
    ("top-9 patches, 8 channels", {"method": "maximise", "channels": list(range(8)), "steps": 1}),
]


def setup(name: str):
    """(model, data, occlusion params, maximise layer, samples for the patches)."""
    import torch

    from designer.compiler import compile_design
    from designer.core.serialize import load
    from designer.zoo import find

    torch.manual_seed(0)
    model = compile_design(load(find(name))).eval()
    if name == "lenet5":
        from designer.training import DataConfig
        from designer.training.data import load_dataset

        return model, load_dataset(DataConfig("digits"), (1, 32, 32), 0), {"patch": 4, "stride": 2}, "conv2"
    x = torch.rand(64, 3, 224, 224)
    y = torch.randint(0, 1000, (64,))
    return model, (x, y), {"patch": 32, "stride": 16}, "layer1.0.conv1"


def time_methods(name: str, repeat: int = 1) -> list[tuple[str, float]]:
    from designer.training.probes import ProbeRequest, run_request

    model, data, occlusion, layer = setup(name)
    bundle = data if not isinstance(data, tuple) else None
    rows = []
    for label, params in CASES:
        params = dict(params)
        if params["method"] == "occlusion":
            params |= occlusion
        if params["method"] == "maximise":
            params |= {"layer": layer}
            label += f" of {layer}"
        if label.startswith("occlusion"):
            label += f" {occlusion['patch']}×{occlusion['patch']}, stride {occlusion['stride']}"
        run_request(model, ProbeRequest("explain", {"method": "attributions", "which": ["saliency"]}), data,
                    bundle=bundle)  # warm-up
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            result = run_request(model, ProbeRequest("explain", params), data, bundle=bundle)
            times.append(time.perf_counter() - began)
            if result.error:
                raise SystemExit(f"{name} {label}: {result.error}")
        elapsed = statistics.median(times)
        rows.append((label, elapsed))
        print(f"  {name:9} {label:45} {elapsed:8.2f} s", flush=True)
    return rows


def epsilons(checkpoint: str, count: int = 20) -> None:
    """The smallest flipping ε (FGSM and PGD) for the first ``count`` validation samples."""
    from designer.compiler import compile_design
    from designer.training.checkpoint import design_of, load_checkpoint
    from designer.training.config import TrainingConfig
    from designer.training.data import load_dataset
    from designer.training.probes import ProbeRequest, run_request

    saved = load_checkpoint(checkpoint)
    model = compile_design(design_of(saved))
    model.load_state_dict(saved["model"])
    config = TrainingConfig.from_dict(saved["config"])
    bundle = load_dataset(config.data, (1, 32, 32), config.seed)
    found = {"fgsm": [], "pgd": []}
    print("sample  true  predicted   FGSM: smallest ε, new class   PGD: smallest ε, new class")
    for sample in range(count):
        row = []
        for attack in found:
            params = {"method": "adversarial", "attack": attack, "epsilon": 0.0, "search": True, "sample": sample}
            data = run_request(model.eval(), ProbeRequest("explain", params), bundle, bundle.classes, bundle).data
            found[attack].append(data["smallest"])
            row.append(f"{data['smallest']:.4f} → {data['smallest_class']}" if data["smallest"] else "none ≤ 1")
        print(f"{sample:6}  {data['label']:4}  {data['predicted']:9}   {row[0]:27} {row[1]}")
    for attack, values in found.items():
        values = [v for v in values if v is not None]
        print(f"{attack.upper()}: median ε {statistics.median(values):.4f}, min {min(values):.4f}, "
              f"max {max(values):.4f} ({len(values)} of {count} flipped)")


def train_lenet(folder: str) -> str:
    from designer.core.serialize import load
    from designer.training import DataConfig, TrainingConfig, train
    from designer.zoo import find

    config = TrainingConfig(data=DataConfig("digits"), epochs=6, batch_size=32, device="cpu", seed=0, lr=0.01)
    events = list(train(load(find("lenet5")), config, checkpoint_dir=folder))
    print(f"trained LeNet-5: {events[-1]}")
    return str(Path(folder) / "last.pt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="lenet5,resnet18")
    parser.add_argument("--repeat", type=int, default=3, help="runs per method (median)")
    parser.add_argument("--epsilons", help="a LeNet-5 checkpoint, or 'train' to train one first")
    args = parser.parse_args()
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    if args.epsilons:
        import tempfile

        checkpoint = train_lenet(tempfile.mkdtemp()) if args.epsilons == "train" else args.epsilons
        epsilons(checkpoint)
        return
    for name in args.models.split(","):
        time_methods(name, args.repeat)


if __name__ == "__main__":
    main()
