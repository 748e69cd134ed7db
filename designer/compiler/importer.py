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
import operator
from dataclasses import dataclass, field

import torch
import torch.fx as fx
from torch import nn
from torch.fx.passes.shape_prop import ShapeProp, TensorMetadata

from ..analysis import analyze
from ..core.graph import Edge, Graph, Node
from ..core.layout import apply_layout, layered_layout
from . import import_zoo  # noqa: F401  (registers the modern zoo's table entries)
from .import_calls import callable_name, convert_call
from .import_groups import build_groups, kind_of
from .import_opaque import OpaqueTracer, SubmoduleTraceError, opaque_params
from .import_ops import (Context, Layer, ParamRef, Passthrough, Pieces, Unsupported, class_name,
                         convert_module)
from .import_report import UnsupportedOp, refusal, user_line

DEFAULT_INPUT_SHAPE = (3, 224, 224)
_BROKEN = object()  # the value of a node that could not be converted
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

        load_weights(compiled, self.model.state_dict())


# --------------------------------------------------------------------------- public API
def import_model(source: str, input_shape=DEFAULT_INPUT_SHAPE, name: str | None = None) -> ImportResult:
    """Import ``torchvision:NAME``, ``package.module:callable`` or ``file.py:callable``."""
    from .import_sources import load_source

    model, label, notes = load_source(source)  # records each module's constructor arguments
    result = import_module(model, input_shape, name or label.rsplit(".", 1)[-1], f"Imported from {label}.")
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
    opaque = [n.id for n in graph if n.type == "ModuleCall"]
    if opaque:
        result.notes.append(f"{len(opaque)} module(s) kept whole as opaque Module call nodes "
                            f"(fx cannot see through them): {', '.join(opaque[:6])}"
                            + (f" and {len(opaque) - 6} more" if len(opaque) > 6 else ""))
    return result


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


def _convert_keeping_opaque(module: nn.Module, shape, label: str) -> "_Converter":
    """Trace and convert; submodules that fx cannot trace, or whose operations have no catalog
    equivalent, are kept whole (opaque ModuleCall nodes) and the model is traced again."""
    opaque: set[str] = set()
    refused: dict[str, str] = {}
    converter = None
    for _ in range(MAX_OPAQUE_ROUNDS):
        try:
            traced = _trace(module, label, opaque)
        except SubmoduleTraceError as exc:
            if not _keep_whole(module, [exc.path], opaque, refused):
                why = refused.get(exc.path, "")
                raise ModelImportError(f"torch.fx cannot trace {label}'s '{exc.path}': {exc}. Models "
                                       f"whose forward() branches on tensor values or sizes cannot "
                                       f"be imported" + (f"; it cannot be kept whole either: {why}"
                                                         if why else "")) from None
            continue
        shapes, defaults = _propagate(traced, shape, label)
        converter = _Converter(module, traced, Context(shapes), opaque, defaults)
        converter.run()
        for path, why in converter.failed_opaque.items():
            opaque.discard(path)
            refused[path] = why
        if not converter.problems:
            break
        if not _keep_whole(module, [p.scope for p in converter.problems], opaque, refused):
            break
    return converter


def _keep_whole(module: nn.Module, scopes: list[str], opaque: set[str], refused: dict[str, str]) -> bool:
    """Mark, for each scope, the innermost module around it that can be rebuilt from its
    constructor arguments as opaque; False when no new module could be marked."""
    from .import_opaque import constructor_kwargs

    added = False
    for scope in dict.fromkeys(scopes):
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
            opaque.add(path)
            added = True
            break
    return added


