"""Playground, bundled data and lessons: the numbers in the README, measured on this machine.

    python bench/playground.py [shapes] [probe] [lessons]   (default: all three)

shapes   Shapes CNN on the shapes set with its own settings, one torch thread: training
         time and validation accuracy (the ≥ 95 % within 60 s claim); Tiny-VGG for contrast.
probe    A Playground run (spiral, 3×8 ReLUs, 60 epochs) with and without the boundary
         probe, alternated three times: training time (min), maps sent, the probe's share.
lessons  Every bundled lesson: its runs' key metrics, the checks, the wall time.
"""

from __future__ import annotations

import sys
import time

import torch


def shapes() -> None:
    from designer.architectures.classic import tiny_vgg
    from designer.architectures.teaching import shapes_cnn
    from designer.training import train
    from designer.training.config import TrainingConfig
    from designer.training.events import EpochMetrics, Finished

    for name, graph in (("Shapes CNN", shapes_cnn()), ("Tiny-VGG", tiny_vgg(6))):
        config = TrainingConfig.from_dict(shapes_cnn().training).updated(threads=1)
        if name == "Tiny-VGG":
            config = config.updated(lr=0.001, schedule=config.schedule)
        cpu0, accs = time.process_time(), []
        for event in train(graph, config):
            if isinstance(event, EpochMetrics):
                accs.append(event.val_accuracy)
            if isinstance(event, Finished):
                print(f"{name:10} {event.train_time_s:5.1f} s training ({time.process_time() - cpu0:5.1f} s "
                      f"CPU incl. data), val acc per epoch: {' '.join(f'{a:.3f}' for a in accs)}")


def probe() -> None:
    from designer.analysis import analyze
    from designer.playground.presets import PRESETS
    from designer.playground.units import unit_layers
    from designer.training import train
    from designer.training.boundary import BoundaryProbe
    from designer.training.boundary_events import BoundaryMaps
    from designer.training.events import Finished

    graph = PRESETS["spiral-deep"].graph()
    watch = [(u.node_id, u.title) for u in unit_layers(graph, analyze(graph))]
    times: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(3):
        for kind in times:
            probes = [BoundaryProbe(watch)] if kind == "with" else []
            maps = 0
            for event in train(graph, probes=probes):
                maps += isinstance(event, BoundaryMaps)
                if isinstance(event, Finished):
                    times[kind].append(event.train_time_s)
            if probes:
                share = probes[0].spent_s / times[kind][-1]
                print(f"  with probe: {maps} maps, probe time {probes[0].spent_s:.3f} s ({share:.1%})")
    a, b = min(times["without"]), min(times["with"])
    print(f"training time (min of 3): without {a:.2f} s, with {b:.2f} s ({(b - a) / a:+.1%})")


def lessons() -> None:
    from designer.lessons import bundled
    from designer.lessons.cli import table
    from designer.lessons.runner import run_lesson

    for lesson in bundled():
        result = run_lesson(lesson)
        print(f"\n## {lesson.title}: {'effect shown' if result.effect_shown else 'NOT shown'} "
              f"({result.seconds:.1f} s wall, {result.cpu_s:.1f} s CPU)")
        if result.runs:
            print(table(result))
        for check, ok, _ in result.checks:
            print(f"{'✓' if ok else '✗'} {check}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    chosen = sys.argv[1:] or ["shapes", "probe", "lessons"]
    for part in chosen:
        print(f"# {part}")
        {"shapes": shapes, "probe": probe, "lessons": lessons}[part]()
