"""Data augmentation: an ordered, editable list of steps built on torchvision.transforms.v2.

A pipeline is a list of ``AugmentStep(name, params)`` that round-trips to
``[{"name": ..., "params": {...}}]`` (saved with the training config). Each name is one
entry of AUGMENTATIONS: its parameters (default, range, meaning) and how to build the v2
transform. Steps run per sample, on training images only, on floats in [0, 1] before
normalisation. ``augment_preview`` draws the same samples under several random draws.
The catalog imports no torch (a config can be checked without it); torchvision's v2 is passed
to the builders when a pipeline is built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np


class AugmentError(ValueError):
    """An unknown augmentation or a parameter out of range; the message says which."""


@dataclass(frozen=True)
class AugParam:
    """One setting of an augmentation. ``kind`` is "float", "int" or "range" (a (lo, hi) pair)."""

    name: str
    default: Any
    minimum: float
    maximum: float
    doc: str = ""
    kind: str = "float"

    def coerce(self, value: Any, where: str) -> Any:
        if self.kind == "range":
            if not isinstance(value, (list, tuple)) or len(value) != 2:
                raise AugmentError(f"{where}: {self.name} is a pair [low, high], got {value!r}")
            lo, hi = (self._one(v, where) for v in value)
            if lo > hi:
                raise AugmentError(f"{where}: {self.name} low {lo} is above high {hi}")
            return (lo, hi)
        return self._one(value, where)

    def _one(self, value: Any, where: str) -> float | int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise AugmentError(f"{where}: {self.name} must be a number, got {value!r}")
        if not self.minimum <= value <= self.maximum:
            raise AugmentError(f"{where}: {self.name} must be between {self.minimum} and "
                               f"{self.maximum}, got {value}")
        if self.kind == "int":
            if int(value) != value:
                raise AugmentError(f"{where}: {self.name} must be a whole number, got {value}")
            return int(value)
        return float(value)


@dataclass(frozen=True)
class Augmentation:
    """A catalog entry: label, what it does, its parameters and the v2 transform builder."""

    name: str
    label: str
    doc: str
    params: tuple[AugParam, ...]
    build: Callable[[dict, tuple[int, ...], Any], Any]

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.params}


def _odd_kernel(size: int) -> int:
    return size if size % 2 else size + 1


def _jitter(p: dict, shape: tuple[int, ...], v2) -> Any:
    colour = shape[0] == 3  # saturation and hue mean nothing on one channel
    return v2.ColorJitter(brightness=p["brightness"] or None, contrast=p["contrast"] or None,
                          saturation=(p["saturation"] or None) if colour else None,
                          hue=(p["hue"] or None) if colour else None)


_P = AugParam
AUGMENTATIONS: dict[str, Augmentation] = {a.name: a for a in (
    Augmentation("hflip", "Horizontal flip", "mirror left-right with probability p",
                 (_P("p", 0.5, 0, 1, "probability"),),
                 lambda p, s, v2: v2.RandomHorizontalFlip(p["p"])),
    Augmentation("vflip", "Vertical flip", "mirror top-bottom with probability p",
                 (_P("p", 0.5, 0, 1, "probability"),),
                 lambda p, s, v2: v2.RandomVerticalFlip(p["p"])),
    Augmentation("rotation", "Rotation", "rotate by a random angle in ±degrees",
                 (_P("degrees", 15.0, 0, 180, "largest angle"),),
                 lambda p, s, v2: v2.RandomRotation(p["degrees"])),
    Augmentation("resized_crop", "Random resized crop",
                 "crop a random part (a fraction 'scale' of the area) and resize it back",
                 (_P("scale", (0.8, 1.0), 0.05, 1, "fraction of the area kept", "range"),
                  _P("ratio", (0.75, 1.3333), 0.2, 5, "aspect ratio range", "range")),
                 lambda p, s, v2: v2.RandomResizedCrop(tuple(s[-2:]), scale=p["scale"], ratio=p["ratio"])),
    Augmentation("scale", "Scale", "zoom in or out by a random factor, keeping the size",
                 (_P("scale", (0.9, 1.1), 0.1, 4, "zoom factor range", "range"),),
                 lambda p, s, v2: v2.RandomAffine(degrees=0, scale=p["scale"])),
    Augmentation("translate", "Translation", "shift by up to a fraction of the width/height",
                 (_P("fraction", 0.1, 0, 1, "largest shift, as a fraction of the size"),),
                 lambda p, s, v2: v2.RandomAffine(degrees=0, translate=(p["fraction"], p["fraction"]))),
    Augmentation("color_jitter", "Colour jitter", "random brightness, contrast, saturation, hue",
                 (_P("brightness", 0.2, 0, 1), _P("contrast", 0.2, 0, 1),
                  _P("saturation", 0.2, 0, 1), _P("hue", 0.0, 0, 0.5)),
                 _jitter),
    Augmentation("grayscale", "Grayscale", "drop the colour with probability p",
                 (_P("p", 0.1, 0, 1, "probability"),),
                 lambda p, s, v2: v2.RandomGrayscale(p["p"])),
    Augmentation("noise", "Gaussian noise", "add noise of standard deviation sigma, then clip",
                 (_P("sigma", 0.05, 0, 1, "noise standard deviation (images are 0..1)"),),
                 lambda p, s, v2: v2.GaussianNoise(sigma=p["sigma"], clip=True)),
    Augmentation("blur", "Blur", "Gaussian blur with a random sigma",
                 (_P("kernel_size", 3, 1, 31, "kernel size (odd)", "int"),
                  _P("sigma", (0.1, 1.0), 0.01, 10, "sigma range", "range")),
                 lambda p, s, v2: v2.GaussianBlur(_odd_kernel(p["kernel_size"]), p["sigma"])),
    Augmentation("erasing", "Random erasing", "blank a random rectangle with probability p",
                 (_P("p", 0.5, 0, 1, "probability"),
                  _P("scale", (0.02, 0.2), 0.001, 1, "fraction of the area erased", "range")),
                 lambda p, s, v2: v2.RandomErasing(p["p"], scale=p["scale"])),
)}


@dataclass(frozen=True)
class AugmentStep:
    """One step of a pipeline; ``params`` missing a setting take the catalog default."""

    name: str
    params: dict = field(default_factory=dict)

    def resolved(self) -> dict:
        """The full, checked parameters (defaults filled in); AugmentError if invalid."""
        entry = AUGMENTATIONS.get(self.name)
        if entry is None:
            raise AugmentError(f"unknown augmentation {self.name!r}; choose one of "
                               f"{', '.join(AUGMENTATIONS)}")
        known = {p.name: p for p in entry.params}
        unknown = sorted(set(self.params) - set(known))
        if unknown:
            raise AugmentError(f"{self.name}: unknown setting {unknown[0]!r} (settings: "
                               f"{', '.join(known) or 'none'})")
        values = entry.defaults() | dict(self.params)
        return {k: known[k].coerce(v, self.name) for k, v in values.items()}

    def to_dict(self) -> dict:
        return {"name": self.name, "params": {k: list(v) if isinstance(v, tuple) else v
                                               for k, v in self.params.items()}}

    @classmethod
    def from_dict(cls, data: Any) -> "AugmentStep":
        if isinstance(data, str):
            return cls(data)
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise AugmentError(f"an augmentation step is {{'name': ..., 'params': {{...}}}}, got {data!r}")
        params = data.get("params", {})
        if not isinstance(params, dict) or set(data) - {"name", "params"}:
            raise AugmentError(f"augmentation {data['name']!r}: expected only 'name' and 'params'")
        step = cls(data["name"], dict(params))
        step.resolved()
        return step


def parse_steps(items: Sequence[Any]) -> list[AugmentStep]:
    """Steps from dicts, names, or "name:key=value,key=lo/hi" command-line strings."""
    steps = []
    for item in items:
        step = _parse_text(item) if isinstance(item, str) else AugmentStep.from_dict(item)
        step.resolved()
        steps.append(step)
    return steps


def _parse_text(text: str) -> AugmentStep:
    name, _, rest = text.partition(":")
    params: dict[str, Any] = {}
    for part in filter(None, rest.split(",")):
        key, eq, value = part.partition("=")
        if not eq:
            raise AugmentError(f"augmentation {text!r}: write settings as key=value, e.g. "
                               f"rotation:degrees=10 or resized_crop:scale=0.7/1")
        try:
            nums = [float(v) for v in value.split("/")]
        except ValueError:
            raise AugmentError(f"augmentation {text!r}: {key} must be a number, got {value!r}") from None
        params[key.strip()] = nums[0] if len(nums) == 1 else nums
    return AugmentStep(name.strip(), params)


def build_pipeline(steps: Sequence[AugmentStep], image_shape: Sequence[int]):
    """The v2 transform for images of ``image_shape`` [C, H, W]; None for an empty pipeline."""
    from torchvision.transforms import v2

    if not steps:
        return None
    shape = tuple(image_shape)
    if len(shape) != 3:
        raise AugmentError(f"augmentations apply to images [C, H, W]; these samples are "
                           f"{list(shape)}: remove the augmentation steps")
    return v2.Compose([AUGMENTATIONS[s.name].build(s.resolved(), shape, v2) for s in steps])


def augment_batch(pipeline: Callable, images):
    """Each image of the batch (a tensor [N, C, H, W]) under its own random draw."""
    import torch

    return torch.stack([pipeline(img) for img in images])


def augment_preview(images, steps: Sequence[AugmentStep], draws: int = 5, seed: int = 0,
                    pad: int = 2) -> np.ndarray:
    """A grid (H, W, 3) uint8: one row per sample, the original then ``draws`` augmentations.

    ``images`` is [N, C, H, W] in [0, 1] (numpy or tensor). The global random state is left
    as it was, so a preview never changes a run.
    """
    import torch

    x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    if x.ndim != 4:
        raise AugmentError(f"preview images must be [N, C, H, W], got shape {list(x.shape)}")
    pipeline = build_pipeline(list(steps), x.shape[1:])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        columns = [x] + [augment_batch(pipeline, x) if pipeline else x.clone() for _ in range(draws)]
    return _grid(columns, pad)


def _grid(columns: list, pad: int) -> np.ndarray:
    import torch

    n, c, h, w = columns[0].shape
    grid = np.full((n * (h + pad) + pad, len(columns) * (w + pad) + pad, 3), 255, np.uint8)
    for j, col in enumerate(columns):
        tiles = (col.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
        if c != 3:
            tiles = np.repeat(tiles[:, :1], 3, axis=1)
        for i in range(n):
            top, left = pad + i * (h + pad), pad + j * (w + pad)
            grid[top:top + h, left:left + w] = tiles[i].transpose(1, 2, 0)
    return grid
