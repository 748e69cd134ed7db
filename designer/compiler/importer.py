"""Import a PyTorch model as an editable design: trace it with torch.fx, map each operation
to a catalog layer, group the layers by the model's module hierarchy, and lay them out.

    result = import_model("torchvision:resnet18", input_shape=(3, 224, 224))
    result.graph          # the design (designer.core.graph.Graph)
    result.copy_weights(compile_design(result.graph))   # exact weights, same outputs

Node ids are the model's module paths ("layer1.0.conv1"), so the design says where each
layer came from and a state_dict of the original model loads into the compiled design by
name. Anything without an exact equivalent is refused: ``UnsupportedModelError`` lists every
such operation with where it happens. The result is checked against PyTorch before it is
returned: every node's shape equals the traced shape and the parameter counts agree.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass, field

import torch
import torch.fx as fx
from torch import nn
from torch.fx.passes.shape_prop import ShapeProp, TensorMetadata

from ..analysis import analyze
from ..core.graph import Graph
from ..core.layout import apply_layout, layered_layout
from .import_convert import Converter
from .import_groups import build_groups
from .import_opaque import OpaqueTracer, SubmoduleTraceError
from .import_ops import Context, Unsupported
from .import_report import UnsupportedOp, refusal
from .import_sizes import SIZE_VALUE, TUPLE_VALUE, SizeDecider

__all__ = ["ImportResult", "ModelImportError", "UnsupportedModelError", "UnsupportedOp",
           "import_model", "import_module"]

DEFAULT_INPUT_SHAPE = (3, 224, 224)
#: How many rounds of "keep the failing submodules whole and trace again" an import may take.
MAX_OPAQUE_ROUNDS = 12


class ModelImportError(ValueError):
    """A model that cannot be imported; the message says what went wrong and what to do."""


class UnsupportedModelError(ModelImportError):
    """The model uses operations a design cannot represent; ``ops`` lists all of them."""

    def __init__(self, model: str, ops: list[UnsupportedOp]) -> None:
        self.ops = list(ops)
        super().__init__(refusal(model, self.ops))


@dataclass
class ImportResult:
    """An imported design with what ties it to the original model."""

    graph: Graph
    model: nn.Module
    #: design node id -> path of the original module it calls (for modules only).
    sources: dict[str, str]
    #: design node id -> the output shape PyTorch traced, without the batch.
    shapes: dict[str, tuple[int, ...]]
    notes: list[str] = field(default_factory=list)

    def copy_weights(self, compiled: fx.GraphModule) -> None:
        """Load the original model's weights into ``compiled`` (compile_design of the graph)."""
        from .weights import load_weights

        state = self.model.state_dict()
        renamed = {nid: path for nid, path in self.sources.items() if nid != path}
        if renamed:  # node ids that differ from the module path (an ONNX model's "conv1/Conv")
            by_path = {path: nid for nid, path in renamed.items()}
            state = {_rename(key, by_path): value for key, value in state.items()}
        load_weights(compiled, state)


def _rename(key: str, by_path: dict[str, str]) -> str:
    if key in by_path:  # a parameter node (LayerScale) whose source is the parameter itself
        return by_path[key]
    owner, _, local = key.rpartition(".")
    return f"{by_path[owner]}.{local}" if owner in by_path else key


# --------------------------------------------------------------------------- public API
def import_model(source: str, input_shape=DEFAULT_INPUT_SHAPE, name: str | None = None,
                 pretrained: bool = False) -> ImportResult:
    """Import ``torchvision:NAME``, ``package.module:callable``, ``file.py:callable`` or
    ``model.onnx`` (``pretrained``: torchvision's weights from the local torch hub cache,
    never downloaded)."""
    from .import_sources import load_source

    if source.endswith(".onnx"):
        from .import_onnx import onnx_input_shape

        input_shape = onnx_input_shape(source) or input_shape
    model, label, notes = load_source(source, pretrained)  # records each module's constructor arguments
    result = import_module(model, input_shape, name or label.rsplit(".", 1)[-1], f"Imported from {label}.")
    if source.endswith(".onnx"):
        from .import_onnx import tidy_ids

        tidy_ids(result)
    result.notes[:0] = notes
    return result


