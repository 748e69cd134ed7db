"""The speed settings of an exported training script: autocast precision, torch.compile with
an eager fallback, and the training step that uses them. Copied into the script after
train_runtime.py's body (from the marker line on), so it uses only torch.
"""

import torch

# --- copied into the script from here ---
# --------------------------------------------------------------------------- speed settings
COMPILE_MODES = {"on": "default", "reduce-overhead": "reduce-overhead"}


def autocast_dtype(precision, device, large_enough):
    """The autocast dtype of the steps (None: float32). "auto": 16-bit on CUDA for designs
    large enough to gain from it; "bf16": bfloat16 on the CPU or CUDA; "fp32": none."""
    if precision == "bf16":
        if device.type == "cuda" and not torch.cuda.is_bf16_supported():
            raise SystemExit("this GPU has no bfloat16 arithmetic: use --precision auto or fp32")
        return torch.bfloat16
    if precision == "auto" and device.type == "cuda" and large_enough:
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return None


class Forward:
    """The training steps' forward pass: torch.compile'd (compiled at the first step) until
    compiling fails, then the plain network; ``eager`` is always the plain one."""

    def __init__(self, net, mode, device, log):
        self.eager = self.fn = net
        self.log = log
        if mode == "off":
            return
        if mode == "reduce-overhead" and device.type != "cuda":
            raise SystemExit(f"compile 'reduce-overhead' records CUDA graphs, which need a CUDA "
                             f"GPU, and this run is on {device.type}: use --compile on (or off)")
        try:
            compiled = torch.compile(net, mode=COMPILE_MODES[mode], dynamic=False)
        except Exception as exc:
            self.fall_back(exc)
            return
        self.fn = compiled
        if mode == "reduce-overhead":  # CUDA graphs replay into the same memory: a new step each call
            def graphed(x):
                torch.compiler.cudagraph_mark_step_begin()
                return compiled(x).clone()
            self.fn = graphed

    @property
    def compiled(self):
        return self.fn is not self.eager

    def fall_back(self, exc):
        first = (str(exc).strip().splitlines() or [""])[0][:240]
        self.log(f"warning: torch.compile could not compile this design ({type(exc).__name__}: "
                 f"{first}); training goes on without it")
        self.fn = self.eager


def train_step(forward, x, y, loss, optimizer, scaler, dtype):
    """Forward and backward through ``forward.fn``; if compiling fails, redo it eagerly."""
    def run(fn):
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(x.device.type, dtype=dtype, enabled=dtype is not None):
            out = fn(x)
        value = loss(out, y)
        scaler.scale(value).backward()
        return out, value

    if not forward.compiled:
        return run(forward.eager)
    try:
        return run(forward.fn)
    except Exception as exc:
        if "out of memory" in str(exc).lower():
            raise
        forward.fall_back(exc)
        return run(forward.eager)
