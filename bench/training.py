"""Training benchmark: the engine's throughput against a plain PyTorch loop, and quality bars.

    python bench/training.py                # throughput table + quality runs
    python bench/training.py --throughput   # only the table
    python bench/training.py --quality      # only LeNet-5 / digits MLP accuracy

Throughput: for each model, the engine (``designer.training.train``, with its monitoring:
loss/accuracy sums, reports, snapshots, control checks) and a hand-written loop (same
compiled model, same fitted and normalised tensors, batch size, optimiser, shuffling and
device; no monitoring) train in alternating rounds, so that load from other processes hits
both alike. Samples/s counts training steps only (not validation). The table shows medians
over all timed epochs (the first epoch of each round is a warm-up and is not timed).

``--clock cpu`` times both with the process's CPU time instead of the wall clock (the engine's
stopwatch is pointed at time.process_time): with ``--threads 1`` this is what to use on a
machine shared with other work, where wall-clock rates swing with the load.

``--variants compile,channels-last,bf16`` adds engine columns with those speed settings
(``reduce-overhead`` too, on CUDA; see designer/training/speedups.py); the engine's first
epoch, which compiles, is a warm-up and is not timed, and the compile time is printed.
``--columns`` picks the runners (e.g. without "GUI worker" where there is no PySide6).

Columns: the "DataLoader loop" (a shuffling DataLoader over CPU tensors, each batch copied to
the device: the textbook loop), the "plain loop" (the set on the device, indexed per step),
the "expert loop" (the set on the device and shuffled there, fused/multi-tensor Adam: the best
a short hand-written script gets), the engine and the window's worker. Each column is one
runner in RUNNERS: ``fn(case, epochs) -> list of per-epoch samples/s``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from designer.compiler import compile_design  # noqa: E402
from designer.core.graph import Graph  # noqa: E402
from designer.core.serialize import load  # noqa: E402
from designer.training.batches import epoch_order, batch_count  # noqa: E402
from designer.training.config import DataConfig, TrainingConfig  # noqa: E402
from designer.training.data import describe_dataset, load_dataset  # noqa: E402
from designer.training.events import EpochMetrics, Failed, Finished, Note  # noqa: E402
from designer.training.fit import adapt_design  # noqa: E402
from designer.training.loop import train  # noqa: E402
from designer.zoo import find  # noqa: E402


CLOCK = time.perf_counter


def use_cpu_clock() -> None:
    """Time the plain loop and the engine's stopwatch with CPU time rather than wall time."""
    global CLOCK
    import designer.training.control as control

    CLOCK = time.process_time
    control.time = types.SimpleNamespace(perf_counter=time.process_time)


@dataclass
class Case:
    """A model and the data it trains on in the throughput table."""

    name: str
    graph: Graph
    config: TrainingConfig


def _adapted(name: str, data: DataConfig) -> Graph:
    graph = load(find(name))
    info = describe_dataset(data)
    return adapt_design(graph, info).graph if adapt_design(graph, info).changes else graph


def throughput_cases(device: str = "cpu") -> list[Case]:
    lenet_data = DataConfig("digits")
    vgg_data = DataConfig("shapes", {"samples": 1200, "size": 64, "channels": 3})
    base = TrainingConfig(batch_size=64, optimizer="adam", lr=1e-3, device=device, seed=0,
                          precision="fp32")
    return [
        Case("LeNet-5 (digits 32×32)", load(find("lenet5")), base.updated(data=lenet_data)),
        Case("Tiny-VGG (shapes 3×64×64)", _adapted("tiny_vgg", vgg_data), base.updated(data=vgg_data)),
    ]


# --------------------------------------------------------------------------- runners
def run_engine(case: Case, epochs: int, **speed) -> list[float]:
    """Per-epoch samples/s of the engine (after one warm-up epoch), with the plain loop's threads;
    ``speed`` sets precision / compile / channels_last."""
    rates = []
    config = case.config.updated(epochs=epochs + 1, threads=torch.get_num_threads(), **speed)
    for event in train(case.graph, config):
        if isinstance(event, EpochMetrics) and event.epoch > 1:
            rates.append(event.samples_per_second)
        elif isinstance(event, Note) and ("compile" in event.text or event.level == "warning"):
            print(f"  [{case.name}, {speed}] {event.text}", flush=True)
        elif isinstance(event, Failed):
            raise RuntimeError(event.message)
    return rates


#: Engine columns with speed settings (``--variants``).
VARIANTS: dict[str, dict] = {
    "compile": {"compile": "on"}, "reduce-overhead": {"compile": "reduce-overhead"},
    "channels-last": {"channels_last": True}, "bf16": {"precision": "bf16"},
    "compile+channels-last": {"compile": "on", "channels_last": True},
}


