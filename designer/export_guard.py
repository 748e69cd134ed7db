"""Memory checks of ``designer export`` and ``designer figure``, made before any allocation.

The factors are deliberately rough upper bounds of what the operation holds at its peak:
an export keeps the compiled module, a contiguous copy of its tensors and the serialised
bytes (≈ 3 × the weights); a figure runs a few samples through the model and keeps every
layer's output.
"""

from __future__ import annotations

from .core.memory_check import check_fits

WEIGHT_FORMATS = ("onnx", "torchscript", "weights", "safetensors")
EXPORT_COPIES = 3
FIGURE_SAMPLES = {"activations": 2, "filters": 1, "augmentations": 8, "confusion": 256, "health": 64}


def check_export_memory(graph, fmt: str, free: int | None = None) -> None:
    """NotEnoughMemory when exporting ``graph`` as ``fmt`` would not fit in memory."""
    if fmt not in WEIGHT_FORMATS:
        return
    from .analysis import analyze

    analysis = analyze(graph)
    check_fits(analysis.param_bytes * EXPORT_COPIES, f"exporting this design's "
               f"{analysis.total_params:,} weights as {fmt}", free)


def check_figure_memory(graph, kind: str, free: int | None = None) -> None:
    """NotEnoughMemory when computing the ``kind`` figure of ``graph`` would not fit."""
    from .analysis import analyze

    analysis = analyze(graph)
    samples = FIGURE_SAMPLES.get(kind, 16)
    needed = analysis.param_bytes * 2 + analysis.activation_bytes * samples * 2
    check_fits(needed, f"the {kind} figure of this design", free)
