"""Export a compiled design as TorchScript, loadable with ``torch.jit.load`` without Designer."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import torch
import torch.fx as fx

from ..analysis import analyze
from ..core.atomic_write import write_bytes
from ..core.graph import Graph


def export_torchscript(graph: Graph, path: str | Path, module: fx.GraphModule) -> Path:
    """Script ``module`` (the compiled ``graph``) and save it; traces if scripting fails."""
    module = module.eval()
    path = Path(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit's deprecation notices
        try:
            scripted = torch.jit.script(module)
        except Exception:  # scripting refuses some graphs that tracing handles
            shape = analyze(graph).input_shape
            scripted = torch.jit.trace(module, torch.zeros((2, *shape)))
        buffer = io.BytesIO()
        torch.jit.save(scripted, buffer)  # in memory: a c10::Error is an exception, not an abort
    write_bytes(path, buffer.getvalue())
    return path
