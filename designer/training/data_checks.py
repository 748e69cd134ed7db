"""Data that would train to a meaningless result: refused before the first step.

A classifier trained on one class reaches "100 %" accuracy without learning anything (every
answer is that class). The loop refuses such data with a message naming the class, whether
the folder or table holds one class or the training split happens to (a tiny ``limit``).
"""

from __future__ import annotations

import torch

from .data import DataBundle
from .data.base import CLASSIFICATION
from .data.files import SKIPPED


def note_level(text: str) -> str:
    """"warning" for the data notes the window must show (skipped files), else "info"."""
    return "warning" if SKIPPED in text else "info"


def one_class_problem(bundle: DataBundle) -> str:
    """Why the classification data cannot train a classifier ('' when it can)."""
    if bundle.task != CLASSIFICATION:
        return ""
    name = bundle.info.name
    if len(bundle.classes) < 2:
        only = f" ({bundle.classes[0]!r})" if bundle.classes else ""
        return (f"{name} has only one class{only}; a classifier needs examples of at least two "
                f"classes (an image folder: one sub-folder per class; a CSV: two label values)")
    labels = torch.as_tensor(bundle.train_y)
    if labels.numel() and labels.dtype in (torch.int64, torch.int32):
        present = torch.unique(labels)
        if len(present) < 2:
            only = bundle.classes[int(present[0])] if 0 <= int(present[0]) < len(bundle.classes) else present[0]
            return (f"the training samples of {name} are all of one class ({only!r}); use more "
                    f"samples (the limit option?) so that at least two classes are present")
    return ""
