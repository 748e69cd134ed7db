"""What the training worker's thread runs: a training run and the LR range test.

Every function here runs on a worker thread and imports torch inside itself, so the GUI
thread neither loads torch nor computes with it. The design arrives serialized (a plain
dict frozen when the run started) and is rebuilt here: the window's Graph never crosses.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Iterator

#: How often the loop reports step metrics; the worker batches them to the GUI at ~30 Hz.
REPORT_INTERVAL_S = 0.025


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def limit_threads() -> int:
    """Leave one core to the GUI: torch uses ``cores - 1`` threads (at least one).

    Called on each worker thread before it computes (OpenMP's thread count is per thread).
    """
    import torch

    threads = max(1, cores() - 1)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def training_events(design: dict, config: dict | None, control, *, checkpoint_dir=None,
                    resume_from=None, continue_from=None, probes: Iterable = (),
                    report_interval_s: float = REPORT_INTERVAL_S) -> Iterator[Any]:
    """The engine's events for training ``design`` with ``config`` (None: the design's own
    settings, or the checkpoint's when resuming)."""
    from ...core.serialize import DesignFileError, from_dict
    from ...training.config import ConfigError, TrainingConfig
    from ...training.events import Failed
    from ...training.loop import train

    limit_threads()
    try:
        graph = from_dict(design)
        settings = TrainingConfig.from_dict(config) if config is not None else None
    except DesignFileError as exc:
        yield Failed(f"the design cannot be read: {exc}", "design")
        return
    except ConfigError as exc:
        yield Failed(f"the training settings are invalid: {exc}", "config")
        return
    yield from train(graph, settings, control, checkpoint_dir=checkpoint_dir,
                     resume_from=resume_from, continue_from=continue_from, probes=list(probes),
                     report_interval_s=report_interval_s)


def lr_test(design: dict, config: dict, control, steps: int = 100, start_lr: float = 1e-7,
            end_lr: float = 10.0):
    """The learning-rate range test (an LRRangeResult); ValueError with a plain message when
    the design or data cannot run it."""
    from ...core.serialize import from_dict
    from ...training.config import TrainingConfig
    from ...training.lr_finder import lr_range_test

    limit_threads()
    return lr_range_test(from_dict(design), TrainingConfig.from_dict(config), start_lr=start_lr,
                         end_lr=end_lr, steps=steps, control=control)