def engine_variant(name: str) -> Callable[[Case, int], list[float]]:
    return lambda case, epochs: run_engine(case, epochs, **VARIANTS[name])


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _on_device(case: Case):
    """The hand-written loops' start: the device, the whole training set on it, and the
    compiled model (seeded, in training mode)."""
    cfg = case.config
    device = torch.device("cuda" if cfg.device == "cuda" else "cpu")
    bundle = load_dataset(cfg.data, tuple(_input_shape(case.graph)), cfg.seed)
    x, y = bundle.finish(bundle.train_x).to(device), bundle.train_y.to(device)
    torch.manual_seed(cfg.seed)
    model = compile_design(case.graph).to(device)
    model.train()
    return device, x, y, model


def run_plain(case: Case, epochs: int) -> list[float]:
    """The same training written by hand: no metrics, no events, nothing but the steps."""
    cfg = case.config
    device, x, y, model = _on_device(case)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    bs, n = cfg.batch_size, len(y)
    batches = batch_count(n, bs)
    rates = []
    for epoch in range(epochs + 1):
        order = epoch_order(n, cfg.seed, epoch).to(device)
        _sync(device)
        start = CLOCK()
        for b in range(batches):
            idx = order[b * bs:(b + 1) * bs]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
        _sync(device)
        elapsed = CLOCK() - start
        if epoch:
            rates.append(min(n, batches * bs) / elapsed)
    return rates


def run_dataloader(case: Case, epochs: int) -> list[float]:
    """The textbook loop: a shuffling DataLoader over CPU tensors, each batch copied to the
    device (pinned and non-blocking on CUDA), as most tutorials write it."""
    cfg = case.config
    device = torch.device("cuda" if cfg.device == "cuda" else "cpu")
    bundle = load_dataset(cfg.data, tuple(_input_shape(case.graph)), cfg.seed)
    data = torch.utils.data.TensorDataset(bundle.finish(bundle.train_x), bundle.train_y)
    loader = torch.utils.data.DataLoader(data, batch_size=cfg.batch_size, shuffle=True, drop_last=False,
                                         pin_memory=device.type == "cuda",
                                         generator=torch.Generator().manual_seed(cfg.seed))
    torch.manual_seed(cfg.seed)
    model = compile_design(case.graph).to(device)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    rates = []
    for epoch in range(epochs + 1):
        _sync(device)
        start, seen = CLOCK(), 0
        for xb, yb in loader:
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            seen += len(yb)
        _sync(device)
        if epoch:
            rates.append(seen / (CLOCK() - start))
    return rates


def run_expert(case: Case, epochs: int) -> list[float]:
    """The best a short hand-written script gets: the whole set on the device, shuffled
    there, the same batch size, a fused (CUDA) or multi-tensor (CPU) Adam, no host work per
    step beyond launching it."""
    cfg = case.config
    device, x, y, model = _on_device(case)
    fast = {"fused": True} if device.type == "cuda" else {"foreach": True}
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, **fast)
    loss_fn = torch.nn.CrossEntropyLoss()
    bs, n = cfg.batch_size, len(y)
    batches = batch_count(n, bs)
    gen = torch.Generator(device=device).manual_seed(cfg.seed)
    rates = []
    for epoch in range(epochs + 1):
        order = torch.randperm(n, device=device, generator=gen)
        _sync(device)
        start = CLOCK()
        for b in range(batches):
            idx = order[b * bs:(b + 1) * bs]
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x[idx]), y[idx]).backward()
            optimizer.step()
        _sync(device)
        if epoch:
            rates.append(min(n, batches * bs) / (CLOCK() - start))
    return rates


def _input_shape(graph: Graph):
    from designer.analysis import analyze

    return analyze(graph).input_shape


def run_gui_worker(case: Case, epochs: int) -> list[float]:
    """The engine through the window's TrainingWorker (a background thread at cores - 1 torch
    threads, events batched to a running Qt event loop); see bench/gui_training.py."""
    from gui_training import worker_rates

    return worker_rates(case.graph, case.config, epochs)


RUNNERS: dict[str, Callable[[Case, int], list[float]]] = {
    "DataLoader loop": run_dataloader, "plain loop": run_plain, "expert loop": run_expert,
    "engine": run_engine, "GUI worker": run_gui_worker}


