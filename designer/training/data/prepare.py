"""From a DataConfig to a DataBundle: load, split, fit to the design's Input, normalise.

Images become floats in [0, 1] at the Input's size and channels (converted in chunks so that
uint8 sources never exist twice as floats), optionally with one fixed pixel permutation.
Normalisation statistics (per channel for images, per feature for vectors) come from the
training split only. The bundle keeps training images unnormalised so that augmentation can
run on [0, 1] images before ``finish`` normalises (and flattens) a batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F

from . import catalog
from .base import CLASSIFICATION, IMAGE, DatasetError, DatasetInfo, RawData
from .plan import InputPlan, plan_input

CHUNK = 4096
_LUMA = (0.299, 0.587, 0.114)


@dataclass
class DataBundle:
    """Training and validation tensors ready for a design, with what was done to them.

    ``train_x``/``val_x`` are [N, *sample_shape] floats ([0, 1] for images), not normalised;
    ``finish(x)`` normalises a batch and flattens it when the design takes vectors.
    """

    info: DatasetInfo
    input_shape: tuple[int, ...]
    sample_shape: tuple[int, ...]
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    mean: torch.Tensor
    std: torch.Tensor
    flatten: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def classes(self) -> tuple[str, ...]:
        return self.info.classes

    @property
    def task(self) -> str:
        return self.info.task

    @property
    def is_image(self) -> bool:
        return len(self.sample_shape) == 3

    def finish(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise a batch (any device) and flatten it if the design takes vectors."""
        return self.finisher(x.device)(x)

    def finisher(self, device) -> Callable[[torch.Tensor], torch.Tensor]:
        """``finish`` with the statistics already on ``device`` (no copy per batch)."""
        mean, std, flatten = self.mean.to(device), self.std.to(device), self.flatten

        def finish(x: torch.Tensor) -> torch.Tensor:
            x = (x - mean) / std
            return x.flatten(1) if flatten else x

        return finish

    def normalisation(self) -> dict:
        """Mean and std as plain lists (saved with checkpoints, for inference later)."""
        return {"mean": self.mean.flatten().tolist(), "std": self.std.flatten().tolist()}


# --------------------------------------------------------------------------- tensor helpers
def resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize of float images [N, C, H, W] (anti-aliased when shrinking)."""
    shrink = size[0] < x.shape[-2] or size[1] < x.shape[-1]
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=shrink)


def convert_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    if x.shape[1] == channels:
        return x
    if x.shape[1] == 1:
        return x.expand(-1, channels, -1, -1).contiguous()
    weights = torch.tensor(_LUMA, dtype=x.dtype).view(1, 3, 1, 1)
    return (x * weights).sum(1, keepdim=True)


def to_unit_float(x: torch.Tensor) -> torch.Tensor:
    return x.float().div_(255.0) if x.dtype == torch.uint8 else x.float()


def fit_images(x: torch.Tensor, plan: InputPlan, permutation: torch.Tensor | None = None) -> torch.Tensor:
    """Images [N, C, H, W] (uint8 or float) to floats at the plan's channels and size."""
    if len(x) == 0:
        return torch.empty((0, *plan.image_shape))
    out = torch.empty((len(x), *plan.image_shape), dtype=torch.float32)
    for start in range(0, len(x), CHUNK):
        part = to_unit_float(x[start:start + CHUNK])
        if plan.channels:
            part = convert_channels(part, plan.channels)
        if plan.size:
            part = resize(part, plan.size)
        if permutation is not None:
            part = part.flatten(2)[:, :, permutation].view_as(part)
        out[start:start + CHUNK] = part
    return out.clamp_(0.0, 1.0) if plan.size else out


# --------------------------------------------------------------------------- split
def stratified_split(y: torch.Tensor, fraction: float, seed: int, classify: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """(train indices, validation indices): ``fraction`` of each class held out, seeded."""
    gen = torch.Generator().manual_seed(seed)
    groups = [torch.nonzero(y == c).flatten() for c in y.unique()] if classify else [torch.arange(len(y))]
    train, val = [], []
    for idx in groups:
        idx = idx[torch.randperm(len(idx), generator=gen)]
        n_val = int(round(len(idx) * fraction))
        n_val = min(max(n_val, 1 if len(idx) > 1 else 0), len(idx) - 1) if len(idx) > 1 else 0
        val.append(idx[:n_val])
        train.append(idx[n_val:])
    train_idx, val_idx = torch.cat(train), torch.cat(val)
    return train_idx[torch.randperm(len(train_idx), generator=gen)], val_idx.sort().values


def _subset(x, y, limit: int, seed: int):
    if not limit or limit >= len(y):
        return x, y
    idx = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed + 1))[:limit]
    return x[idx], y[idx]


