"""Python control flow on tensor sizes, decided while tracing.

A design is imported for one input size, and every shape in it is fixed. So when a model's
forward() branches on sizes (``if H != self.img_size[0]:`` in CrossViT, MobileViT's patch
folding), the branch that input size takes can be decided once, at import, exactly as the
model decides it when it runs: the condition is computed from the traced graph so far on an
example input, and the tracer follows that branch. This is only done when the condition is
provably a function of sizes alone (shapes, ``size()``, ``dim()``, arithmetic and comparisons
on them) and gives the same answer for two batch sizes; a branch on tensor values, or on the
batch size, is still refused with fx's own error.
"""

from __future__ import annotations

import operator
from typing import Any

import torch
import torch.fx as fx
from torch.fx.proxy import TraceError

#: Reading these from a tensor gives a size, whatever the tensor's values.
_SIZE_METHODS = {"size", "dim", "numel", "ndimension", "nelement"}
_SIZE_ATTRIBUTES = {"shape", "ndim"}
#: Arithmetic and comparisons that keep a value a function of sizes.
_SIZE_FUNCTIONS = {getattr(operator, n) for n in (
    "getitem", "eq", "ne", "lt", "le", "gt", "ge", "add", "sub", "mul", "floordiv", "truediv", "mod",
    "pow", "neg", "not_", "and_", "or_", "xor", "contains", "abs")} | {len, min, max, abs, bool, int}
#: node.meta key of a size the model computed when it was traced at batch 2 (importer).
SIZE_VALUE = "designer_size_value"
#: node.meta key of a module call's tuple result (tensors as their shapes), and of a constant
#: item of it that was checked not to depend on the batch (import_convert).
TUPLE_VALUE = "designer_tuple_value"
CONSTANT = "designer_constant"
#: Example batch sizes the condition is computed at; they must agree.
_BATCHES = (2, 3)


class SizeDecider:
    """Decides, for one traced root and input shape, the value of a size-only condition."""

    def __init__(self, input_shape: tuple[int, ...], defaults: dict[str, Any]) -> None:
        self.input_shape, self.defaults = tuple(input_shape), dict(defaults)
        #: (file:line or "", value) of every decision taken, for the import notes.
        self.decisions: list[tuple[str, bool]] = []

    def decide(self, tracer: fx.Tracer, node: fx.Node) -> bool:
        """The boolean value of ``node``; TraceError when it is not a function of sizes."""
        why = _not_size_only(node)
        if why:
            raise TraceError(f"symbolically traced variables cannot be used as inputs to control "
                             f"flow ({why})")
        values = [bool(self._value(tracer, node, batch)) for batch in _BATCHES]
        if values[0] != values[1]:
            raise TraceError("symbolically traced variables cannot be used as inputs to control flow "
                             "(the branch depends on the batch size)")
        self.decisions.append((_line(node), values[0]))
        return values[0]

    def _value(self, tracer: fx.Tracer, node: fx.Node, batch: int) -> Any:
        """Run the part of the traced graph that ``node`` depends on, on an example input."""
        wanted = _ancestors(node)
        graph = fx.Graph()
        env: dict[fx.Node, fx.Node] = {}
        for old in tracer.graph.nodes:
            if old in wanted:
                env[old] = graph.node_copy(old, lambda n: env[n])
        graph.output(env[node])
        tracer.evaluating = True  # fx's patches of Module.__call__ / __getattr__ pass through
        try:
            return self._run(fx.GraphModule(tracer.root, graph), graph, batch)
        finally:
            tracer.evaluating = False

    def _run(self, module: fx.GraphModule, graph: fx.Graph, batch: int) -> Any:
        inputs = []
        for placeholder in (n for n in graph.nodes if n.op == "placeholder"):
            name = str(placeholder.target).lstrip("*")
            inputs.append(self.defaults[name] if name in self.defaults
                          else torch.zeros(batch, *self.input_shape))
        with torch.no_grad():
            return module(*inputs)


def static_size(value: Any) -> Any:
    """``value`` itself, or the int a traced size node always has for the imported input size
    (it reads sizes only, never the batch's); None when it may vary."""
    if not isinstance(value, fx.Node):
        return value
    if CONSTANT in value.meta:
        return value.meta[CONSTANT]
    size = value.meta.get(SIZE_VALUE)
    if size is None or _not_size_only(value) or _reads_batch(value):
        return None
    return tuple(size) if isinstance(size, torch.Size) else size


