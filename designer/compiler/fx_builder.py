"""Compile a design into a torch.fx GraphModule, built node by node (no tracing).

Each layer becomes a ``call_module`` of the torch.nn class the spec names; merges become
``call_function`` of operator.add / operator.mul / torch.cat; Inputs become placeholders
and the Output the graph's output. Node ids become readable Python identifiers, so that
``module.code`` reads like hand-written PyTorch. Only nodes that reach the Output are
emitted. A design with errors is refused with its issues; nothing is half-built.
"""

from __future__ import annotations

import builtins
import keyword
import operator
import re

import torch
import torch.fx as fx
from torch import nn

from ..analysis import Analysis, analyze
from ..core.graph import Graph
from ..layers import registry


class CompileError(ValueError):
    """The design has errors; ``issues`` lists them."""

    def __init__(self, issues) -> None:
        self.issues = list(issues)
        lines = "\n".join(f"  - {i}" for i in self.issues)
        super().__init__(f"the design has {len(self.issues)} error(s) and cannot be compiled:\n{lines}")


def identifier(name: str, taken: set[str]) -> str:
    """A valid, unused Python identifier made from a node id ("conv 1" -> "conv_1")."""
    text = re.sub(r"\W+", "_", name).strip("_") or "layer"
    if text[0].isdigit():
        text = f"layer_{text}"
    if keyword.iskeyword(text) or hasattr(builtins, text) or text in {"self", "torch", "nn", "operator"}:
        text = f"{text}_"
    base, n = text, 1
    while text in taken:
        n += 1
        text = f"{base}_{n}"
    taken.add(text)
    return text


def build_module(spec, resolved: dict, input_shapes) -> nn.Module:
    """The torch.nn module for one layer, with inferred sizes filled in."""
    cls = getattr(nn, spec.type)
    return cls(**spec.torch_kwargs(resolved, input_shapes))


def compile_design(graph: Graph, analysis: Analysis | None = None) -> fx.GraphModule:
    """Compile ``graph``; raises CompileError listing the issues when it has errors."""
    analysis = analysis or analyze(graph)
    if not analysis.valid:
        raise CompileError(analysis.errors)
    root = nn.Module()
    fx_graph = fx.Graph()
    values: dict[str, fx.Node] = {}
    taken: set[str] = set()
    names: dict[str, str] = {}
    result = None
    for nid in analysis.order:
        if nid not in analysis.live:
            continue
        info = analysis.nodes[nid]
        spec = registry.get(info.type)
        args = [values[src] for src in graph.predecessors(nid)]
        preferred = "x" if spec.torch_kind == "input" and len(analysis.inputs) == 1 else nid
        name = names[nid] = identifier(preferred, taken)
        if spec.torch_kind == "input":
            values[nid] = fx_graph.placeholder(name)
        elif spec.torch_kind == "output":
            result = args[0]
        elif spec.torch_kind == "function":
            values[nid] = _merge(fx_graph, info.type, args, name)
        else:
            root.add_module(name, build_module(spec, info.resolved, info.input_shapes))
            values[nid] = fx_graph.call_module(name, tuple(args))
            values[nid].name = name
    fx_graph.output(result)
    fx_graph.lint()
    module = fx.GraphModule(root, fx_graph, class_name=_class_name(graph.name))
    module.design_names = names  # node id -> attribute/variable name
    return module


def _merge(fx_graph: fx.Graph, kind: str, args: list[fx.Node], name: str) -> fx.Node:
    if kind == "Concat":
        node = fx_graph.call_function(torch.cat, (list(args),), {"dim": 1})
    else:
        op = operator.add if kind == "Add" else operator.mul
        node = args[0]
        for other in args[1:]:
            node = fx_graph.call_function(op, (node, other))
    node.name = name
    return node


def _class_name(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    text = "".join(w[:1].upper() + w[1:] for w in words) or "Network"
    return text if text[0].isalpha() else f"Net{text}"
