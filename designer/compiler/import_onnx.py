"""ONNX in: ``designer import model.onnx`` converts the file to torch with onnx2torch (a
maintained converter; optional dependency) and then imports that module like any other,
with the same exactness checks. onnx2torch names modules after the ONNX nodes
("conv1/Conv"); the design's ids drop the operator suffix again ("conv1"), so a design
exported to ONNX comes back with its own ids.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from ..core.graph import Graph
from .import_opaque import recording_constructors
from .importer import ModelImportError


def load_onnx(source: str) -> tuple[nn.Module, str, list[str]]:
    path = Path(source)
    if not path.is_file():
        raise ModelImportError(f"there is no ONNX file {source}")
    try:
        import onnx2torch
    except ImportError:
        raise ModelImportError("importing ONNX needs the onnx2torch package: pip install onnx2torch") from None
    try:
        with recording_constructors():
            model = onnx2torch.convert(str(path))
    except Exception as exc:  # the converter reports unsupported operators in many types
        raise ModelImportError(f"onnx2torch cannot convert {source}: {type(exc).__name__}: "
                               f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    return model, path.stem, [f"converted from ONNX by onnx2torch {getattr(onnx2torch, '__version__', '')}".strip()]


def onnx_input_shape(source: str) -> tuple[int, ...] | None:
    """The per-sample shape of the file's first input, when it is fixed (None otherwise)."""
    try:
        import onnx

        dims = onnx.load(source, load_external_data=False).graph.input[0].type.tensor_type.shape.dim
    except Exception:  # unreadable here: onnx2torch will say why
        return None
    sizes = tuple(d.dim_value for d in dims[1:])
    return sizes if sizes and all(n > 0 for n in sizes) else None


def tidy_ids(result) -> None:
    """"conv1/Conv" -> "conv1" where that id is free (the weights follow through sources)."""
    graph: Graph = result.graph
    for nid in list(graph.nodes):
        base = nid.rsplit("/", 1)[0] if "/" in nid else nid
        if base != nid and base not in graph.nodes and base not in graph.groups:
            _rename(result, nid, base)


def _rename(result, old: str, new: str) -> None:
    from ..core.edits import RenameNode

    RenameNode(old, new).apply(result.graph)
    for table in (result.sources, result.shapes):
        if old in table:
            table[new] = table.pop(old)
