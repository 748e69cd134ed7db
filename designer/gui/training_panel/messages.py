"""The panel's sentences that are computed from facts: whether the data fit the design, and
the training-memory estimate against the device's free memory (pure: no Qt, no torch)."""

from __future__ import annotations

import math


def gib(n: float) -> str:
    """Bytes as a short text: 12 MiB, 3.40 GiB."""
    if not math.isfinite(n):
        return "?"
    if n >= 2**30:
        return f"{n / 2**30:.2f} GiB"
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n / 1024:.0f} KiB"


def fit_text(fit) -> str:
    """A FitCheck that failed, in words, with the offer to adapt when there is one."""
    if fit.info is None:  # the dataset itself cannot be described (a missing file, a bad option)
        return f"The dataset cannot be used: {fit.message}"
    text = f"The data do not fit the design: {fit.message}."
    if fit.can_adapt and fit.adapted_valid:
        text += f" Adapt the design ({fit.adapt_summary}) to train it on this data."
    elif fit.can_adapt:
        text += (f" Adapting it ({fit.adapt_summary}) would not help: "
                 f"{'; '.join(fit.adapted_issues[:2])}.")
    return text


def memory_line(config, analysis, memory) -> tuple[str, str]:
    """(text, level) comparing the estimated training memory at ``config``'s batch size with
    the free memory of its device (``memory``: a DeviceMemory, or None while unknown)."""
    if not analysis.valid:
        return "The memory estimate needs a design without errors.", ""
    estimate = analysis.training_memory(config.batch_size, config.optimizer).total
    head = f"Training memory ≈ {gib(estimate)} at batch size {config.batch_size}"
    if memory is None or memory.asked != config.device:
        return head + ".", ""
    if memory.error:
        return memory.error, "error"
    if not memory.free_bytes:
        return f"{head}; the free memory of {memory.device} is unknown.", ""
    largest = analysis.largest_batch(memory.free_bytes, config.optimizer)
    fits = estimate <= memory.free_bytes
    return (f"{head}; {gib(memory.free_bytes)} free on {memory.device}"
            f"{'' if fits else ' — too much: lower the batch size'}; the largest batch that fits "
            f"≈ {largest:,}.", "" if fits else "warning")