def import_module(module: nn.Module, input_shape=DEFAULT_INPUT_SHAPE, name: str | None = None,
                  description: str = "") -> ImportResult:
    """Import a model instance; it is traced in eval mode, as it runs for inference."""
    if not isinstance(module, nn.Module):
        raise ModelImportError(f"expected a torch.nn.Module, got {type(module).__name__}")
    shape = _check_shape(input_shape)
    label = name or type(module).__name__
    was_training = module.training
    module.eval()
    try:
        converter = _convert_keeping_opaque(module, shape, label)
    finally:
        module.train(was_training)
    if converter.problems:
        raise UnsupportedModelError(label, converter.problems)
    graph = converter.graph
    graph.set_meta(label, _describe(description, shape))
    classes = {path: type(m) for path, m in module.named_modules()}
    graph.set_groups(build_groups(converter.scopes, classes))
    apply_layout(graph, layered_layout(graph))
    result = ImportResult(graph, module, converter.sources, converter.traced_shapes)
    result.notes.extend(_verify(result, label))
    result.notes.extend(_opaque_notes(graph, converter.opaque))
    result.notes.extend(_size_notes(getattr(converter, "size_decisions", []), shape))
    return result


def _size_notes(decisions: list[tuple[str, bool]], shape: tuple[int, ...]) -> list[str]:
    """One note when forward() branched on sizes: the design follows this input size's branches."""
    if not decisions:
        return []
    places = list(dict.fromkeys(line.split(" (")[0] for line, _ in decisions if line))
    shown = ", ".join(places[:3]) + (f" and {len(places) - 3} more" if len(places) > 3 else "")
    size = "×".join(map(str, shape))
    return [f"forward() branches on tensor sizes {len(decisions)} time(s)" + (f" ({shown})" if shown else "")
            + f"; the design follows the branches input {size} takes"]


def _opaque_notes(graph: Graph, reasons: dict[str, str]) -> list[str]:
    """One note per reason for keeping modules whole: which modules, and why."""
    by_reason: dict[str, list[str]] = {}
    for node in graph:
        if node.type == "ModuleCall":
            why = re.sub(r"\([^()]*\)|'[^']*'| on [^:]*:", "", reasons.get(node.id, "")).strip()
            by_reason.setdefault(why, []).append(node.id)
    notes = []
    for why, ids in by_reason.items():
        shown = ", ".join(ids[:4]) + (f" and {len(ids) - 4} more" if len(ids) > 4 else "")
        notes.append(f"{len(ids)} module(s) kept whole as opaque Module call nodes ({shown})"
                     + (f": {why}" if why else ""))
    return notes


# --------------------------------------------------------------------------- steps
def _check_shape(input_shape) -> tuple[int, ...]:
    try:
        shape = tuple(int(d) for d in input_shape)
    except (TypeError, ValueError):
        raise ModelImportError(f"the input shape must be sizes like 3 224 224, got {input_shape!r}") from None
    if not 1 <= len(shape) <= 3 or any(d < 1 for d in shape):
        raise ModelImportError(f"the input shape must be 1 to 3 positive sizes without the batch "
                               f"(e.g. 3 224 224), got {list(shape)}")
    return shape


