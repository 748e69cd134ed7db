"""Benchmark: what the probes cost a training run.

    python bench/probes.py [--quick] [--rounds N] [--poll S] [--device cpu|cuda]

For each case the same run (a few seconds of training or more) is trained without probes and
with a ProbeHook whose views are "open": health sampled every 2 s, and every
``--poll`` seconds (if the previous answers came back) a filters request, an all-layers
activation request and a full-validation predictions request, as the docks ask during a
run. Rounds alternate plain/probed and the fastest of each is kept (the machine is shared).

Columns: ms per training step without and with probes, the slowdown, the hook's own
account (probe time / training time, kept under BUDGET_FRACTION = 10 % by its Budget), and
what was served. The acceptance line: the average slowdown stays under 10 %.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

from designer.core.serialize import load
from designer.training import DataConfig, TrainingConfig, train
from designer.training.events import EpochMetrics, Failed, StepMetrics
from designer.training.probes import HealthSample, ProbeHook, ProbeRequest, ProbeResult
from designer.zoo import find


@dataclass(frozen=True)
class Case:
    name: str
    design: str
    data: DataConfig
    batch: int
    epochs: int
    optimizer: str = "adam"
    input_shape: tuple[int, ...] | None = None  # set the design's Input to this first


CASES = (
    Case("lenet5 / digits 1×32×32", "lenet5", DataConfig("digits"), 64, 30),
    Case("tiny_vgg / shapes 3×64×64", "tiny_vgg", DataConfig("shapes", {"channels": 3, "size": 64,
                                                                         "samples": 2000}), 32, 3),
    Case("vgg16 (512 ch) / shapes 3×32×32", "vgg16", DataConfig("shapes", {"channels": 3, "size": 32,
                                                                            "samples": 300}), 8, 1,
         "momentum", (3, 32, 32)),
)


def design_for(case: Case):
    """The case's design, adapted to its data (input shape, class count)."""
    from designer.training import adapt_design, describe_dataset

    graph = load(find(case.design))
    if case.input_shape:
        for node in graph.nodes.values():
            if node.type == "Input":
                node.params["shape"] = list(case.input_shape)
    return adapt_design(graph, describe_dataset(case.data)).graph


@dataclass
class Timing:
    ms_per_step: float
    overhead: float = 0.0
    health: int = 0
    answered: int = 0
    first_conv: str = ""


class Views:
    """Open docks during a run: re-ask every ``poll_s`` once their answers are back."""

    def __init__(self, hook: ProbeHook, first_conv: str, poll_s: float) -> None:
        self.hook, self.first_conv, self.poll_s = hook, first_conv, poll_s
        self.waiting: set[int] = set()
        self.last = -1e9
        self.answered = 0

    def tick(self) -> None:
        if self.waiting or time.perf_counter() - self.last < self.poll_s:
            return
        self.last = time.perf_counter()
        for request in (ProbeRequest("filters", {"node_id": self.first_conv}),
                        ProbeRequest("activations", {"sample": 0, "max_maps": 16}),
                        ProbeRequest("predictions")):
            self.waiting.add(request.request_id)
            self.hook.submit(request)

    def answer(self, result: ProbeResult) -> None:
        if result.request_id in self.waiting:
            self.waiting.discard(result.request_id)
            self.answered += 1


def run_once(case: Case, graph, probed: bool, poll_s: float, device: str) -> Timing:
    """Train the case; ms per step from the loop's own epoch clock (training steps and the
    probes between them; validation and checkpoints are not part of it)."""
    config = TrainingConfig(data=case.data, epochs=case.epochs, batch_size=case.batch,
                            optimizer=case.optimizer, device=device, precision="fp32", seed=0)
    hook = ProbeHook() if probed else None
    first_conv = next(n.id for n in graph.nodes.values() if n.type == "Conv2d")
    views = Views(hook, first_conv, poll_s) if hook else None
    seconds = samples = 0.0
    health = 0
    for event in train(graph, config, probes=[hook] if hook else ()):
        if isinstance(event, StepMetrics) and views:
            views.tick()
        elif isinstance(event, ProbeResult) and views:
            views.answer(event)
        elif isinstance(event, HealthSample):
            health += 1
        elif isinstance(event, EpochMetrics):
            seconds += event.epoch_time_s
            samples += event.samples_per_second * event.epoch_time_s
        elif isinstance(event, Failed):
            raise SystemExit(f"{case.name}: {event.message}")
    timing = Timing(seconds * 1000 * case.batch / samples, first_conv=first_conv)
    if hook:
        timing.overhead, timing.health, timing.answered = hook.budget.overhead, health, views.answered
    return timing


def bench(case: Case, rounds: int, poll_s: float, device: str) -> tuple[Timing, Timing]:
    graph = design_for(case)
    run_once(case, graph, False, poll_s, device)  # warm-up: imports, data, allocator
    plain, probed = [], []
    for _ in range(rounds):
        plain.append(run_once(case, graph, False, poll_s, device))
        probed.append(run_once(case, graph, True, poll_s, device))
    return min(plain, key=lambda t: t.ms_per_step), min(probed, key=lambda t: t.ms_per_step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the VGG-16 case")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between view requests")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}, "
          f"views re-ask every {args.poll:g} s\n")
    header = f"{'case':34} {'plain ms/step':>13} {'probed ms/step':>14} {'slowdown':>9} " \
             f"{'hook overhead':>13} {'health':>6} {'answers':>7}"
    print(header)
    print("-" * len(header))
    slowdowns = []
    for case in CASES[:2] if args.quick else CASES:
        plain, probed = bench(case, args.rounds, args.poll, args.device)
        slow = probed.ms_per_step / plain.ms_per_step - 1
        slowdowns.append(slow)
        print(f"{case.name:34} {plain.ms_per_step:13.1f} {probed.ms_per_step:14.1f} {slow:9.1%} "
              f"{probed.overhead:13.1%} {probed.health:6d} {probed.answered:7d}", flush=True)
    print(f"\nmean slowdown {sum(slowdowns) / len(slowdowns):.1%} (target < 10 %)")


if __name__ == "__main__":
    main()
