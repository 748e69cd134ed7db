"""Occlusion sensitivity (Zeiler & Fergus 2014): slide a grey patch over the image and
record the probability of the class at each position of the patch.

Written by hand rather than with captum.attr.Occlusion: Captum's answer is a per-pixel
attribution (the output change averaged over the patches covering each pixel), while the
figure of the paper, and of this view, is the class probability per patch position; and the
work has to come in chunks of positions, for progress, pacing between training steps, and
cancelling. The per-pixel drop is derived as well, for the overlay.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..probes.events import ProbeError
from ..probes.model import Chunker
from .subject import Subject, probabilities

GREY = 0.5  # the patch colour in pixel space; 0 (the data mean) in model space


def starts(size: int, patch: int, stride: int) -> list[int]:
    """Patch positions along one axis: every ``stride`` from 0, plus one flush with the far
    edge if the stride skips it, so that every pixel is covered at least once."""
    if patch > size:
        return [0]
    found = list(range(0, size - patch + 1, stride))
    if found[-1] != size - patch:
        found.append(size - patch)
    return found


def check(subject: Subject, patch: int, stride: int) -> None:
    if not subject.is_image:
        raise ProbeError("occlusion slides a patch over an image; this network takes a vector of "
                         f"{subject.x.shape[-1]} values: use the attribution maps instead")
    if patch < 1 or stride < 1:
        raise ProbeError(f"patch size and stride must be at least 1 pixel (got patch {patch}, "
                         f"stride {stride})")


def occlusion(subject: Subject, target: int, patch: int, stride: int, chunker: Chunker | None = None) -> Iterator:
    """Yields (positions done, positions in all) after each chunk; returns (``yield from``)
    {"probability": [rows, cols] of the target's probability with the patch at each position,
    "rows"/"cols": the patch's top/left pixel per position, "base": the probability without a
    patch, "drop": [H, W] mean fall in probability over the patches covering each pixel}."""
    import torch

    check(subject, patch, stride)
    x = subject.x
    height, width = x.shape[-2:]
    patch = min(patch, max(height, width))
    rows, cols = starts(height, min(patch, height), stride), starts(width, min(patch, width), stride)
    spots = [(r, c) for r in rows for c in cols]
    fill = GREY if subject.pixels else 0.0
    base = float(probabilities(subject.net, x)[0, target])
    probs = np.empty(len(spots), np.float64)
    chunker = chunker or Chunker(most=16)
    done = 0
    while done < len(spots):
        part = spots[done:done + chunker.size()]
        batch = x.repeat(len(part), *([1] * (x.dim() - 1)))
        for i, (r, c) in enumerate(part):
            batch[i, :, r:r + patch, c:c + patch] = fill
        with chunker.timed(len(part)), torch.no_grad():
            probs[done:done + len(part)] = probabilities(subject.net, batch)[:, target]
        done += len(part)
        yield done, len(spots)
    grid = probs.reshape(len(rows), len(cols))
    return {"probability": grid.astype(np.float32), "rows": np.array(rows), "cols": np.array(cols),
            "base": base, "drop": _pixel_drop(base - grid, rows, cols, patch, (height, width))}


def _pixel_drop(drop: np.ndarray, rows: list[int], cols: list[int], patch: int, size) -> np.ndarray:
    """Per pixel: the mean probability drop over the patch positions that cover it."""
    total = np.zeros(size, np.float64)
    count = np.zeros(size, np.float64)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            total[r:r + patch, c:c + patch] += drop[i, j]
            count[r:r + patch, c:c + patch] += 1
    return (total / np.maximum(count, 1)).astype(np.float32)
