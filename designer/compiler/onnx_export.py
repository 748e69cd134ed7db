"""Export a design as ONNX (opens in Netron, runs in onnxruntime) and check it against torch.

Uses torch's TorchScript-based exporter (``dynamo=False``), which needs no extra package.
The batch axis is dynamic; the input is named ``input`` and the output ``output``. What the
exporter cannot express is reported by node before anything is written: adaptive pooling
to a size that does not divide the input size has no ONNX operator.

The file holds the design's own layers so that ``designer import`` gives the design back:
BatchNorm stays a ``BatchNormalization`` node (not folded into the convolution before it;
onnxruntime fuses them itself when it loads the file), LocalResponseNorm and Dropout keep
their ONNX operators (onnx_symbolic), and the design (ids, groups, positions, each layer's
catalog form) is kept in the model's metadata under ``designer.design``.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.fx as fx

from ..analysis import Analysis, analyze
from ..core.atomic_write import write_bytes
from ..core.graph import Graph
from ..core.serialize import to_dict
from .fx_builder import CompileError, design_names
from .onnx_symbolic import with_onnx_forms

OPSET = 17
#: The metadata key under which an exported file keeps its design (read back by import_onnx).
DESIGN_KEY = "designer.design"


class OnnxExportError(ValueError):
    """The design cannot be exported as ONNX; the message names the layers and why."""


def onnx_problems(graph: Graph, analysis: Analysis | None = None) -> list[str]:
    """Why the ONNX exporter would refuse the design, one line per layer (empty: exportable)."""
    analysis = analysis or analyze(graph)
    problems = []
    for nid in analysis.order:
        info = analysis.nodes[nid]
        if nid not in analysis.live or not info.ok or not info.type.startswith("Adaptive"):
            continue
        size = info.resolved["output_size"]
        spatial = info.input_shapes[0][1:]
        if any(n % s for n, s in zip(spatial, size)):
            problems.append(
                f"{nid} ({info.type}): ONNX has no adaptive pooling from {spatial[0]}×{spatial[1]} "
                f"to {size[0]}×{size[1]} (the output size must divide the input size); change "
                f"the input size or use a plain pooling layer")
    return problems


def export_onnx(graph: Graph, path: str | Path, module: fx.GraphModule | None = None,
                opset: int = OPSET) -> Path:
    """Write ``graph`` (with ``module``'s weights, else fresh ones) as an ONNX file."""
    from .weights import design_weights

    analysis = analyze(graph)
    if not analysis.valid:
        raise CompileError(analysis.errors)
    if analysis.input_shape is None:
        raise OnnxExportError("ONNX export needs a design with exactly one Input")
    problems = onnx_problems(graph, analysis)
    if problems:
        raise OnnxExportError("the design cannot be exported as ONNX:\n" +
                              "\n".join(f"  - {p}" for p in problems))
    module = with_onnx_forms((module or design_weights(graph)).eval())
    example = torch.zeros((1, *analysis.input_shape))
    path = Path(path)
    buffer = io.BytesIO()  # in memory: the exporter's failures are exceptions, not half files
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notices
            torch.onnx.export(
                module, (example,), buffer, dynamo=False, opset_version=opset,
                training=torch.onnx.TrainingMode.PRESERVE,  # eval, without folding BatchNorm
                input_names=["input"], output_names=["output"],
                dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
            )
    except MemoryError:
        raise
    except Exception as exc:  # the exporter reports unsupported operators in many types
        if _is_oom(exc):
            raise MemoryError(str(exc)) from None
        raise OnnxExportError(f"the ONNX exporter refused the design: {type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    write_bytes(path, with_design(buffer.getvalue(), graph, design_names(analysis)))
    return path


def with_design(data: bytes, graph: Graph, names: dict[str, str]) -> bytes:
    """The ONNX bytes with the design kept in the model's metadata (``designer.design``): the
    design file's JSON (training settings included) and the attribute name each node id has
    in the compiled module, which
    is the scope of its ONNX node ("/layer1_0_conv1/Conv")."""
    import onnx

    model = onnx.load_from_string(data)
    meta = {"design": to_dict(graph), "names": names}
    entry = model.metadata_props.add()
    entry.key, entry.value = DESIGN_KEY, json.dumps(meta, separators=(",", ":"))
    return model.SerializeToString()


def _is_oom(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "out of memory" in text or "can't allocate memory" in text or "bad_alloc" in text


def onnxruntime_difference(path: str | Path, module: fx.GraphModule, input_shape, batch: int = 2,
                           seed: int = 0) -> float:
    """Largest absolute difference between onnxruntime and torch on one random batch."""
    import onnxruntime

    generator = torch.Generator().manual_seed(seed)
    x = torch.randn((batch, *input_shape), generator=generator)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"input": x.numpy()})
    with torch.no_grad():
        want = module.eval()(x).numpy()
    return float(np.max(np.abs(got - want)))
