"""Training (torch): datasets, augmentation, the training loop as a generator of events.

The loop, ``train(graph, config)``, yields small immutable events (see ``events``) so that a
GUI worker thread, a test or the command line can drive it alike. ``config``, ``schedules``,
``events`` and ``control`` import no torch, so the public names below load lazily: importing
``designer.training`` for a config or a schedule preview does not wait for torch.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "TrainingConfig": "config", "DataConfig": "config", "ConfigError": "config",
    "OPTIMIZERS": "config",
    "Schedule": "schedules", "schedule_values": "schedules", "lr_at": "schedules",
    "SCHEDULES": "schedules",
    "Control": "control",
    "RunStarted": "events", "StepMetrics": "events", "EpochMetrics": "events",
    "Snapshot": "events", "Note": "events", "Paused": "events", "Resumed": "events",
    "Finished": "events", "Failed": "events",
    "train": "loop",
    "Probe": "probes", "StepContext": "probes",
    "AugmentStep": "augment", "AUGMENTATIONS": "augment", "augment_preview": "augment",
    "build_pipeline": "augment", "parse_steps": "augment", "AugmentError": "augment",
    "DATASETS": "data", "DatasetError": "data", "DatasetInfo": "data", "DataBundle": "data",
    "describe_dataset": "data", "load_dataset": "data",
    "FitReport": "fit", "Adaptation": "fit", "check_fit": "fit", "adapt_design": "fit",
    "MemoryReport": "devices", "memory_report": "devices", "pick_device": "devices",
    "DeviceError": "devices",
    "lr_range_test": "lr_finder", "LRRangeResult": "lr_finder", "LRRangeError": "lr_finder",
    "load_checkpoint": "checkpoint", "CheckpointError": "checkpoint",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'designer.training' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value