def _reads_batch(node: fx.Node) -> bool:
    """True when a size computation may read the batch size (shape[0], size(0), numel())."""
    for n in _size_computation(node):
        if n.op == "call_method" and n.target in ("numel", "nelement"):
            return True
        if n.op == "call_method" and n.target == "size" and len(n.args) > 1:
            dim, rank = n.args[1], _rank(n.args[0])
            if not isinstance(dim, int) or rank is None or dim % rank == 0:
                return True
        if n.op == "call_function" and n.target is operator.getitem and isinstance(n.args[0], fx.Node):
            src, index = n.args
            sized = src.op == "call_method" and src.target == "size" and len(src.args) == 1 or \
                src.op == "call_function" and src.target is getattr and src.args[1] == "shape"
            if sized and 0 in _positions(index, src.meta.get(SIZE_VALUE)):
                return True
    return False


def _positions(index: Any, shape: Any) -> range | list:
    """The axes of ``shape`` that ``shape[index]`` reads (all of them when unknown)."""
    if not isinstance(shape, torch.Size):
        return [0]
    try:
        picked = range(len(shape))[index]
    except (TypeError, IndexError):
        return [0]
    return picked if isinstance(picked, range) else [picked]


def _rank(node: Any) -> int | None:
    meta = node.meta.get("tensor_meta") if isinstance(node, fx.Node) else None
    return len(meta.shape) if hasattr(meta, "shape") else None


def _ancestors(node: fx.Node) -> set[fx.Node]:
    seen, stack = set(), [node]
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(n.all_input_nodes)
    return seen


def _not_size_only(node: fx.Node) -> str:
    """Why ``node``'s value may depend on tensor values ("" when it depends on sizes only)."""
    for n in _size_computation(node):
        if CONSTANT not in n.meta and not _reads_size(n) and not (n.op == "call_function" and (
                _hashable_in(n.target, _SIZE_FUNCTIONS) or getattr(n.target, "__module__", None) == "math")):
            return f"it reads the values of '{n.name}'"
    return ""


def _reads_size(n: fx.Node) -> bool:
    return (n.op == "call_method" and n.target in _SIZE_METHODS
            or n.op == "call_function" and n.target is getattr and n.args[1] in _SIZE_ATTRIBUTES)


def _size_computation(node: fx.Node) -> list[fx.Node]:
    """The nodes computing ``node``, stopping at the tensors whose sizes are read."""
    stack, seen, found = [node], set(), []
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        found.append(n)
        if CONSTANT in n.meta:
            continue  # a size a kept-whole module returned, checked not to depend on the batch
        if _reads_size(n):
            stack.extend(n.all_input_nodes[1:])  # size(dim): the dim may be computed
        elif n.op == "call_function":
            stack.extend(n.all_input_nodes)
    return found


def is_size(value) -> bool:
    """An int, or a list / tuple of ints (a map size)."""
    if isinstance(value, (list, tuple, torch.Size)):
        return all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return isinstance(value, int) and not isinstance(value, bool)


def as_list(value):
    return list(value) if isinstance(value, (list, tuple, torch.Size)) else value


def fold_sizes(node: fx.Node) -> None:
    """Replace, in a call's arguments, each size the model computes (``x.shape[2] // 2``) by
    the constant it is for the imported input size (never the batch size: that stays a node)."""
    def fold(arg: fx.Node):
        if "tensor_meta" in arg.meta and SIZE_VALUE not in arg.meta:
            return arg  # a tensor
        size = static_size(arg)
        return arg if size is None else size

    args, kwargs = fx.node.map_arg(node.args, fold), fx.node.map_arg(node.kwargs, fold)
    if args != node.args or kwargs != node.kwargs:
        node.args, node.kwargs = args, kwargs


def _hashable_in(target, table: set) -> bool:
    try:
        return target in table
    except TypeError:
        return False


def _line(node: fx.Node) -> str:
    from .import_report import user_line

    return user_line(node.stack_trace) if node.stack_trace else ""