def _trace(module: nn.Module, label: str, opaque: set[str] = frozenset()) -> fx.GraphModule:
    tracer = OpaqueTracer(set(opaque))
    try:
        graph = tracer.trace(module, concrete_args=_defaulted_arguments(module) or None)
    except SubmoduleTraceError:
        raise
    except Exception as exc:  # fx raises TraceError, TypeError, RuntimeError, ... from user code
        raise ModelImportError(
            f"torch.fx cannot trace {label}: {type(exc).__name__}: {exc}. Models whose forward() "
            f"branches on tensor values or sizes cannot be imported") from None
    return fx.GraphModule(tracer.root, graph, label)


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
            ShapeProp(traced).propagate(torch.zeros((2, *shape)), *extra.values())
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
class _Converter:
    """Walks the traced graph once, building design nodes and collecting what is unsupported."""

    def __init__(self, root: nn.Module, traced: fx.GraphModule, ctx: Context,
                 opaque: set[str] = frozenset(), defaults: set = frozenset()) -> None:
        self.root, self.traced, self.ctx = root, traced, ctx
        self.opaque, self.defaults = opaque, defaults
        self.graph = Graph()
        self.values = ctx.values
        self.order = {node: i for i, node in enumerate(traced.graph.nodes)}
        self.reserved = {path for path, _ in root.named_modules() if path}
        self.calls: dict[str, int] = {}
        self.problems: list[UnsupportedOp] = []
        self.failed_opaque: dict[str, str] = {}
        self.notes: list[str] = []
        self.scopes: dict[str, str] = {}
        self.sources: dict[str, str] = {}
        self.traced_shapes: dict[str, tuple[int, ...]] = {}

    def run(self) -> None:
        for node in self.traced.graph.nodes:
            try:
                self._convert(node)
            except Unsupported as exc:
                line = "" if node.op == "call_module" else user_line(node.stack_trace)
                scope = node.target if node.op == "call_module" else _scope(node)
                kind = kind_of(type(self.root.get_submodule(scope))) if scope else ""
                refs = [self.values[a] for a in node.all_input_nodes if isinstance(self.values.get(a), ParamRef)]
                why = str(exc) + "".join(f"; it reads the model's tensor '{r.target}' "
                                         f"({'×'.join(map(str, r.shape))}) directly" for r in refs)
                self.problems.append(UnsupportedOp(self._what(node), self._where(node), why,
                                                   scope, kind, line))
                self.values[node] = _BROKEN

    def _convert(self, node: fx.Node) -> None:
        if node.op == "placeholder":
            self._input(node)
        elif node.op == "output":
            self._output(node)
        elif node.op == "get_attr":
            self._attribute(node)
        elif node.op == "call_module":
            self._module(node)
        else:
            self._call(node)

    def _input(self, node: fx.Node) -> None:
        if node in self.defaults:
            return  # a defaulted argument of forward(): it keeps its default
        shape = list(self.ctx.shape(node)[1:])
        self.values[node] = self._add(self._unique("input"), "Input", {"shape": shape}, [], "", node)

    def _attribute(self, node: fx.Node) -> None:
        """A parameter or buffer read directly: its users decide what it becomes."""
        shape = self.ctx.shapes.get(node)
        if shape is None:
            return  # a constant that is not a tensor
        self.values[node] = ParamRef(node.target, tuple(shape))

    def _output(self, node: fx.Node) -> None:
        result = node.args[0]
        if self.ctx.shape(result) is None:
            raise Unsupported(f"the model returns {type(result).__name__} instead of one tensor")
        if self.values.get(result, _BROKEN) is _BROKEN:
            return
        self._add(self._unique("output"), "Output", {}, [result], "", None)

    def _module(self, node: fx.Node) -> None:
        module = self.root.get_submodule(node.target)
        count = self.calls[node.target] = self.calls.get(node.target, 0) + 1
        if count > 1 and any(True for _ in module.parameters()):
            raise Unsupported(f"this module is called {count} times, sharing its weights; "
                              f"each design layer has weights of its own")
        if isinstance(module, nn.MultiheadAttention):
            self.values[node] = import_zoo.attention_pieces(module, node, self.ctx)
            return
        if node.target in self.opaque:
            layer = self._opaque(module, node)
        else:
            layer = convert_module(module, node, self.ctx)
        self._check_in_place(node, layer)
        if self._broken(node, layer.inputs):
            return
        nid = node.target if count == 1 else self._unique(node.target)
        self.reserved.discard(nid)
        scope = node.target.rpartition(".")[0]
        self.values[node] = self._add(nid, layer.type, layer.params, layer.inputs, scope, node)
        self.sources[nid] = node.target

    def _opaque(self, module: nn.Module, node: fx.Node) -> Layer:
        if len(node.args) != 1 or node.kwargs or self.ctx.shape(node.args[0]) is None:
            why = "kept whole, it is called with other than one tensor"
        elif self.ctx.shape(node) is None:
            why = "kept whole, it returns other than one tensor"
        else:
            try:
                params = opaque_params(module, self.ctx.shape(node.args[0])[1:], self.ctx.shape(node)[1:])
                return Layer("ModuleCall", params, [node.args[0]])
            except Unsupported as exc:
                why = f"kept whole, {exc}"
        self.failed_opaque[node.target] = why
        raise Unsupported(why)

    def _call(self, node: fx.Node) -> None:
        if node not in self.ctx.shapes and node.target not in _SEVERAL:
            if node.meta.get("tensor_meta") is not None:  # a tuple or list of tensors
                raise Unsupported("it returns several tensors; a design layer returns one")
            return  # a size or other number: only reshapes may use it
        if any(self.values.get(a) is _BROKEN for a in node.all_input_nodes):
            self.values[node] = _BROKEN
            return
        converted = convert_call(node, self.ctx)
        if isinstance(converted, (Pieces, ParamRef)):
            self.values[node] = converted
            return
        if isinstance(converted, Passthrough):
            self.values[node] = self.values.get(converted.input, _BROKEN)
            return
        self._check_in_place(node, converted)
        if self._broken(node, converted.inputs):
            return
        scope = _scope(node)
        value = None
        chain = [converted, *converted.then]
        for layer in chain:
            base = f"{scope}.{layer.stem}" if scope else layer.stem
            if layer.id:
                nid = layer.id if layer.id not in self.graph.nodes else self._unique(layer.id)
                self.reserved.discard(nid)
                self.sources[nid] = layer.id
            else:
                nid = self._unique(base)
            inputs = layer.inputs if value is None else [_Placed(value)]
            traced = node if layer is chain[-1] else None  # the traced shape is the chain's result
            value = self._add(nid, layer.type, layer.params, inputs, scope, traced)
        self.values[node] = value

    # ------------------------------------------------------------------- helpers
    def _check_in_place(self, node: fx.Node, layer: Layer) -> None:
        if not layer.inplace:
            return
        later = [u.name for u in layer.inputs[0].users if self.order[u] > self.order[node]]
        if later:
            raise Unsupported(f"it works in place on a tensor that is used again afterwards "
                              f"({', '.join(later)}); a design has no in-place layers")

    def _broken(self, node: fx.Node, inputs: list[fx.Node]) -> bool:
        """True when an input failed to convert (already reported), so this node is skipped."""
        if any(self.values.get(i, _BROKEN) is _BROKEN for i in inputs):
            self.values[node] = _BROKEN
            return True
        return False

    def _unique(self, base: str) -> str:
        taken = self.graph.nodes
        if base not in taken and base not in self.reserved:
            return base
        n = 1
        while f"{base}_{n}" in taken or f"{base}_{n}" in self.reserved:
            n += 1
        return f"{base}_{n}"

    def _add(self, nid, layer_type, params, inputs, scope, node) -> str:
        self.graph.add_node(Node(nid, layer_type, params))
        for port, source in enumerate(inputs):
            src = source.id if isinstance(source, _Placed) else self.values[source]
            self.graph.add_edge(Edge(src, nid, port))
        if layer_type not in ("Input", "Output"):
            self.scopes[nid] = scope
        if node is not None:
            self.traced_shapes[nid] = self.ctx.shape(node)[1:]
        return nid

    def _what(self, node: fx.Node) -> str:
        if node.op == "call_module":
            return f"{class_name(type(self.root.get_submodule(node.target)))} '{node.target}'"
        if node.op == "get_attr":
            return f"'{node.target}'"
        if node.op in ("placeholder", "output"):
            return f"the model's {'input' if node.op == 'placeholder' else 'output'} '{node.name}'"
        return callable_name(node.target)

    def _where(self, node: fx.Node) -> str:
        if node.op == "call_module":
            return ""  # the module path says where
        parts = []
        scope = _scope(node)
        if scope:
            parts.append(f"in '{scope}' ({kind_of(type(self.root.get_submodule(scope)))})")
        line = user_line(node.stack_trace)
        if line:
            parts.append(f"at {line}")
        return " ".join(parts) or "in the model's forward()"


#: Calls whose result is several tensors that indexing then picks from (import_zoo.Pieces).
_SEVERAL = {"chunk", "split", "unbind", torch.chunk, torch.split, torch.unbind}


@dataclass(frozen=True)
class _Placed:
    """An input that is already a design node (the previous layer of a chain)."""

    id: str


def _scope(node: fx.Node) -> str:
    """The path of the module whose forward() made this call ("" for the model itself)."""
    stack = node.meta.get("nn_module_stack") or {}
    return list(stack.values())[-1][0] if stack else ""


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
