"""Faster training steps where the design and the device allow it: the arithmetic precision,
channels-last memory and torch.compile (with CUDA graphs on a GPU).

- ``precision_plan``: the autocast dtype (and a gradient scaler for fp16) of a run. "auto"
  is 16-bit on CUDA for designs of at least AMP_MIN_MACS per sample, "bf16" is bfloat16
  autocast on the CPU or CUDA whatever the size, "fp32" none.
- ``FastStep``: the forward pass the training steps call. With ``channels_last`` the model's
  4-D weights and each image batch are stored NHWC; with ``compile`` the model is wrapped by
  torch.compile. Nothing is compiled here: torch compiles at the first training step, on the
  loop's thread (the window's training worker, never the GUI thread). If compiling fails
  (no C compiler, an operation dynamo cannot trace...), the loop calls ``fall_back`` and
  trains on eagerly, saying why; validation and probes always run the plain model.

Compiled steps need one batch shape: the run drops the last partial batch of each epoch
(``needs_full_batches``), so nothing recompiles and CUDA graphs can be replayed.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

import torch

from ..analysis.memory import AMP_MIN_MACS
from .config import TrainingConfig
from .events import Note

#: torch.compile's backend. "inductor" generates kernels (C++ on the CPU, Triton on CUDA);
#: the tests use "eager" or "aot_eager", which trace the same way without generating code.
COMPILE_BACKEND = "inductor"

_MODES = {"on": "default", "reduce-overhead": "reduce-overhead"}


class SpeedError(ValueError):
    """A speed setting this device cannot honour; the message says what to choose instead."""


def check(config: TrainingConfig, device: torch.device) -> None:
    """Refuse settings that cannot run on ``device`` (raises SpeedError)."""
    if config.compile == "reduce-overhead" and device.type != "cuda":
        raise SpeedError(f"compile 'reduce-overhead' records CUDA graphs, which need a CUDA GPU, "
                         f"and this run is on {device.type}: choose compile 'on' (torch.compile "
                         f"without CUDA graphs) or 'off'")
    if config.precision == "bf16" and device.type not in ("cpu", "cuda"):
        raise SpeedError(f"bf16 autocast runs on the CPU or a CUDA GPU, and this run is on "
                         f"{device.type}: choose precision auto or fp32")
    if config.precision == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise SpeedError("this GPU has no bfloat16 arithmetic: choose precision auto (float16 "
                         "with loss scaling on big designs) or fp32")


def precision_plan(device: torch.device, config: TrainingConfig, total_macs: int,
                   notes: list[Note]) -> tuple[torch.dtype | None, torch.amp.GradScaler | None]:
    """(autocast dtype, gradient scaler) for the run; (None, None) is plain fp32."""
    if config.precision == "fp32":
        return None, None
    if config.precision == "bf16":
        notes.append(Note(f"bf16 autocast on {device.type}: matrix products and convolutions "
                          f"in bfloat16, the loss and the weights in float32"))
        return torch.bfloat16, None
    if device.type != "cuda":
        return None, None
    if total_macs < AMP_MIN_MACS:
        notes.append(Note(f"mixed precision skipped: at {total_macs / 1e6:.1f} M MACs per "
                          f"sample the design is too small to gain from 16-bit compute"))
        return None, None
    if torch.cuda.is_bf16_supported():
        return torch.bfloat16, None
    return torch.float16, torch.amp.GradScaler("cuda")


def needs_full_batches(config: TrainingConfig) -> bool:
    """Whether every training batch must have the same shape (compiled steps)."""
    return config.compile != "off"


def channels_last_applies(config: TrainingConfig, input_shape, notes: list[Note]) -> bool:
    """channels-last is for images ([C, H, W] samples); anything else is left as it is."""
    if not config.channels_last:
        return False
    if input_shape is None or len(input_shape) != 3:
        notes.append(Note(f"channels-last applies to image inputs ([C, H, W]); this design's "
                          f"input is {list(input_shape or ())}, so it is not used"))
        return False
    return True


class _NoCudaRuntimeLine(logging.Filter):
    """Inductor on a CPU-only machine logs "No CUDA runtime is found, using CUDA_HOME=..." as
    a warning while compiling for the CPU: noise in a run's output, so it is left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "No CUDA runtime is found" not in record.getMessage()


