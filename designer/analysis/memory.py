"""Training-memory estimate: weights + gradients + optimiser state + saved activations.

An estimate (the allocator, cuDNN workspaces and framework overhead add to it), used to
compare a batch size with a device's free memory and to suggest the largest batch that fits.
"""

from __future__ import annotations

from dataclasses import dataclass

BYTES = 4

#: Below this many MACs per sample, 16-bit autocast costs more than it saves (measured:
#: LeNet-5 and Tiny-VGG train about 20 % slower with bf16 autocast on an H200). Used by the
#: engine's precision "auto" and by exported training scripts.
AMP_MIN_MACS = 100_000_000

#: Extra float32 tensors of the parameters' size that each optimiser keeps.
OPTIMIZER_STATE = {
    "sgd": 0,
    "momentum": 1,
    "nesterov": 1,
    "rmsprop": 1,
    "adagrad": 1,
    "adam": 2,
    "adamw": 2,
}


@dataclass(frozen=True)
class MemoryEstimate:
    weights: int
    gradients: int
    optimizer_state: int
    activations: int
    batch_size: int

    @property
    def total(self) -> int:
        return self.weights + self.gradients + self.optimizer_state + self.activations


def _state_factor(optimizer: str) -> int:
    try:
        return OPTIMIZER_STATE[optimizer.lower()]
    except KeyError:
        raise ValueError(
            f"unknown optimiser {optimizer!r}; expected one of {', '.join(OPTIMIZER_STATE)}"
        ) from None


def estimate_training_memory(
    params: int, activation_bytes: int, input_bytes: int, batch_size: int, optimizer: str
) -> MemoryEstimate:
    weights = params * BYTES
    # Backward keeps every layer output, and needs about as much again for their gradients
    # at its peak; the input batch is held too.
    activations = batch_size * (2 * activation_bytes + input_bytes)
    return MemoryEstimate(weights, weights, weights * _state_factor(optimizer), activations, batch_size)


def largest_batch(
    params: int, activation_bytes: int, input_bytes: int, free_bytes: int, optimizer: str
) -> int:
    fixed = estimate_training_memory(params, activation_bytes, input_bytes, 0, optimizer).total
    per_sample = 2 * activation_bytes + input_bytes
    if free_bytes <= fixed or per_sample <= 0:
        return 0
    return (free_bytes - fixed) // per_sample
