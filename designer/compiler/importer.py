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
from dataclasses import dataclass, field

import torch
import torch.fx as fx
from torch import nn
from torch.fx.passes.shape_prop import ShapeProp, TensorMetadata

from ..analysis import analyze
from ..core.graph import Edge, Graph, Node
from ..core.layout import apply_layout, layered_layout
from .import_groups import build_groups, kind_of
from .import_calls import callable_name, convert_call
from .import_ops import Context, Layer, Passthrough, Unsupported, class_name, convert_module

DEFAULT_INPUT_SHAPE = (3, 224, 224)
_BROKEN = object()  # the value of a node that could not be converted


class ModelImportError(ValueError):
    """A model that cannot be imported; the message says what went wrong and what to do."""


@dataclass(frozen=True)
class UnsupportedOp:
    """One operation with no exact Designer equivalent: what it is, where, and why."""

    what: str
    where: str
    why: str

    def __str__(self) -> str:
        return f"{self.what} {self.where}: {self.why}" if self.where else f"{self.what}: {self.why}"


class UnsupportedModelError(ModelImportError):
    """The model uses operations a design cannot represent; ``ops`` lists all of them."""

    def __init__(self, model: str, ops: list[UnsupportedOp]) -> None:
        self.ops = list(ops)
        counts: dict[str, int] = {}
        for op in self.ops:
            key = op.what.split(" '")[0]
            counts[key] = counts.get(key, 0) + 1
        summary = ", ".join(f"{what} ×{n}" if n > 1 else what for what, n in counts.items())
        lines = "\n".join(f"  - {op}" for op in self.ops)
        super().__init__(f"{model} cannot be imported: {len(self.ops)} operation(s) have no "
                         f"exact Designer equivalent ({summary}):\n{lines}")


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

    model, label, notes = load_source(source)
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
        traced = _trace(module, label)
        shapes = _propagate(traced, shape, label)
        converter = _Converter(module, traced, Context(shapes))
        converter.run()
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


def _trace(module: nn.Module, label: str) -> fx.GraphModule:
    tracer = fx.Tracer()
    tracer.record_stack_traces = True
    try:
        graph = tracer.trace(module)
    except Exception as exc:  # fx raises TraceError, TypeError, RuntimeError, ... from user code
        raise ModelImportError(
            f"torch.fx cannot trace {label}: {type(exc).__name__}: {exc}. Models whose forward() "
            f"branches on tensor values or sizes cannot be imported") from None
    return fx.GraphModule(tracer.root, graph, label)


def _propagate(traced: fx.GraphModule, shape: tuple[int, ...], label: str) -> dict[fx.Node, tuple]:
    """Run the traced model once on a batch of 2 and record every tensor's shape."""
    inputs = [n.name for n in traced.graph.nodes if n.op == "placeholder"]
    if len(inputs) != 1:
        raise ModelImportError(f"{label}.forward() takes {len(inputs)} inputs "
                               f"({', '.join(inputs) or 'none'}); a design has one input")
    try:
        with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):  # ShapeProp prints
            ShapeProp(traced).propagate(torch.zeros((2, *shape)))
    except Exception as exc:
        raise ModelImportError(
            f"{label} does not run on input {list(shape)}: {type(exc).__name__}: {exc}; "
            f"give the input size it expects (e.g. --input-shape 3 224 224)") from None
    shapes = {}
    for node in traced.graph.nodes:
        meta = node.meta.get("tensor_meta")
        if isinstance(meta, TensorMetadata):
            shapes[node] = tuple(meta.shape)
    return shapes


def _describe(description: str, shape: tuple[int, ...]) -> str:
    size = "×".join(map(str, shape))
    return f"{description} Input {size}. Node ids are the model's module paths.".strip()


