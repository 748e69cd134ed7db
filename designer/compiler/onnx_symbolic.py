"""Layers that keep their own ONNX operator on export, so that the file says what the design
says and comes back as the same layer (``designer import model.onnx``).

torch's TorchScript exporter records what a layer's forward() runs. Two catalog layers lose
their identity that way: LocalResponseNorm is a Python function (``F.local_response_norm``)
that is recorded as ~50 shape/pad/pool/If operators, and Dropout is left out of an inference
graph altogether. Both have an ONNX operator of their own (``LRN``, ``Dropout``, an identity
when evaluating), which onnxruntime runs and onnx2torch converts back to the torch layer; a
``torch.autograd.Function`` with a ``symbolic`` method is the exporter's documented way to
emit it. Other layers that are the identity when evaluating (StochasticDepth, Dropout2d)
are written as an ``Identity`` node in their layer's scope.
"""

from __future__ import annotations

import torch
import torch.fx as fx
from torch import nn


class _LRN(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, size: int, alpha: float, beta: float, k: float):
        return nn.functional.local_response_norm(x, size, alpha, beta, k)

    @staticmethod
    def symbolic(g, x, size: int, alpha: float, beta: float, k: float):
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)


class _EvalDropout(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, p: float):
        return x.clone()

    @staticmethod
    def symbolic(g, x, p: float):
        ratio = g.op("Constant", value_t=torch.tensor(p, dtype=torch.float32))
        return g.op("Dropout", x, ratio)


class _EvalIdentity(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def symbolic(g, x):
        return g.op("Identity", x)


class OnnxIdentity(nn.Module):
    """A layer that is the identity when evaluating (StochasticDepth, Dropout2d) as one ONNX
    ``Identity`` node, so that the file still has a node where the design has the layer."""

    def forward(self, x):
        return _EvalIdentity.apply(x)


#: Layers (by class name) that compute the identity in evaluation mode, ONNX has no
#: operator for, and come back from their Identity node through the design's metadata.
EVAL_IDENTITIES = ("StochasticDepth", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                   "FeatureAlphaDropout")


class OnnxLRN(nn.Module):
    """nn.LocalResponseNorm that exports as one ONNX ``LRN`` node."""

    def __init__(self, layer: nn.LocalResponseNorm) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = layer.size, layer.alpha, layer.beta, layer.k

    def forward(self, x):
        return _LRN.apply(x, self.size, self.alpha, self.beta, self.k)


class OnnxDropout(nn.Module):
    """nn.Dropout (evaluation: identity) that exports as one ONNX ``Dropout`` node."""

    def __init__(self, layer: nn.Dropout) -> None:
        super().__init__()
        self.p = layer.p

    def forward(self, x):
        return _EvalDropout.apply(x, self.p)


def lrn_matches_onnx(layer: nn.LocalResponseNorm) -> bool:
    """ONNX pads the channel window by (size-1)//2 before, torch by size//2: equal for odd sizes."""
    return layer.size % 2 == 1


class _Slot:
    def __init__(self, index: int) -> None:
        self.index = index


class ScopedCall(nn.Module):
    """One function call of the design (a merge such as Add or Concat, a tensor op) as a
    module, so that the exporter scopes its ONNX nodes by the layer's name ("/layer1_0_add/Add")
    as it does for modules; otherwise they would be anonymous ("/Add_3")."""

    def __init__(self, node: fx.Node) -> None:
        super().__init__()
        self.op, self.target = node.op, node.target
        slots: list[fx.Node] = []

        def slot(arg: fx.Node) -> _Slot:
            slots.append(arg)
            return _Slot(len(slots) - 1)

        self.template = fx.node.map_arg((node.args, node.kwargs), slot)
        self.inputs = slots

    def forward(self, *tensors):
        args, kwargs = fx.node.map_aggregate(
            self.template, lambda a: tensors[a.index] if isinstance(a, _Slot) else a)
        if self.op == "call_method":
            return getattr(args[0], self.target)(*args[1:], **kwargs)
        return self.target(*args, **kwargs)


def with_onnx_forms(module: fx.GraphModule) -> fx.GraphModule:
    """A copy of ``module`` (same weights, shared) whose LRN and Dropout layers export as
    their own ONNX operators and whose function calls are scoped by their names; the
    original is left as it is."""
    graph = fx.Graph()
    graph.output(graph.graph_copy(module.graph, {}))
    copy = fx.GraphModule(module, graph)
    for node in list(copy.graph.nodes):
        if node.op in ("call_function", "call_method") and not hasattr(copy, node.name):
            call = ScopedCall(node)
            copy.add_submodule(node.name, call)
            with copy.graph.inserting_after(node):
                scoped = copy.graph.call_module(node.name, tuple(call.inputs))
            node.replace_all_uses_with(scoped)
            copy.graph.erase_node(node)
    copy.recompile()
    for name, layer in list(copy.named_children()):
        if isinstance(layer, nn.LocalResponseNorm) and lrn_matches_onnx(layer):
            setattr(copy, name, OnnxLRN(layer))
        elif type(layer) is nn.Dropout:
            setattr(copy, name, OnnxDropout(layer))
        elif type(layer).__name__ in EVAL_IDENTITIES:
            setattr(copy, name, OnnxIdentity())
    return copy.eval()
