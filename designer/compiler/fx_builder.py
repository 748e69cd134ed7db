"""Compile a design into a torch.fx GraphModule, built node by node (no tracing).

Everything comes from the layer's catalog entry (LayerSpec), with no per-type branch: a
layer becomes a ``call_module`` of the torch.nn class the spec names, a "call" entry one
``call_function``/``call_method`` of its ``torch_call`` target, and a merge its target
applied to the inputs (folded, a + b + c, or as one list, torch.cat([a, b], dim=1)); Inputs
become placeholders and the Output the graph's output. Node ids become readable Python
identifiers, so that ``module.code`` reads like hand-written PyTorch. Only nodes that reach the Output are
emitted. A design with errors is refused with its issues; nothing is half-built.
"""

from __future__ import annotations

import builtins
import keyword
import operator
import re
import unicodedata

import torch.fx as fx
from torch import nn

from ..analysis import Analysis, analyze
from ..analysis.issues import error
from ..core.graph import Graph
from ..layers import registry
from .opaque_calls import fill
from .targets import TargetError, call_target, module_class, opaque_module


class CompileError(ValueError):
    """The design has errors; ``issues`` lists them."""

    def __init__(self, issues) -> None:
        self.issues = list(issues)
        lines = "\n".join(f"  - {i}" for i in self.issues)
        super().__init__(f"the design has {len(self.issues)} error(s) and cannot be compiled:\n{lines}")


def _reserved_names() -> frozenset[str]:
    """Names a layer may not take: Python's, the generated code's globals, and every
    attribute of a GraphModule (``nn.Module.add_module`` refuses "forward", "training"...)."""
    names = set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins))
    names |= {"self", "torch", "nn", "operator", "math", "inf", "nan", "device", "NoneType",
              "fx_pytree", "pytree", "wrap", "build", "design_names"}
    empty = fx.GraphModule(nn.Module(), fx.Graph())
    names |= set(dir(type(empty))) | set(vars(empty))
    return frozenset(names)


RESERVED = _reserved_names()


