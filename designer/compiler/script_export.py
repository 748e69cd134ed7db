"""Export a compiled design as TorchScript, loadable with ``torch.jit.load`` without Designer."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
import torch.fx as fx

from ..analysis import analyze
from ..core.graph import Graph


def export_torchscript(graph: Graph, path: str | Path, module: fx.GraphModule) -> Path:
    """Script ``module`` (the compiled ``graph``) and save it; traces if scripting fails."""
    module = module.eval()
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit's deprecation notices
        try:
            scripted = torch.jit.script(module)
        except Exception:  # scripting refuses some graphs that tracing handles
            shape = analyze(graph).input_shape
            scripted = torch.jit.trace(module, torch.zeros((2, *shape)))
        scripted.save(str(tmp))
    tmp.replace(path)
    return path
