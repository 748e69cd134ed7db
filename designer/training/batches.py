"""Batches for the loop, by the cheapest route the device and the augmentation allow.

- In-memory tensors without augmentation: normalised once, then sliced by a shuffled index
  (on CUDA the whole set moves to the GPU when it takes under a quarter of the free memory,
  else it is pinned and copied per batch with ``non_blocking``). No DataLoader overhead.
- With augmentation on the CPU: each batch is augmented per sample on the loop's thread
  (worker processes would fight the training for the same cores).
- With augmentation on CUDA, a raw set under a quarter of the free memory lives on the GPU
  for the whole run: batches are indexed, augmented and normalised there (``resident``), so
  no step copies data from the host and no worker process is started.
- With augmentation and worker processes (larger sets on CUDA): one persistent DataLoader
  augments ahead of the GPU, with pinned memory and non-blocking copies. Workers start by
  forkserver (spawn off Linux), never by forking the training thread's multi-threaded process.

The order of an epoch depends only on (seed, epoch), so a resumed run sees the same batches.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Callable, Iterator

import torch

from .augment import augment_batch

GPU_SHARE = 0.25


def epoch_order(n: int, seed: int, epoch: int) -> torch.Tensor:
    """The shuffled sample order of ``epoch``: a function of (seed, epoch) alone."""
    gen = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=gen)


def batch_count(n: int, batch_size: int) -> int:
    """Batches per epoch; a last batch of a single sample is dropped (batch norm needs two)."""
    full, rest = divmod(n, batch_size)
    return full + (1 if rest > 1 or (rest == 1 and full == 0) else 0)


def default_workers(device: torch.device) -> int:
    return min(4, max(0, (os.cpu_count() or 1) - 1)) if device.type == "cuda" else 0


def _prepare(x: torch.Tensor, finish: Callable, chunk: int = 8192) -> torch.Tensor:
    return torch.cat([finish(x[i:i + chunk]) for i in range(0, len(x), chunk)]) if len(x) else finish(x)


def fits_on_device(tensors: tuple[torch.Tensor, ...], device: torch.device) -> bool:
    """Whether ``tensors`` take under GPU_SHARE of the CUDA device's free memory."""
    if device.type != "cuda":
        return False
    free, _ = torch.cuda.mem_get_info(device)
    return sum(t.numel() * t.element_size() for t in tensors) < GPU_SHARE * free


def _place(x: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Move a prepared set to the device when it fits comfortably; else pin it for copies."""
    if device.type == "cpu":
        return x
    if device.type == "cuda":
        return x.to(device) if fits_on_device((x,), device) else x.pin_memory()
    return x.to(device)


class _AugmentedSet(torch.utils.data.Dataset):
    """One augmented image per index, for DataLoader workers."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, pipeline) -> None:
        self.x, self.y, self.pipeline = x, y, pipeline

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int):
        return self.pipeline(self.x[i]), self.y[i]


class DataPathError(Exception):
    """An exception raised while producing a batch (reading, augmenting, copying data)."""


def guarded(batches: Iterator) -> Iterator:
    """Re-raise anything the data path throws as DataPathError, keeping the cause."""
    while True:
        try:
            item = next(batches)
        except StopIteration:
            return
        except Exception as exc:
            raise DataPathError(f"{type(exc).__name__}: {exc}") from exc
        yield item