def _quiet_cpu_compile() -> None:
    log = logging.getLogger("torch.utils.cpp_extension")
    if not any(isinstance(f, _NoCudaRuntimeLine) for f in log.filters):
        log.addFilter(_NoCudaRuntimeLine())


def _graph_steps(compiled: Callable) -> Callable:
    """CUDA graphs replay into the same output memory: each call starts a new step, and the
    outputs are copied out, since the loop keeps them (summed every few dozen steps)."""
    def forward(x: torch.Tensor) -> torch.Tensor:
        torch.compiler.cudagraph_mark_step_begin()
        return compiled(x).clone()
    return forward


def is_oom(exc: BaseException) -> bool:
    """Whether ``exc`` says the device ran out of memory."""
    if isinstance(exc, torch.OutOfMemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def _first_line(exc: BaseException, limit: int = 240) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else ""
    line = line if len(line) <= limit else line[:limit - 1] + "…"
    return f"{type(exc).__name__}: {line}" if line else type(exc).__name__


class FastStep:
    """The forward pass of the training steps: ``forward(input(x))``.

    ``compiled`` is True while the torch.compile wrapper is in use; ``first_pending`` until
    its first step has run (the loop reports how long compiling took).
    """

    def __init__(self, model: torch.nn.Module, compile_mode: str = "off",
                 channels_last: bool = False) -> None:
        self.model, self.mode, self.channels_last = model, compile_mode, channels_last
        if channels_last:
            model.to(memory_format=torch.channels_last)
        self.forward = model
        self.compiled = compile_mode != "off"
        self.first_pending = self.compiled
        #: Why torch.compile could not even wrap the model (None: it could, or was not asked).
        self.refused: Note | None = None
        if self.compiled:
            # Static shapes: full batches only, so one graph (and CUDA graph) serves every step.
            mode = {"mode": _MODES[compile_mode]} if COMPILE_BACKEND == "inductor" else {}
            _quiet_cpu_compile()
            try:
                compiled = torch.compile(model, backend=COMPILE_BACKEND, dynamic=False, **mode)
            except Exception as exc:  # e.g. a torch build or Python version without dynamo
                self.fall_back()
                self.refused = self.fallback_note(exc)
            else:
                self.forward = _graph_steps(compiled) if compile_mode == "reduce-overhead" else compiled

    def input(self, x: torch.Tensor) -> torch.Tensor:
        if self.channels_last and x.dim() == 4:
            return x.contiguous(memory_format=torch.channels_last)
        return x

    def train_pass(self, run_pass: Callable, x: torch.Tensor, y: torch.Tensor,
                   reset: Callable[[], None], notes: list[Note]):
        """``run_pass(forward, x, y)`` (forward and backward) through the compiled model, or
        the plain one. If compiling fails, ``reset()`` clears the gradients, the pass is redone
        eagerly (no weight has changed yet: the optimiser steps after this) and the run goes
        on without torch.compile; ``notes`` get why. A fault of the design itself fails the
        eager pass too, and is raised from there."""
        if not self.compiled:
            return run_pass(self.model, x, y)
        start = time.perf_counter()
        try:
            result = run_pass(self.forward, x, y)
        except Exception as exc:
            if is_oom(exc):
                raise
            self.fall_back()
            reset()
            result = run_pass(self.model, x, y)
            notes.append(self.fallback_note(exc))
            return result
        if self.first_pending:
            notes.append(self.compiled_note(time.perf_counter() - start))
        return result

    def compiled_note(self, seconds: float) -> Note:
        """Said after the first compiled step."""
        self.first_pending = False
        graphs = " and CUDA graphs" if self.mode == "reduce-overhead" else ""
        return Note(f"torch.compile{graphs}: the training step compiled in {seconds:.1f} s; the "
                    f"next steps run the compiled code")

    def fall_back(self) -> None:
        """Train on with the plain model (compiling failed)."""
        self.forward, self.compiled, self.first_pending = self.model, False, False

    @staticmethod
    def fallback_note(exc: BaseException) -> Note:
        return Note(f"torch.compile could not compile this design ({_first_line(exc)}); training "
                    f"goes on without it (eager), which gives the same results", "warning")

    def describe(self) -> str:
        parts = []
        if self.compiled:
            parts.append("torch.compile" + (" with CUDA graphs" if self.mode == "reduce-overhead"
                                            else ""))
        if self.channels_last:
            parts.append("channels-last")
        return ", ".join(parts)