def _statistics(x: torch.Tensor, is_image: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel (images) or per-feature (vectors) mean and std, accumulated in chunks."""
    if len(x) < 2:
        raise DatasetError("the training split has fewer than 2 samples; use more data or a "
                           "smaller validation fraction")
    dims = (0, 2, 3) if is_image else (0,)
    total = sq = None
    for start in range(0, len(x), CHUNK):
        part = x[start:start + CHUNK].double()
        s, q = part.sum(dim=dims, keepdim=True), (part * part).sum(dim=dims, keepdim=True)
        total, sq = (s, q) if total is None else (total + s, sq + q)
    count = x.numel() / x.shape[1] if is_image else len(x)
    mean = total / count
    std = (sq / count - mean * mean).clamp_min(0).sqrt()
    std = torch.where(std > 1e-6, std, torch.ones_like(std))
    return mean.float()[0], std.float()[0]


# --------------------------------------------------------------------------- entry points
def resolve(data_cfg) -> tuple[catalog.Dataset, dict]:
    dataset = catalog.get(data_cfg.name)
    options = dataset.resolve(data_cfg.options)
    catalog.require_path(dataset, options)
    return dataset, options


def describe_dataset(data_cfg) -> DatasetInfo:
    """Shape, classes and size of a dataset without decoding its samples (DatasetError if not)."""
    dataset, options = resolve(data_cfg)
    return dataset.describe(options)


def load_dataset(data_cfg, target_shape=None, seed: int = 0) -> DataBundle:
    """Load, split and fit a dataset for a design whose Input is ``target_shape`` (None: native)."""
    dataset, options = resolve(data_cfg)
    info = dataset.describe(options)
    plan, problem = plan_input(info.name, info.kind, info.input_shape, target_shape)
    if problem:
        raise DatasetError(problem)
    raw = dataset.load(options, target_shape)
    plan, _ = plan_input(raw.info.name, raw.info.kind, raw.info.input_shape, target_shape)
    return _bundle(raw, plan, data_cfg, options["limit"], seed)


def _bundle(raw: RawData, plan: InputPlan, cfg, limit: int, seed: int) -> DataBundle:
    info, notes = raw.info, list(raw.notes) + list(plan.notes)
    classify = info.task == CLASSIFICATION
    x, y = _subset(raw.x, raw.y, limit, seed)
    if cfg.validation == "test":
        if raw.test_x is None:
            raise DatasetError(f"{info.name} has no test split of its own; validate on a split "
                               f"of the training data instead (validation 'split')")
        train_x, train_y = x, y
        val_x, val_y = _subset(raw.test_x, raw.test_y, limit, seed + 7)
    else:
        train_idx, val_idx = stratified_split(y, cfg.val_fraction, seed, classify)
        train_x, train_y, val_x, val_y = x[train_idx], y[train_idx], x[val_idx], y[val_idx]
    permutation = None
    if cfg.permute_pixels:
        if info.kind != IMAGE:
            notes.append(f"{info.name}: permute_pixels applies to images only; ignored")
        else:
            h, w = plan.image_shape[1:]
            permutation = torch.randperm(h * w, generator=torch.Generator().manual_seed(seed + 12345))
            notes.append(f"{info.name}: pixels shuffled by one fixed random permutation "
                         f"(seed {seed}), the same for every image")
    if info.kind == IMAGE:
        train_x, val_x = fit_images(train_x, plan, permutation), fit_images(val_x, plan, permutation)
    else:
        train_x, val_x = train_x.float(), val_x.float()
    mean, std = _statistics(train_x, info.kind == IMAGE)
    return DataBundle(info, tuple(plan.target), tuple(train_x.shape[1:]), train_x, train_y,
                      val_x, val_y, mean, std, plan.flatten, notes)
