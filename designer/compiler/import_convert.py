"""The importer's conversion pass: walks a traced model once, turning each fx node into a
catalog node (or a marker: a parameter read directly, several results), and collects every
operation without an exact equivalent as an UnsupportedOp located at the model's own line.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import torch
import torch.fx as fx
from torch import nn

from ..core.graph import Edge, Graph, Node
from . import import_zoo
from .import_calls import callable_name, convert_call
from .import_groups import kind_of
from .import_moves import pieces_call
from .import_opaque import opaque_params
from .import_ops import (Context, Layer, ParamRef, Passthrough, Pieces, Unsupported, class_name,
                         convert_module, finish, module_table)
from .import_report import UnsupportedOp, user_line
from .import_sizes import CONSTANT, TUPLE_VALUE, as_list, fold_sizes, is_size, static_size
from .opaque_calls import is_plain, template

BROKEN = object()  # the value of a node that could not be converted


class Converter:
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
        #: module call node -> index of the tensor in its tuple result (the rest are sizes).
        self.tuple_outputs: dict[fx.Node, int] = {}
        #: model tensor path -> the ClassToken node that puts it in front of the tokens.
        self.class_tokens: dict[str, str] = {}

    def run(self) -> None:
        for node in self.traced.graph.nodes:
            try:
                self._convert(node)
            except (Unsupported, TypeError, ValueError) as exc:
                if not isinstance(exc, Unsupported):  # a converter could not read an argument
                    exc = Unsupported(f"its arguments could not be read ({type(exc).__name__}: {exc})")
                line = "" if node.op == "call_module" else user_line(node.stack_trace)
                scope = node.target if node.op == "call_module" else _scope(node)
                kind = kind_of(type(self.root.get_submodule(scope))) if scope else ""
                refs = [self.values[a] for a in node.all_input_nodes if isinstance(self.values.get(a), ParamRef)]
                why = self._operands(node) + str(exc) + "".join(f"; it reads the model's tensor '{r.target}' "
                                         f"({'×'.join(map(str, r.shape))}) directly" for r in refs)
                self.problems.append(UnsupportedOp(self._what(node), self._where(node), why,
                                                   scope, kind, line))
                self.values[node] = self._stand_in(node, scope)

    def _stand_in(self, node: fx.Node, scope: str):
        """A placeholder for an unsupported operation's result, so that the rest of the model
        is still converted and every problem found in one pass (the design is discarded)."""
        if node not in self.ctx.shapes or node.op == "output":
            return BROKEN
        return self._add(self._unique("unsupported"), "Identity", {}, [], scope, None)

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
        try:
            learnable = isinstance(self.root.get_parameter(node.target), nn.Parameter)
        except AttributeError:  # a buffer, or a tensor constant fx made while tracing
            learnable = False
        self.values[node] = ParamRef(node.target, tuple(shape), learnable=learnable)

    def _output(self, node: fx.Node) -> None:
        result = node.args[0]
        if self.ctx.shape(result) is None:
            raise Unsupported(f"the model returns {type(result).__name__} instead of one tensor")
        if self.values.get(result, BROKEN) is BROKEN:
            return
        self._add(self._unique("output"), "Output", {}, [result], "", None)

    def _module(self, node: fx.Node) -> None:
        module = self.root.get_submodule(node.target)
        count = self.calls[node.target] = self.calls.get(node.target, 0) + 1
        if count > 1 and any(True for _ in module.parameters()):
            raise Unsupported(f"this module is called {count} times, sharing its weights; "
                              f"each design layer has weights of its own")
        if isinstance(module, nn.MultiheadAttention) and type(module) not in module_table():
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
        tuple_result = node in self.tuple_outputs  # its traced shape is that of the tuple's tensor
        self.values[node] = self._add(nid, layer.type, layer.params, layer.inputs, scope,
                                      None if tuple_result else node)
        if tuple_result:
            self.traced_shapes[nid] = tuple(layer.params["output_shape"])
        self.sources[nid] = node.target

    def _opaque(self, module: nn.Module, node: fx.Node) -> Layer:
        try:
            out_shape, output, constants = self._opaque_result(node)
            tensors: list[fx.Node] = []
            args, kwargs = self._constants(node.args), self._constants(node.kwargs)
            if _defaults_only(module, kwargs):
                kwargs = {}

            def tensor_index(value):
                if not isinstance(value, fx.Node):
                    return None
                if value not in tensors:
                    tensors.append(value)
                return tensors.index(value)

            try:
                call = template(args, kwargs, tensor_index)
            except TypeError as exc:
                raise Unsupported(f"it is passed a constant that cannot be written in a design: {exc}") from None
            if not tensors:
                raise Unsupported("it is called without a tensor")
            shapes = [self.ctx.shape(t)[1:] for t in tensors]
            call = {} if is_plain(call) and output is None else call
            if output is not None:
                call["output"] = output
            params = opaque_params(module, shapes, out_shape[1:], call, constants)
            if output is not None:
                self._tuple_items(node, output, constants)
            return Layer("ModuleCall", params, tensors)
        except Unsupported as exc:
            why = f"kept whole, {exc}"
        self.failed_opaque[node.target] = why
        raise Unsupported(why)

    def _opaque_result(self, node: fx.Node):
        """(traced output shape, index of the tensor in a tuple result or None, the tuple's
        other items) of a module call; Unsupported unless it returns one tensor, or a tuple
        of one tensor and sizes (MViTv2's ``x, feat_size = block(x, feat_size)``)."""
        if self.ctx.shape(node) is not None:
            return self.ctx.shape(node), None, []
        items = node.meta.get(TUPLE_VALUE)
        tensors = [i for i, (is_tensor, _) in enumerate(items or ()) if is_tensor]
        if len(tensors) != 1 or not all(is_size(v) for is_tensor, v in items if not is_tensor):
            raise Unsupported("it returns other than one tensor (or one tensor and sizes)")
        k = tensors[0]
        return items[k][1], k, [as_list(v) for i, (_, v) in enumerate(items) if i != k]

    def _tuple_items(self, node: fx.Node, output: int, constants: list) -> None:
        """The items taken from a kept-whole module's tuple: the tensor is the node itself, the
        sizes (checked not to depend on the batch) are constants for whoever reads them."""
        self.tuple_outputs[node] = output
        others = iter(constants)
        items = {i: next(others) for i in range(len(constants) + 1) if i != output}
        for user in node.users:
            if user.target is operator.getitem and user.args[1] in items:
                value = items[user.args[1]]
                user.meta[CONSTANT] = tuple(value) if isinstance(value, list) else value

    def _constants(self, value):
        """A module call's arguments with every computed size replaced by its constant value;
        Unsupported for any other value that is not a tensor the design computes."""
        def constant(arg: fx.Node):
            if self.ctx.shape(arg) is not None:
                return arg
            ref = self.values.get(arg)
            if isinstance(ref, ParamRef):
                raise Unsupported(f"it is passed the model's tensor '{ref.target}' directly")
            if isinstance(ref, Pieces):
                raise Unsupported("it is passed several results of one operation at once")
            size = static_size(arg)
            if size is None:
                raise Unsupported(f"it is passed '{arg.name}', a value computed while the model runs")
            return size
        return fx.node.map_arg(value, constant)

    def _call(self, node: fx.Node) -> None:
        if node not in self.ctx.shapes and node.target not in _SEVERAL:
            if node.meta.get("tensor_meta") is not None:  # a tuple or list of tensors
                raise Unsupported("it returns several tensors; a design layer returns one")
            return  # a size or other number: only reshapes may use it
        if any(self.values.get(a) is BROKEN for a in node.all_input_nodes):
            self.values[node] = self._stand_in(node, _scope(node))
            return
        fold_sizes(node)
        if node.target not in _CATS:
            for a in node.all_input_nodes:
                self._class_token_value(a)
        if node.target is operator.getitem and node.args[0] in self.tuple_outputs:
            if node.args[1] != self.tuple_outputs[node.args[0]]:
                raise Unsupported(f"it takes item {node.args[1]!r} of a kept-whole module's results")
            self.values[node] = self.values.get(node.args[0], BROKEN)
            return
        several = [self.values[a] for a in node.all_input_nodes if isinstance(self.values.get(a), Pieces)]
        if several and node.target is not operator.getitem:
            converted = pieces_call(node, self.ctx, several[0])
        else:
            converted = convert_call(node, self.ctx)
        if isinstance(converted, (Pieces, ParamRef)):
            self.values[node] = converted
            return
        if isinstance(converted, Passthrough):
            self.values[node] = self.values.get(converted.input, BROKEN)
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
            if layer.type == "ClassToken":
                self.class_tokens[layer.id] = nid
        self.values[node] = value

    def _class_token_value(self, value: fx.Node) -> None:
        """A class token expanded over the batch and used as a tensor (CaiT's class-attention
        blocks add to it) after a ClassToken layer put it in front of the tokens: it is that
        layer's first tokens, a Slice of its output (the same numbers)."""
        ref = self.values.get(value)
        if not isinstance(ref, ParamRef) or not ref.expanded or ref.target not in self.class_tokens:
            return
        token = self.class_tokens[ref.target]
        params = {"dim": 1, "start": 0, "end": ref.shape[1], "step": 1}
        nid = self._unique(f"{token}_tokens")
        self._add(nid, "Slice", finish("Slice", params), [_Placed(token)], self.scopes.get(token, ""), None)
        self.values[value] = nid
        self.traced_shapes[nid] = self.ctx.shape(value)[1:]

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
        if any(self.values.get(i, BROKEN) is BROKEN for i in inputs):
            self.values[node] = self._stand_in(node, _scope(node))
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

    def _operands(self, node: fx.Node) -> str:
        """"on 4×8×8: " — the per-sample shapes of the tensors an unsupported call receives."""
        if node.op == "call_module":
            return ""
        shapes = [self.ctx.shape(a) for a in node.all_input_nodes if self.ctx.shape(a) is not None]
        return "on " + " and ".join("×".join(map(str, s[1:])) or "scalar" for s in shapes) + ": " if shapes else ""

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
_SEVERAL = {"chunk", "split", "unbind", "max", torch.chunk, torch.split, torch.unbind, torch.max}
_CATS = {torch.cat, torch.concat, torch.concatenate}


@dataclass(frozen=True)
class _Placed:
    """An input that is already a design node (the previous layer of a chain)."""

    id: str


def _scope(node: fx.Node) -> str:
    """The path of the module whose forward() made this call ("" for the model itself)."""
    stack = node.meta.get("nn_module_stack") or {}
    return list(stack.values())[-1][0] if stack else ""


def _defaults_only(module: nn.Module, kwargs: dict) -> bool:
    """True when every keyword argument of a module call is the forward() default (timm's
    ``attn(x, attn_mask=None)``): the call means the same without them."""
    import inspect

    if not kwargs:
        return True
    try:
        params = inspect.signature(module.forward).parameters
    except (TypeError, ValueError):
        return False
    for key, value in kwargs.items():
        if key not in params or isinstance(value, fx.Node):
            return False
        default = params[key].default
        if default is not value and not (type(default) is type(value) and default == value):
            return False
    return True