def identifier(name: str, taken: set[str]) -> str:
    """A valid, unused ASCII Python identifier made from a node id ("conv 1" -> "conv_1",
    "layer1.0.conv1" -> "layer1_0_conv1", "2nd" -> "layer_2nd", "class" -> "class_")."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^0-9A-Za-z]+", "_", ascii_text).strip("_") or "layer"
    if text[0].isdigit():
        text = f"layer_{text}"
    if text in RESERVED:
        text = f"{text}_"
    base, n = text, 1
    while text in taken:
        n += 1
        text = f"{base}_{n}"
    taken.add(text)
    return text


def live_order(analysis: Analysis) -> list[str]:
    """The nodes the model runs, in topological order (dead-end branches are left out)."""
    return [nid for nid in analysis.order if nid in analysis.live]


def design_names(analysis: Analysis) -> dict[str, str]:
    """Node id -> the attribute / variable name used for it, shared by every code generator
    so that a compiled module and an exported one have interchangeable state_dicts. A single
    Input is called ``x``, as in hand-written code."""
    taken: set[str] = set()
    names = {}
    for nid in live_order(analysis):
        kind = registry.get(analysis.nodes[nid].type).torch_kind
        names[nid] = identifier("x" if kind == "input" and len(analysis.inputs) == 1 else nid, taken)
    return names


def build_module(spec, resolved: dict, input_shapes) -> nn.Module:
    """The torch.nn module for one layer, with inferred sizes filled in."""
    if spec.torch_kind == "opaque":
        return opaque_module(resolved)
    cls = module_class(spec)
    return cls(**spec.torch_kwargs(resolved, input_shapes))


def _call(fx_graph: fx.Graph, spec, info, args: list[fx.Node], name: str, taken: set[str]) -> fx.Node:
    """A catalog "call" entry as one call_function / call_method node; a merge ("function")
    as its target applied to the inputs as one list, or folded left to right (a chain of
    nodes for three inputs or more, the last one named ``name``)."""
    target, constants, kwargs = spec.torch_call(info.resolved, info.input_shapes)
    op, fn = call_target(target)
    if spec.torch_kind == "function" and spec.merge_inputs == "list":
        args = [list(args)]
    elif spec.torch_kind == "function":
        node = args[0]
        for i, other in enumerate(args[1:], start=1):
            step = name if i == len(args) - 1 else identifier(f"{name}_{i}", taken)
            node = fx_graph.create_node(op, fn, (node, other, *constants), dict(kwargs), name=step)
        return node
    return fx_graph.create_node(op, fn, (*args, *constants), dict(kwargs), name=name)


def compile_design(graph: Graph, analysis: Analysis | None = None) -> fx.GraphModule:
    """Compile ``graph``; raises CompileError listing the issues when it has errors."""
    analysis = analysis or analyze(graph)
    _check_compilable(analysis)
    names = design_names(analysis)
    taken = set(names.values())
    root = nn.Module()
    fx_graph = fx.Graph()
    values: dict[str, fx.Node] = {}
    result = None
    for nid in live_order(analysis):
        info = analysis.nodes[nid]
        spec = registry.get(info.type)
        args = [values[src] for src in graph.predecessors(nid)]
        name = names[nid]
        if spec.torch_kind == "input":
            values[nid] = fx_graph.placeholder(name)
        elif spec.torch_kind == "output":
            result = args[0]
        elif spec.torch_kind in ("function", "call"):
            values[nid] = _call(fx_graph, spec, info, args, name, taken)
        elif spec.torch_kind in ("module", "opaque"):
            try:
                layer = build_module(spec, info.resolved, info.input_shapes)
            except TargetError as exc:  # an opaque module whose class cannot be rebuilt here
                raise CompileError([error("module-call", f"{info.type} {nid}: {exc}", nid)]) from None
            root.add_module(name, layer)
            call_args, call_kwargs = (tuple(args), {}) if spec.torch_kind != "opaque" else \
                fill(info.resolved["call"], args)  # a module kept whole, called as it was
            values[nid] = fx_graph.create_node("call_module", name, call_args, call_kwargs, name=name)
            if spec.torch_kind == "opaque" and "output" in info.resolved["call"]:  # (tensor, sizes)
                values[nid] = fx_graph.call_function(operator.getitem, (values[nid], info.resolved["call"]["output"]))
        else:  # LayerSpec refuses other kinds; a spec changed after the fact lands here
            raise CompileError([error("unknown-kind", f"{info.type} {nid}: the catalog does not say how "
                                      f"to compile torch_kind {spec.torch_kind!r}", nid)])
    fx_graph.output(result)
    fx_graph.on_generate_code(lambda previous: _drop_free_statements)
    fx_graph.lint()
    module = fx.GraphModule(root, fx_graph, class_name=_class_name(graph.name))
    module.design_names = names  # node id -> attribute/variable name
    return module


def _check_compilable(analysis: Analysis) -> None:
    if not analysis.valid:
        raise CompileError(analysis.errors)
    if len(analysis.outputs) != 1 or not analysis.inputs:
        raise CompileError([error("no-output", "The design is empty: add an Input, the layers "
                                  "and an Output, and connect them.")])


#: The ";  conv1 = None" torch.fx appends to free values early: noise in code meant to be read.
#: Without it a no-grad forward keeps each layer output until it returns, which is still less
#: than training keeps for backward (the memory estimate's figure).
_FREE_STATEMENT = re.compile(r";  (?:\w+ = )+None\n")


def _drop_free_statements(body: list[str]) -> list[str]:
    return ["\n" if _FREE_STATEMENT.fullmatch(part) else part for part in body]


def _class_name(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    text = "".join(w[:1].upper() + w[1:] for w in words) or "Network"
    if not text[0].isalpha():
        text = f"Net{text}"
    return f"{text}Net" if keyword.iskeyword(text) or text in RESERVED else text