class _EpochBatches(torch.utils.data.Sampler):
    """The batches of the current epoch, swapped in before each epoch (persistent workers keep
    the same DataLoader, which asks its batch sampler anew every epoch)."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def __iter__(self):
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


def _start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class BatchSource:
    """Yields (inputs, targets) on ``device`` for one epoch at a time.

    ``x`` holds unnormalised samples; ``finisher(device)`` gives the function that normalises
    (and flattens) a batch on that device;
    ``pipeline`` is the augmentation transform (None: none); ``shuffle`` False keeps the order
    (validation); ``drop_last`` leaves out a last partial batch (compiled steps want one shape).
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, device: torch.device,
                 finisher: Callable, pipeline=None, shuffle: bool = True, workers: int = -1,
                 seed: int = 0, resident: bool | None = None, drop_last: bool = False) -> None:
        self.n, self.batch_size, self.device = len(y), batch_size, device
        self.finish = finisher(torch.device("cpu"))
        self.device_finish = finisher(device)
        self.pipeline, self.shuffle, self.seed = pipeline, shuffle, seed
        if resident is None:  # augmented sets that fit live on the GPU (auto workers only)
            resident = pipeline is not None and workers < 0 and fits_on_device((x, y), device)
        #: The raw set lives on the device and is augmented there, batch by batch: no worker
        #: processes, no host-to-device copy per step.
        self.resident = bool(resident and pipeline is not None)
        self.workers = 0 if self.resident else (default_workers(device) if workers < 0 else workers)
        self.non_blocking = device.type == "cuda"
        if pipeline is None:
            self.x, self.y = _place(_prepare(x, self.finish), device), _place(y, device)
        elif self.resident:
            self.x, self.y = x.to(device), y.to(device)
        else:
            self.x, self.y = x, y
        self.batches = batch_count(self.n, batch_size) if shuffle else -(-self.n // batch_size)
        if drop_last and self.n >= batch_size:  # compiled steps: one batch shape only
            self.batches = self.n // batch_size
        self._sampler = _EpochBatches()
        self._loader = None

    def __len__(self) -> int:
        return self.batches

    def _order(self, epoch: int) -> torch.Tensor:
        return epoch_order(self.n, self.seed, epoch) if self.shuffle else torch.arange(self.n)

    def _slices(self, order: torch.Tensor, start: int) -> Iterator[torch.Tensor]:
        bs = self.batch_size
        for b in range(start, self.batches):
            yield order[b * bs:(b + 1) * bs]

    def epoch(self, epoch: int, start: int = 0) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Batches ``start``, ``start + 1``, ... of ``epoch``."""
        order = self._order(epoch)
        if self.pipeline is None:
            return self._plain(order, start)
        if self.workers > 0:
            return self._from_workers(order, start)
        return self._augmented(order, start)

    def close(self) -> None:
        """Shut the worker processes down (they also go when the source is collected)."""
        self._loader = None

    def _to_device(self, x: torch.Tensor, y: torch.Tensor):
        if x.device.type != "cpu":  # the set already lives on the device
            return x, y.to(x.device)
        if self.non_blocking and not x.is_pinned():
            x, y = x.pin_memory(), y.pin_memory()
        return x.to(self.device, non_blocking=self.non_blocking), y.to(self.device, non_blocking=self.non_blocking)

    def _plain(self, order, start):
        if self.x.device.type != "cpu":
            order = order.to(self.x.device)
        if not self.shuffle:  # contiguous slices are views: no copy at all
            bs = self.batch_size
            for b in range(start, self.batches):
                yield self._to_device(self.x[b * bs:(b + 1) * bs], self.y[b * bs:(b + 1) * bs])
            return
        for idx in self._slices(order, start):
            yield self._to_device(self.x[idx], self.y[idx])

    def _augmented(self, order, start):
        if self.resident:  # on the device: index, augment and normalise there
            order = order.to(self.x.device)
            for idx in self._slices(order, start):
                yield self.device_finish(augment_batch(self.pipeline, self.x[idx])), self.y[idx]
            return
        for idx in self._slices(order, start):
            x = self.finish(augment_batch(self.pipeline, self.x[idx]))
            yield self._to_device(x, self.y[idx])

    def _from_workers(self, order, start):
        self._sampler.batches = [idx.tolist() for idx in self._slices(order, start)]
        if self._loader is None:
            pin = self.device.type == "cuda"
            self._loader = torch.utils.data.DataLoader(
                _AugmentedSet(self.x, self.y, self.pipeline), batch_sampler=self._sampler,
                num_workers=self.workers, pin_memory=pin, persistent_workers=True,
                multiprocessing_context=_start_method(),
                generator=torch.Generator().manual_seed(self.seed * 7919))
        for x, y in self._loader:
            x = x.to(self.device, non_blocking=self.non_blocking)
            yield self.device_finish(x), y.to(self.device, non_blocking=self.non_blocking)