def throughput(rounds: int, epochs: int, device: str = "cpu", columns=None, variants=(),
               on_row: Callable[[list[dict]], None] | None = None) -> list[dict]:
    """The table's rows; ``on_row(rows so far)`` after each model (a run cut short keeps them)."""
    rows = []
    runners = {name: RUNNERS[name] for name in (columns or RUNNERS)}
    runners |= {f"engine+{v}": engine_variant(v) for v in variants}
    for case in throughput_cases(device):
        rates: dict[str, list[float]] = {name: [] for name in runners}
        for _ in range(rounds):
            for name, runner in runners.items():
                try:
                    rates[name] += runner(case, epochs)
                except Exception as exc:  # one column failing must not lose the others
                    print(f"  [{case.name}] {name} failed: {type(exc).__name__}: {exc}", flush=True)
                    rates[name].append(float("nan"))
        row = {"model": case.name, **{k: statistics.median(v) for k, v in rates.items()}}
        for other, label in (("plain loop", "plain"), ("expert loop", "expert"),
                             ("DataLoader loop", "DataLoader")):
            if "engine" in row and other in row:
                row[f"engine / {label}"] = row["engine"] / row[other]
        for v in variants:
            if "engine" in row:
                row[f"+{v} / engine"] = row[f"engine+{v}"] / row["engine"]
        rows.append(row)
        print_table(rows[-1:], header=len(rows) == 1)
        if on_row is not None:
            on_row(rows)
    return rows


def print_table(rows: list[dict], header: bool = True) -> None:
    columns = list(rows[0])
    widths = [max(28 if c == "model" else 14, len(c)) for c in columns]
    if header:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(columns, widths))))
    for row in rows:
        cells = []
        for i, (c, w) in enumerate(zip(columns, widths)):
            value = row[c]
            text = value if isinstance(value, str) else (f"{value:.3f}" if value < 10 else f"{value:,.0f}")
            cells.append(text.ljust(w) if i == 0 else text.rjust(w))
        print("  ".join(cells), flush=True)


def write_markdown(rows: list[dict], path: str, caption: str, header: bool = True) -> None:
    """Rows of the table as markdown (samples/s; ratios with two decimals), appended to
    ``path``; ``header`` starts the table with the caption and the column names."""
    columns = list(rows[0])
    lines = [f"\n{caption}\n", "| " + " | ".join(columns) + " |",
             "|---|" + "---:|" * (len(columns) - 1)] if header else []
    for row in rows:
        cells = [row["model"]] + [f"{row[c]:.2f}" if row[c] < 10 else f"{row[c]:,.0f}"
                                  for c in columns[1:]]
        lines.append("| " + " | ".join(cells) + " |")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- quality bars
def quality() -> None:
    """LeNet-5 on digits at 32×32 and the digits MLP: best val accuracy within 20 epochs."""
    runs = [("LeNet-5, digits 32×32", load(find("lenet5")), 0.97),
            ("digits MLP, digits 8×8", load(find("digits_mlp")), 0.95)]
    cfg = TrainingConfig(DataConfig("digits"), epochs=20, batch_size=32, lr=2e-3, device="cpu",
                         seed=0)
    for label, graph, bar in runs:
        start = time.perf_counter()
        events = list(train(graph, cfg))
        wall = time.perf_counter() - start
        end = events[-1]
        if not isinstance(end, Finished):
            print(f"{label}: failed: {end.message}")
            continue
        epochs = [e for e in events if isinstance(e, EpochMetrics)]
        reached = next((e.epoch for e in epochs if e.val_accuracy >= bar), None)
        best = max(e.val_accuracy for e in epochs)
        print(f"{label}: best val accuracy {best:.2%} (bar {bar:.0%}, first reached at epoch "
              f"{reached}), final {epochs[-1].val_accuracy:.2%}, {wall:.1f} s wall for 20 epochs "
              f"({end.train_time_s:.1f} s training)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--throughput", action="store_true", help="only the throughput table")
    parser.add_argument("--quality", action="store_true", help="only the accuracy runs")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per model")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per round")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--columns", help=f"comma-separated runners (default: all of {', '.join(RUNNERS)})")
    parser.add_argument("--variants", default="", help=f"comma-separated engine speed settings to "
                        f"add as columns: {', '.join(VARIANTS)}")
    parser.add_argument("--markdown", help="also write the table as markdown to this file")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="time with the wall clock or the process's CPU time")
    args = parser.parse_args()
    if args.clock == "cpu":
        use_cpu_clock()
    if args.threads:
        torch.set_num_threads(args.threads)
    where = torch.cuda.get_device_name() if args.device == "cuda" else "CPU"
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {where}, "
          f"{args.clock} clock", flush=True)
    if not args.quality:
        columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
        variants = [v.strip() for v in args.variants.split(",") if v.strip()]
        for name in (columns or []) + variants:
            if name not in RUNNERS and name not in VARIANTS:
                parser.error(f"unknown column or variant {name!r}")
        caption = (f"{where}, torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
                   f"{args.clock} clock, {args.rounds} round(s) × {args.epochs} timed epoch(s)")
        on_row = (lambda rows: write_markdown(rows[-1:], args.markdown, caption, len(rows) == 1)) \
            if args.markdown else None
        throughput(args.rounds, args.epochs, args.device, columns, variants, on_row)
    if not args.throughput:
        quality()


if __name__ == "__main__":
    main()