def _convert_keeping_opaque(module: nn.Module, shape, label: str) -> Converter:
    """Trace and convert; submodules that fx cannot trace, or whose operations have no catalog
    equivalent, are kept whole (opaque ModuleCall nodes) and the model is traced again."""
    opaque: dict[str, str] = {}  # module path -> why it is kept whole
    refused: dict[str, str] = {}
    converter = None
    for _ in range(MAX_OPAQUE_ROUNDS):
        try:
            traced = _trace(module, label, opaque, shape)
        except SubmoduleTraceError as exc:
            if not _keep_whole(module, [(exc.path, f"fx cannot trace it ({exc})")], opaque, refused):
                why = refused.get(exc.path, "")
                raise ModelImportError(f"torch.fx cannot trace {label}'s '{exc.path}': {exc}. Models "
                                       f"whose forward() branches on tensor values or sizes cannot "
                                       f"be imported" + (f"; it cannot be kept whole either: {why}"
                                                         if why else "")) from None
            continue
        shapes, defaults = _propagate(traced, shape, label)
        converter = Converter(module, traced, Context(shapes), opaque, defaults)
        converter.size_decisions = traced.size_decisions
        converter.run()
        for path, why in converter.failed_opaque.items():
            opaque.pop(path, None)
            refused[path] = why
        if not converter.problems:
            break
        causes = [(p.scope, f"{p.what.split(' ')[0]} {p.why.split(';')[0]}") for p in converter.problems]
        if not _keep_whole(module, causes, opaque, refused):
            break
    if converter is None:  # every round stopped at a submodule fx cannot trace
        raise ModelImportError(f"torch.fx cannot trace {label}: after keeping {len(opaque)} "
                               f"module(s) whole, another still could not be traced "
                               f"({MAX_OPAQUE_ROUNDS} rounds). Import a smaller part of the model, "
                               f"or one whose forward() does not branch on tensor values")
    return converter


def _keep_whole(module: nn.Module, causes: list[tuple[str, str]], opaque: dict[str, str],
                refused: dict[str, str]) -> bool:
    """Mark, for each (scope, reason), the innermost module around the scope that can be
    rebuilt from its constructor arguments as opaque; False when none could be marked."""
    from .import_opaque import constructor_kwargs

    added = False
    for scope, reason in dict(causes).items():
        chain = [scope.rsplit(".", i)[0] for i in range(scope.count(".") + 1)] if scope else []
        for path in chain:
            if path in refused:
                continue
            if path in opaque:
                break
            try:
                constructor_kwargs(module.get_submodule(path))
            except Unsupported as exc:
                refused[path] = str(exc)
                continue
            opaque[path] = reason[:160]
            added = True
            break
    return added


def _trace(module: nn.Module, label: str, opaque: set[str] = frozenset(),
           shape: tuple[int, ...] | None = None) -> fx.GraphModule:
    """Trace ``module`` keeping ``opaque`` whole; with ``shape``, branches on sizes are decided
    for that input size (import_sizes)."""
    defaults = _defaulted_arguments(module)
    sizes = SizeDecider(shape, defaults) if shape is not None else None
    tracer = OpaqueTracer(set(opaque), sizes)
    try:
        graph = tracer.trace(module, concrete_args=defaults or None)
    except SubmoduleTraceError:
        raise
    except Exception as exc:  # fx raises TraceError, TypeError, RuntimeError, ... from user code
        raise ModelImportError(
            f"torch.fx cannot trace {label}: {type(exc).__name__}: {exc}. Models whose forward() "
            f"branches on tensor values or sizes cannot be imported") from None
    traced = fx.GraphModule(tracer.root, graph, label)
    traced.size_decisions = sizes.decisions if sizes is not None else []
    return traced


