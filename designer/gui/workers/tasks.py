"""Small jobs for the TaskRunner's thread: the dataset catalog and devices, a dataset-vs-design
check with its adaptation, the augmentation preview grid, and a device's free memory.

Each runs on the task thread (torch and the dataset catalog are imported there, inside the
functions) and returns a frozen dataclass of plain values, so the GUI thread only reads
answers. Problems the user can fix come back as text in the answer, not as exceptions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .jobs import limit_threads


@dataclass(frozen=True)
class OptionInfo:
    """One dataset option as the form shows it (see designer.training.data.base.Option)."""

    name: str
    default: Any
    kind: str
    minimum: float
    maximum: float
    doc: str = ""
    choices: tuple = ()


@dataclass(frozen=True)
class DatasetEntry:
    name: str
    label: str
    doc: str
    options: tuple[OptionInfo, ...]


@dataclass(frozen=True)
class Environment:
    """The dataset catalog and the devices this machine offers ("cpu", "cuda", "mps")."""

    datasets: tuple[DatasetEntry, ...]
    devices: tuple[str, ...]
    device_names: dict = field(default_factory=dict)
    threads: int = 1


def _option(o) -> OptionInfo:
    default = list(o.default) if isinstance(o.default, tuple) else o.default
    return OptionInfo(o.name, default, o.kind, float(o.minimum), float(o.maximum), o.doc,
                      tuple(o.choices))


def environment() -> Environment:
    """Load torch and the dataset catalog (the first task: later runs start without waiting)."""
    threads = limit_threads()
    import torch

    from ...training.data import DATASETS
    from ...training.data.base import LIMIT

    datasets = tuple(DatasetEntry(d.name, d.label, d.doc, tuple(_option(o) for o in (*d.options, LIMIT)))
                     for d in DATASETS.values())
    devices, names = ["cpu"], {"cpu": "CPU"}
    if torch.cuda.is_available():
        devices.append("cuda")
        names["cuda"] = torch.cuda.get_device_name()
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
        names["mps"] = "Apple GPU"
    return Environment(datasets, tuple(devices), names, threads)


# --------------------------------------------------------------------------- fit
@dataclass(frozen=True)
class FitCheck:
    """Whether the data fit the design of ``revision``; when not, why, and the undoable edit
    (``edit``, for that revision of the design) that adapts its Input and last layer."""

    revision: int
    ok: bool
    message: str = ""
    notes: tuple[str, ...] = ()
    can_adapt: bool = False
    adapt_summary: str = ""
    edit: Any = None
    adapted_valid: bool = True
    adapted_issues: tuple[str, ...] = ()
    info: Any = None  # the DatasetInfo (shape, classes, samples)


def fit_check(design: dict, data: dict, revision: int) -> FitCheck:
    """Check the dataset ``data`` (a DataConfig dict) against ``design``; never raises for a
    problem the user can fix."""
    from ...core.serialize import from_dict
    from ...training.config import ConfigError, TrainingConfig
    from ...training.data import DatasetError, describe_dataset
    from ...training.fit import adapt_design, check_fit

    graph = from_dict(design)
    try:
        info = describe_dataset(TrainingConfig.from_dict({"data": data}).data)
    except (DatasetError, ConfigError) as exc:  # in the window's words (its field names)
        return FitCheck(revision, False, getattr(exc, "for_window", str(exc)))
    report = check_fit(graph, info)
    result = FitCheck(revision, report.ok, "; ".join(report.problems), tuple(report.notes),
                      report.can_adapt, report.adapt_summary, info=info)
    if report.ok or not report.can_adapt:
        return result
    adaptation = adapt_design(graph, info)
    return FitCheck(revision, False, result.message, result.notes, True, report.adapt_summary,
                    adaptation.edit, adaptation.valid, tuple(adaptation.issues), info)


# --------------------------------------------------------------------------- preview
@dataclass(frozen=True, eq=False)
class Preview:
    """The augmentation preview: a grid (H, W, 3) uint8, or why there is none."""

    grid: np.ndarray | None
    message: str = ""


_SAMPLES: dict[str, np.ndarray] = {}  # the task thread's cache: data config -> sample images


def sample_images(data: dict, input_shape: tuple[int, ...] | None, count: int = 4) -> np.ndarray:
    """The first training image of each of the first ``count`` classes, [N, C, H, W] in [0, 1],
    at the design's input size (cached: the same samples for every preview)."""
    from ...training.config import TrainingConfig
    from ...training.data import load_dataset

    key = json.dumps([data, list(input_shape or ()), count], sort_keys=True, default=str)
    if key not in _SAMPLES:
        cfg = TrainingConfig.from_dict({"data": data}).data
        target = tuple(input_shape) if input_shape and len(input_shape) == 3 else None
        bundle = load_dataset(cfg, target, 0)
        if not bundle.is_image:
            raise ValueError("augmentation applies to images; this dataset holds vectors")
        labels = bundle.train_y.numpy()
        picks = [int(np.flatnonzero(labels == c)[0]) for c in np.unique(labels)[:count]]
        picks += [i for i in range(len(labels)) if i not in picks][:count - len(picks)]
        _SAMPLES.clear()
        _SAMPLES[key] = bundle.train_x[picks].numpy().copy()
    return _SAMPLES[key]


def preview(data: dict, input_shape, steps: list[dict], seed: int = 0, count: int = 4,
            draws: int = 5) -> Preview:
    """The same few samples, then ``draws`` random draws of the pipeline ``steps``."""
    from ...training.augment import AugmentError, AugmentStep, augment_preview
    from ...training.config import ConfigError
    from ...training.data import DatasetError

    limit_threads()
    try:
        images = sample_images(data, input_shape, count)
        pipeline = [AugmentStep.from_dict(s) for s in steps]
        return Preview(augment_preview(images, pipeline, draws, seed))
    except (AugmentError, DatasetError, ConfigError, ValueError) as exc:
        return Preview(None, str(exc))


# --------------------------------------------------------------------------- memory
@dataclass(frozen=True)
class DeviceMemory:
    """Free memory on the device a run would use ("auto" resolved), or why it is unusable."""

    asked: str
    device: str
    free_bytes: int
    error: str = ""


def device_memory(device: str) -> DeviceMemory:
    from ...training.devices import DeviceError, free_memory, pick_device

    try:
        resolved = pick_device(device)
    except DeviceError as exc:
        return DeviceMemory(device, device, 0, str(exc))
    return DeviceMemory(device, str(resolved), max(0, int(free_memory(resolved))))

