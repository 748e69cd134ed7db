"""The events the training loop yields: small, immutable, Python scalars and numpy arrays only.

They may cross threads (a GUI worker turns them into Qt signals) and be kept in lists by a
test or the command line; they never hold tensors, modules or the Graph.

A run yields RunStarted, then StepMetrics every so often, an EpochMetrics (and a Snapshot)
after each epoch, Notes, Paused/Resumed around a pause, and ends with exactly one Finished
or Failed. Problems found before training (a design error, data that do not fit) end the
run with Failed before RunStarted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Note:
    """Something the user should know (data resized, memory estimate, a warning)."""

    text: str
    level: str = "info"  # "info" or "warning"


@dataclass(frozen=True)
class RunStarted:
    """Training is about to take its first step (or resumes from a checkpoint)."""

    design: str
    dataset: str
    device: str
    epochs: int
    steps_per_epoch: int
    batch_size: int
    train_samples: int
    val_samples: int
    input_shape: tuple[int, ...]
    classes: tuple[str, ...]
    params: int
    start_epoch: int = 0
    start_step: int = 0
    mixed_precision: bool = False


@dataclass(frozen=True)
class StepMetrics:
    """Training metrics averaged over the steps since the previous StepMetrics."""

    epoch: int  # the epoch being trained, counted from 1
    step: int  # global optimiser steps done so far
    batch: int  # batches done in this epoch
    batches: int  # batches per epoch
    loss: float
    accuracy: float  # NaN where accuracy has no meaning (regression)
    lr: float
    samples_per_second: float

    @property
    def progress(self) -> float:
        """Fraction of the current epoch done."""
        return self.batch / self.batches if self.batches else 1.0


@dataclass(frozen=True)
class EpochMetrics:
    """Train and validation metrics of one finished epoch (1-based ``epoch``)."""

    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    lr: float
    samples_per_second: float
    epoch_time_s: float
    best: bool = False

    def to_dict(self) -> dict:
        """Plain JSON-ready values (NaN becomes None)."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in self.__dict__.items()}


@dataclass(frozen=True, eq=False)
class Snapshot:
    """A copy of a layer's weights, e.g. the first convolution's filters, [out, in, kh, kw]."""

    epoch: int
    step: int
    node_id: str
    weights: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class Paused:
    epoch: int
    step: int


@dataclass(frozen=True)
class Resumed:
    epoch: int
    step: int


@dataclass(frozen=True)
class Finished:
    """The run ended normally: ``reason`` is "completed", "stopped" or "early_stopping"."""

    reason: str
    epochs_done: int
    steps_done: int
    best_epoch: int  # 0 when no epoch finished
    best_val_loss: float
    best_val_accuracy: float
    train_time_s: float
    best_checkpoint: str = ""
    last_checkpoint: str = ""
    unsaved_epochs: tuple[int, ...] = ()  # epochs whose checkpoint could not be written


@dataclass(frozen=True)
class Failed:
    """The run could not start or had to stop; ``message`` is one plain paragraph.

    ``kind``: "design", "mismatch", "data", "memory", "nan", "config" or "error".
    ``details`` holds the technical cause (exception text) for a details pane.
    """

    message: str
    kind: str = "error"
    epoch: int = 0
    step: int = 0
    details: str = ""
    last_checkpoint: str = ""


Event = Note | RunStarted | StepMetrics | EpochMetrics | Snapshot | Paused | Resumed | Finished | Failed