def _defaulted_arguments(module: nn.Module) -> dict:
    """forward()'s arguments after the first that have defaults: they keep them."""
    import inspect

    try:
        params = list(inspect.signature(module.forward).parameters.values())
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in params[1:]
            if p.default is not p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _propagate(traced: fx.GraphModule, shape: tuple[int, ...], label: str):
    """Run the traced model once on a batch of 2 and record every tensor's shape; also the
    placeholders that stand for defaulted arguments (and their values)."""
    defaults = _defaulted_arguments(traced)
    placeholders = [n for n in traced.graph.nodes if n.op == "placeholder"]
    inputs = [n.name for n in placeholders if not _is_default_placeholder(n, defaults)]
    if len(inputs) != 1:
        raise ModelImportError(f"{label}.forward() takes {len(inputs)} inputs "
                               f"({', '.join(inputs) or 'none'}); a design has one input")
    extra = {n: defaults[_default_name(n, defaults)] for n in placeholders if n.name not in inputs}
    try:
        with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):  # ShapeProp prints
            _SizeRecordingProp(traced).propagate(torch.zeros((2, *shape)), *extra.values())
    except Exception as exc:
        raise ModelImportError(
            f"{label} does not run on input {list(shape)}: {type(exc).__name__}: {exc}; "
            f"give the input size it expects (e.g. --input-shape 3 224 224)") from None
    shapes = {}
    for node in traced.graph.nodes:
        meta = node.meta.get("tensor_meta")
        if isinstance(meta, TensorMetadata):
            shapes[node] = tuple(meta.shape)
    return shapes, set(extra)


class _SizeRecordingProp(ShapeProp):
    """ShapeProp that also keeps the sizes (ints, torch.Size) the model computes, so that
    indexing by a size (``x[:, :cls.shape[1]]``) can be read as a constant (import_sizes)."""

    def run_node(self, n: fx.Node):
        result = super().run_node(n)
        if isinstance(result, int) and not isinstance(result, bool) or isinstance(result, torch.Size):
            n.meta[SIZE_VALUE] = result
        elif n.op == "call_module" and isinstance(result, (tuple, list)):
            n.meta[TUPLE_VALUE] = tuple((True, tuple(r.shape)) if isinstance(r, torch.Tensor) else (False, r)
                                        for r in result)
        return result


def _default_name(node: fx.Node, defaults: dict) -> str | None:
    for name in defaults:
        if node.target == name or node.target.startswith(f"{name}_"):
            return name
    return None


def _is_default_placeholder(node: fx.Node, defaults: dict) -> bool:
    return _default_name(node, defaults) is not None


def _describe(description: str, shape: tuple[int, ...]) -> str:
    size = "×".join(map(str, shape))
    return f"{description} Input {size}. Node ids are the model's module paths.".strip()


# --------------------------------------------------------------------------- conversion
def _tensors_at(model: nn.Module, path: str) -> list:
    """The parameters of the module at ``path``, or the one parameter that ``path`` names."""
    try:
        return list(model.get_submodule(path).parameters())
    except AttributeError:
        try:
            return [model.get_parameter(path)]
        except AttributeError:
            return []


def _verify(result: ImportResult, label: str) -> list[str]:
    """Hold the design to PyTorch: valid, same shapes, same parameter count. Returns notes."""
    analysis = analyze(result.graph)
    problems = [str(issue) for issue in analysis.errors]
    for nid, traced in result.shapes.items():
        info = analysis.nodes[nid]
        if info.ok and info.output_shape != traced and result.graph.node(nid).type != "Output":
            problems.append(f"{nid}: Designer computes shape {list(info.output_shape)} where "
                            f"PyTorch gives {list(traced)}")
    used = {id(p): p for path in set(result.sources.values()) for p in _tensors_at(result.model, path)}
    expected = sum(p.numel() for p in used.values())
    if not problems and analysis.total_params != expected:
        problems.append(f"the design has {analysis.total_params:,} parameters where the layers "
                        f"it imports hold {expected:,}")
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ModelImportError(f"{label} converted to a design that does not match it:\n{lines}")
    unused = [n for n, p in result.model.named_parameters() if id(p) not in used]
    notes = []
    if unused:
        count = sum(p.numel() for n, p in result.model.named_parameters() if n in unused)
        owners = sorted({n.rsplit(".", 1)[0] for n in unused})
        notes.append(f"{count:,} parameters in {', '.join(owners)} are not used by forward() in "
                     f"eval mode and are not part of the design")
    return notes
