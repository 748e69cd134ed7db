"""Where to train (CUDA, MPS, else CPU) and whether the design fits that device's memory.

The memory check compares the analysis' training-memory estimate (weights, gradients,
optimiser state, saved activations) with the device's free memory: torch.cuda.mem_get_info
on CUDA, available RAM on CPU and MPS (unified memory), and finds the largest batch that fits.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import torch

from ..analysis import Analysis
from ..core.memory_check import available_ram  # noqa: F401 (also this module's API)


class DeviceError(ValueError):
    """A device was asked for that this machine or this torch build does not have."""


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


def pick_device(name: str = "auto") -> torch.device:
    """The device for ``name`` ("auto", "cpu", "cuda", "cuda:1", "mps")."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError("CUDA was asked for, but torch sees no CUDA GPU here (no GPU, no driver, "
                          "or a CPU-only torch build); use device auto or cpu")
    if name == "mps" and not _mps_available():
        raise DeviceError("MPS (Apple GPU) was asked for, but it is not available; use auto or cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DeviceError(f"unknown device {name!r}; use auto, cpu, cuda or mps") from None
    if device.type == "cuda" and device.index is None:  # an explicit index: cuda:0 == cuda:0
        device = torch.device("cuda", torch.cuda.current_device())
    return device


def auto_threads() -> int:
    """The threads torch may use, at most one per core. The window's worker first limits torch
    to cores − 1 (a core stays free for the window, since a parallel region waits for its
    slowest thread); a headless run uses every core (see ``thread_choice``)."""
    return max(1, min(torch.get_num_threads(), os.cpu_count() or 1))


def thread_choice(load: float | None = None) -> tuple[int, str]:
    """(threads, why) for a headless CPU run: every core, less the cores other processes
    keep busy. The 1-minute load average counts this process too (it has been importing
    torch), so one unit of it is ours; on a quiet machine every core is used, under heavy
    load a single thread (which then wins: threads waiting for busy cores are slower)."""
    cores = auto_threads()
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (OSError, AttributeError):  # Windows: no load average
            return cores, f"all {cores} core(s)"
    others = max(0.0, load - 1.0)
    threads = max(1, min(cores, int(cores - others + 0.5)))
    if threads == cores:
        return threads, f"all {cores} core(s), load {load:.1f}"
    return threads, f"{cores} core(s) busy with load {load:.1f}"


@contextmanager
def cpu_threads(device: torch.device, wanted: int = 0) -> Iterator[int]:
    """Run the block with ``wanted`` (0: auto) torch threads on the CPU; restore them after."""
    if device.type != "cpu":
        yield torch.get_num_threads()
        return
    before = torch.get_num_threads()
    torch.set_num_threads(wanted or auto_threads())
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def free_memory(device: torch.device) -> int:
    """Free bytes on ``device`` (0 if unknown)."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    return available_ram()


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


@dataclass(frozen=True)
class MemoryReport:
    """Estimated training memory of a batch vs the device's free memory."""

    device: str
    batch_size: int
    estimate_bytes: int
    free_bytes: int
    largest_batch: int

    @property
    def fits(self) -> bool:
        return self.free_bytes == 0 or self.estimate_bytes <= self.free_bytes

    @property
    def message(self) -> str:
        head = (f"estimated training memory {_gib(self.estimate_bytes)} at batch size "
                f"{self.batch_size}")
        if not self.free_bytes:
            return f"{head}; the free memory of {self.device} is unknown"
        tail = f"{_gib(self.free_bytes)} free on {self.device}; the largest batch that fits is about {self.largest_batch:,}"
        if self.fits:
            return f"{head}, {tail}"
        return f"{head} is more than the {tail}: lower the batch size"


def memory_report(analysis: Analysis, batch_size: int, optimizer: str, device: torch.device) -> MemoryReport:
    """Compare the design's estimated training memory with ``device``'s free memory."""
    free = free_memory(device)
    estimate = analysis.training_memory(batch_size, optimizer).total
    largest = analysis.largest_batch(free, optimizer) if free else 0
    return MemoryReport(str(device), batch_size, estimate, free, int(largest))
