"""onnx2torch's module graph → the torch layers the catalog knows, before the import traces it.

onnx2torch converts an ONNX file operator by operator. Where ONNX has no operator for a
torch layer, or onnx2torch writes it as its own module, the design would get an opaque
Module call or several small nodes for one layer. These rewrites of the converted
fx.GraphModule put the torch layer back when the two compute the same thing:

- ``OnnxDropoutDynamic(x, ratio)`` with a constant ratio → ``nn.Dropout(ratio)``;
- ``OnnxHardSigmoid`` with alpha 1/6 and beta 1/2 (torch's definition) → ``nn.Hardsigmoid``;
- ONNX ``Identity`` (``OnnxCopyIdentity``) → ``nn.Identity``;
- ``x * sigmoid(x)`` (how torch exports SiLU before ONNX had an operator for it) → ``nn.SiLU``,
  under the Sigmoid's module name, so the node keeps its layer's scope.
"""

from __future__ import annotations

import math

import torch
import torch.fx as fx
from torch import nn


def catalog_layers(model: fx.GraphModule) -> None:
    """Apply every rewrite in place; the module computes the same as before."""
    changed = [rewrite(model) for rewrite in (_dropout, _hardsigmoid, _silu, _identity)]
    if any(changed):
        model.graph.eliminate_dead_code()
        model.delete_all_unused_submodules()
        model.recompile()


def _modules_of(model: fx.GraphModule, class_name: str):
    for node in list(model.graph.nodes):
        if node.op == "call_module" and type(model.get_submodule(node.target)).__name__ == class_name:
            yield node, model.get_submodule(node.target)


def _dropout(model: fx.GraphModule) -> bool:
    changed = False
    for node, _ in _modules_of(model, "OnnxDropoutDynamic"):
        p = _constant(model, node.args[1]) if len(node.args) > 1 else 0.5
        if p is None or node.kwargs or len(node.args) > 2:
            continue
        model.add_submodule(node.target, nn.Dropout(p=float(f"{p:.7g}")))
        node.args = node.args[:1]
        changed = True
    return changed


def _hardsigmoid(model: fx.GraphModule) -> bool:
    changed = False
    for node, layer in _modules_of(model, "OnnxHardSigmoid"):
        if math.isclose(layer.alpha, 1 / 6, rel_tol=1e-6) and layer.beta == 0.5:
            model.add_submodule(node.target, nn.Hardsigmoid())
            changed = True
    return changed


def _identity(model: fx.GraphModule) -> bool:
    """ONNX Identity (onnx2torch copies the tensor) → nn.Identity, the catalog's Identity."""
    changed = False
    for node, _ in _modules_of(model, "OnnxCopyIdentity"):
        model.add_submodule(node.target, nn.Identity())
        changed = True
    return changed


def _silu(model: fx.GraphModule) -> bool:
    changed = False
    for node, _ in _modules_of(model, "Sigmoid"):
        users = list(node.users)
        if len(users) != 1 or users[0].op != "call_module":
            continue
        mul = users[0]
        layer = model.get_submodule(mul.target)
        x = node.args[0] if len(node.args) == 1 else None
        if (type(layer).__name__ != "OnnxBinaryMathOperation" or layer.math_op_function is not torch.mul
                or getattr(layer, "broadcast", None) == 1 or set(mul.args) != {x, node} or mul.kwargs):
            continue
        model.add_submodule(node.target, nn.SiLU())
        mul.replace_all_uses_with(node)
        model.graph.erase_node(mul)
        changed = True
    return changed


def _constant(model: fx.GraphModule, arg) -> float | None:
    """The value of a scalar constant argument (an initializer or an ONNX Constant node)."""
    if getattr(arg, "op", None) == "get_attr":
        value = model.get_buffer(arg.target)
    elif getattr(arg, "op", None) == "call_module" and not arg.args:
        value = getattr(model.get_submodule(arg.target), "value", None)
    else:
        return None
    return float(value.item()) if value is not None and value.numel() == 1 else None