# --------------------------------------------------------------------------- conversion
class _Converter:
    """Walks the traced graph once, building design nodes and collecting what is unsupported."""

    def __init__(self, root: nn.Module, traced: fx.GraphModule, ctx: Context) -> None:
        self.root, self.traced, self.ctx = root, traced, ctx
        self.graph = Graph()
        self.values: dict[fx.Node, object] = {}
        self.order = {node: i for i, node in enumerate(traced.graph.nodes)}
        self.reserved = {path for path, _ in root.named_modules() if path}
        self.calls: dict[str, int] = {}
        self.problems: list[UnsupportedOp] = []
        self.scopes: dict[str, str] = {}
        self.sources: dict[str, str] = {}
        self.traced_shapes: dict[str, tuple[int, ...]] = {}

    def run(self) -> None:
        for node in self.traced.graph.nodes:
            try:
                self._convert(node)
            except Unsupported as exc:
                self.problems.append(UnsupportedOp(self._what(node), self._where(node), str(exc)))
                self.values[node] = _BROKEN

    def _convert(self, node: fx.Node) -> None:
        if node.op == "placeholder":
            self._input(node)
        elif node.op == "output":
            self._output(node)
        elif node.op == "get_attr":
            raise Unsupported("the model reads this parameter or buffer directly instead of "
                              "through a torch.nn layer")
        elif node.op == "call_module":
            self._module(node)
        else:
            self._call(node)

    def _input(self, node: fx.Node) -> None:
        shape = list(self.ctx.shape(node)[1:])
        self.values[node] = self._add(self._unique("input"), "Input", {"shape": shape}, [], "", node)

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
        layer = convert_module(module, node, self.ctx)
        self._check_in_place(node, layer)
        if self._broken(node, layer.inputs):
            return
        nid = node.target if count == 1 else self._unique(node.target)
        self.reserved.discard(nid)
        scope = node.target.rpartition(".")[0]
        self.values[node] = self._add(nid, layer.type, layer.params, layer.inputs, scope, node)
        self.sources[nid] = node.target

    def _call(self, node: fx.Node) -> None:
        meta = node.meta.get("tensor_meta")
        if node not in self.ctx.shapes:
            if meta is not None:  # a tuple or list of tensors
                raise Unsupported("it returns several tensors; a design layer returns one")
            return  # a size or other number: only flattening reshapes may use it
        converted = convert_call(node, self.ctx)
        if isinstance(converted, Passthrough):
            self.values[node] = self.values.get(converted.input, _BROKEN)
            return
        self._check_in_place(node, converted)
        if self._broken(node, converted.inputs):
            return
        scope = _scope(node)
        base = f"{scope}.{converted.stem}" if scope else converted.stem
        nid = self._unique(base)
        self.values[node] = self._add(nid, converted.type, converted.params, converted.inputs, scope, node)

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
            self.graph.add_edge(Edge(self.values[source], nid, port))
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
        line = _user_line(node.stack_trace)
        if line:
            parts.append(f"at {line}")
        return " ".join(parts) or "in the model's forward()"


def _scope(node: fx.Node) -> str:
    """The path of the module whose forward() made this call ("" for the model itself)."""
    stack = node.meta.get("nn_module_stack") or {}
    return list(stack.values())[-1][0] if stack else ""


def _user_line(stack_trace: str | None) -> str:
    """The model's own source line of a traced call ("torchvision/models/resnet.py:102: ...")."""
    if not stack_trace:
        return ""
    lines = stack_trace.strip().splitlines()
    found = ""
    for i, line in enumerate(lines):
        text = line.strip()
        if not text.startswith("File "):
            continue
        path = text.split('"')[1] if '"' in text else ""
        if "/torch/fx/" in path or path.endswith("torch/nn/modules/module.py"):
            continue
        number = text.split(", line ")[-1].split(",")[0]
        code = lines[i + 1].strip() if i + 1 < len(lines) else ""
        short = path.split("site-packages/")[-1]
        found = f"{short}:{number} ({code})" if code else f"{short}:{number}"
    return found


def _verify(result: ImportResult, label: str) -> list[str]:
    """Hold the design to PyTorch: valid, same shapes, same parameter count. Returns notes."""
    analysis = analyze(result.graph)
    problems = [str(issue) for issue in analysis.errors]
    for nid, traced in result.shapes.items():
        info = analysis.nodes[nid]
        if info.ok and info.output_shape != traced and result.graph.node(nid).type != "Output":
            problems.append(f"{nid}: Designer computes shape {list(info.output_shape)} where "
                            f"PyTorch gives {list(traced)}")
    used = {id(p): p for path in set(result.sources.values())
            for p in result.model.get_submodule(path).parameters()}
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
