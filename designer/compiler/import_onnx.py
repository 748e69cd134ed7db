"""ONNX in: ``designer import model.onnx`` converts the file to torch with onnx2torch (a
maintained converter; optional dependency) and then imports that module like any other,
with the same exactness checks.

Before conversion the file is read and checked here, so that a file that is not an ONNX
model, or that uses an operator onnx2torch cannot convert, is refused with the operator and
the node named. Constants that torch's exporter shares between layers (an ``Identity`` of
one initializer) are given back to each layer, since onnx2torch reads a layer's weights
from initializers only. After conversion, onnx_fx turns onnx2torch's forms of Dropout,
Hardsigmoid and SiLU back into those torch layers.

onnx2torch names modules after the ONNX nodes ("conv1/Conv"); the design's ids drop the
operator suffix again ("conv1"). A file that Designer exported keeps its design in the
metadata (onnx_export.DESIGN_KEY); onnx_design puts back its ids, groups, positions and
the catalog form of layers that ONNX writes another way.
"""

from __future__ import annotations

import json
from pathlib import Path

from torch import nn

from .import_opaque import recording_constructors
from .importer import ModelImportError
from .onnx_fx import catalog_layers
from .onnx_export import DESIGN_KEY


def load_onnx(source: str) -> tuple[nn.Module, str, list[str]]:
    """The file converted to a torch module (with the design it keeps, if any, as
    ``module.designer_design``), a label, and notes."""
    path = Path(source)
    if not path.is_file():
        raise ModelImportError(f"there is no ONNX file {source}")
    try:
        import onnx2torch
    except ImportError:
        raise ModelImportError("importing ONNX needs the onnx2torch package: pip install onnx2torch") from None
    proto = read_onnx(path)
    _refuse_unsupported(proto, source)
    design = _kept_design(proto)
    share_constants(proto)
    try:
        with recording_constructors():
            model = onnx2torch.convert(proto)
    except Exception as exc:  # the converter reports unsupported operators in many types
        node = _failing_node(exc)
        where = f" at node {node.name!r} ({node.op_type})" if node is not None else ""
        raise ModelImportError(f"onnx2torch cannot convert {source}{where}: {type(exc).__name__}: "
                               f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    catalog_layers(model)
    model.designer_design = design
    return model, path.stem, [f"converted from ONNX by onnx2torch {_version('onnx2torch')}".strip()]


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return ""


def onnx_input_shape(source: str) -> tuple[int, ...] | None:
    """The per-sample shape of the file's first input, when it is fixed (None otherwise)."""
    try:
        import onnx

        dims = onnx.load(source, load_external_data=False).graph.input[0].type.tensor_type.shape.dim
    except Exception:  # unreadable here: read_onnx will say why
        return None
    sizes = tuple(d.dim_value for d in dims[1:])
    return sizes if sizes and all(n > 0 for n in sizes) else None


def read_onnx(path: Path):
    """The ModelProto in ``path``; ModelImportError when it is not an ONNX model."""
    import onnx

    try:
        proto = onnx.load(str(path))
    except Exception as exc:  # protobuf's DecodeError, a missing external data file, ...
        why = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'unreadable'}"
        if type(exc).__name__ == "DecodeError":
            raise ModelImportError(f"{path} is not an ONNX model ({why}); export it again with "
                                   f"torch.onnx.export or designer export -f onnx") from None
        raise ModelImportError(f"cannot read {path} as an ONNX model: {why}") from None
    if not proto.graph.node:
        raise ModelImportError(f"{path} is not an ONNX model: it holds no graph nodes")
    inputs = {i.name for i in proto.graph.input} - {t.name for t in proto.graph.initializer}
    if len(inputs) != 1:
        raise ModelImportError(f"{path} takes {len(inputs)} inputs ({', '.join(sorted(inputs)) or 'none'}); "
                               f"a design has one input")
    return proto


def _refuse_unsupported(proto, source: str) -> None:
    """Every operator onnx2torch has no converter for, with the nodes that use it."""
    from onnx2torch.node_converters import get_converter

    opsets = {o.domain or "": o.version for o in proto.opset_import}
    missing: dict[str, list[str]] = {}
    for i, node in enumerate(proto.graph.node):
        domain = node.domain or ""
        try:
            get_converter(operation_type=node.op_type, version=opsets.get(domain, 1), domain=domain)
        except NotImplementedError:
            label = f"{domain}.{node.op_type}" if domain else node.op_type
            missing.setdefault(f"{label} (opset {opsets.get(domain, '?')})", []).append(node.name or f"#{i}")
    if missing:
        lines = [f"  - {op}: node {', '.join(repr(n) for n in names[:3])}"
                 + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                 for op, names in missing.items()]
        raise ModelImportError(f"{source} uses ONNX operators that onnx2torch cannot convert:\n"
                               + "\n".join(lines))


def _kept_design(proto) -> dict | None:
    for entry in proto.metadata_props:
        if entry.key == DESIGN_KEY:
            try:
                data = json.loads(entry.value)
            except ValueError:
                return None
            return data if isinstance(data, dict) else None
    return None


def share_constants(proto) -> None:
    """Replace each ``Identity`` of an initializer by a copy of that initializer under the
    Identity's output name. torch's exporter writes equal constants once (e.g. the zero
    biases of several layers) and hands them to each layer through an Identity, while
    onnx2torch reads a Conv's or Gemm's weights from initializers only."""
    initializers = {t.name: t for t in proto.graph.initializer}
    keep = []
    for node in proto.graph.node:
        if node.op_type == "Identity" and len(node.input) == 1 and node.input[0] in initializers:
            copy = proto.graph.initializer.add()
            copy.CopyFrom(initializers[node.input[0]])
            copy.name = node.output[0]
        else:
            keep.append(node)
    if len(keep) != len(proto.graph.node):
        del proto.graph.node[:]
        proto.graph.node.extend(keep)


def _failing_node(exc: Exception):
    """The ONNX node onnx2torch was converting when it failed (from its frame), if any."""
    tb = exc.__traceback__
    node = None
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("onnx_node")
        if candidate is not None and hasattr(candidate, "proto"):
            node = candidate.proto
        tb = tb.tb_next
    return node


def tidy_ids(result) -> None:
    """Give the design its ids back: from the design a Designer export kept, and otherwise
    "conv1/Conv" -> "conv1" where that id is free (the weights follow through sources)."""
    from .onnx_design import restore_design

    design = getattr(result.model, "designer_design", None)
    restored = restore_design(result, design) if design else ""  # the rest keeps ONNX's names
    if restored:
        result.notes.append(f"the design that designer export kept in the file gave back {restored}")
    graph = result.graph
    for nid in list(graph.nodes):
        base = nid.rsplit("/", 1)[0] if "/" in nid else nid
        if base != nid and base not in graph.nodes and base not in graph.groups:
            rename(result, nid, base)


def rename(result, old: str, new: str) -> None:
    from ..core.edits import RenameNode

    RenameNode(old, new).apply(result.graph)
    for table in (result.sources, result.shapes):
        if old in table:
            table[new] = table.pop(old)
