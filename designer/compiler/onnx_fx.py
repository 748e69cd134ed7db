"""onnx2torch's module graph → the torch layers the catalog knows, before the import traces it.

onnx2torch converts an ONNX file operator by operator. Where ONNX has no operator for a
torch layer, or onnx2torch writes it as its own module, the design would get an opaque
Module call or several small nodes for one layer. These rewrites of the converted
fx.GraphModule put the torch layer back when the two compute the same thing:

- ``OnnxDropoutDynamic(x, ratio)`` with a constant ratio → ``nn.Dropout(ratio)``;
- ``OnnxHardSigmoid`` with alpha 1/6 and beta 1/2 (torch's definition) → ``nn.Hardsigmoid``;
- ONNX ``Identity`` (``OnnxCopyIdentity``) → ``nn.Identity``;
- ``x * (erf(x / √2) + 1) * 0.5`` (torch's export of GELU at opset 17) → ``nn.GELU``;
- ``MatMul(x, W)`` (+ ``b``) with constant W, b (torch's export of a Linear on more than two
  axes, e.g. channel-last maps or tokens) → ``nn.Linear``;
- ``x * g`` with a constant tensor g (a layer scale) → a module holding g as a parameter;
- ``OnnxSlice`` with constant starts, ends, axes and positive steps → ``x[a:b, ...]``, which
  fx can trace (onnx2torch computes the slices from tensors inside forward);
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
    rewrites = (_dropout, _hardsigmoid, _silu, _gelu, _identity, _slice, _linear, _scale)
    changed = [rewrite(model) for rewrite in rewrites]
    if any(changed):
        model.graph.eliminate_dead_code()
        model.delete_all_unused_submodules()
        _drop_unused_initializers(model)
        model.recompile()
    model._register_state_dict_hook(_drop_integer_constants)


def _drop_integer_constants(module, state_dict, prefix, local_metadata) -> None:
    """Integer tensors (the shapes, axes and indices ONNX passes as constants) are not
    weights: the design holds them as parameters, so they stay out of the state_dict that
    is copied into it."""
    for key in [k for k, v in state_dict.items() if k.startswith(prefix) and isinstance(v, torch.Tensor)
                and not v.is_floating_point() and not v.is_complex() and not k.endswith("num_batches_tracked")]:
        del state_dict[key]


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


def _is_math(model: fx.GraphModule, node, name: str) -> bool:
    if getattr(node, "op", None) != "call_module" or node.kwargs:
        return False
    layer = model.get_submodule(node.target)
    return (type(layer).__name__ == "OnnxBinaryMathOperation" and getattr(layer, "broadcast", None) != 1
            and getattr(layer.math_op_function, "__name__", "") == name)


def _only_user(node):
    users = list(node.users)
    return users[0] if len(users) == 1 else None


def _other(model: fx.GraphModule, node, this) -> float | None:
    """The constant that binary ``node`` combines with ``this``."""
    args = list(node.args)
    if len(args) != 2 or this not in args:
        return None
    args.remove(this)
    return _constant(model, args[0])


def _gelu(model: fx.GraphModule) -> bool:
    changed = False
    for erf, _ in _modules_of(model, "OnnxErf"):
        div = erf.args[0] if len(erf.args) == 1 else None
        if not _is_math(model, div, "_onnx_div") or len(div.args) != 2:
            continue
        x = div.args[0]
        add = _only_user(erf)
        mul = _only_user(add) if add is not None else None
        half = _only_user(mul) if mul is not None else None
        if not (_is_math(model, add, "add") and _is_math(model, mul, "mul") and _is_math(model, half, "mul")
                and _close(_constant(model, div.args[1]), math.sqrt(2)) and _close(_other(model, add, erf), 1.0)
                and set(mul.args) == {x, add} and _close(_other(model, half, mul), 0.5)):
            continue
        model.add_submodule(half.target, nn.GELU())
        half.args = (x,)
        changed = True
    return changed


def _close(value: float | None, want: float) -> bool:
    return value is not None and math.isclose(value, want, rel_tol=1e-6)


def _tensor(model: fx.GraphModule, arg) -> torch.Tensor | None:
    """The float tensor an initializer argument holds (None for anything else)."""
    if getattr(arg, "op", None) != "get_attr":
        return None
    value = model.get_buffer(arg.target)
    return value if value.is_floating_point() else None


def _linear(model: fx.GraphModule) -> bool:
    changed = False
    for node, _ in list(_modules_of(model, "OnnxMatMul")):
        weight = _tensor(model, node.args[1]) if len(node.args) == 2 else None
        if weight is None or weight.dim() != 2 or node.kwargs:
            continue
        add, bias = _only_user(node), None
        if _is_math(model, add, "add") and len(add.args) == 2:
            bias = _tensor(model, add.args[0] if add.args[1] is node else add.args[1])
            if bias is None or bias.shape != (weight.shape[1],):
                bias = None
        layer = nn.Linear(weight.shape[0], weight.shape[1], bias=bias is not None)
        with torch.no_grad():
            layer.weight.copy_(weight.t())
            if bias is not None:
                layer.bias.copy_(bias)
        last = add if bias is not None else node
        model.add_submodule(last.target, layer)
        last.args = (node.args[0],)
        changed = True
    return changed


class ConstantScale(nn.Module):
    """``x * weight``: a constant tensor of the file (a layer scale) as a learnable parameter."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight.clone())

    def forward(self, x):
        return x * self.weight


def _scale(model: fx.GraphModule) -> bool:
    changed = False
    for node, _ in list(_modules_of(model, "OnnxBinaryMathOperation")):
        if not _is_math(model, node, "mul") or len(node.args) != 2:
            continue
        tensors = [_tensor(model, a) for a in node.args]
        if (tensors[0] is None) == (tensors[1] is None):
            continue
        weight = tensors[0] if tensors[0] is not None else tensors[1]
        if weight.numel() < 2:
            continue
        x = node.args[1] if tensors[0] is not None else node.args[0]
        model.add_submodule(node.target, ConstantScale(weight))
        node.args = (x,)
        changed = True
    return changed


def _drop_unused_initializers(model: fx.GraphModule) -> None:
    """Initializers no node reads any more (their layer now holds them) leave the module."""
    used = {n.target for n in model.graph.nodes if n.op == "get_attr"}
    container = getattr(model, "initializers", None)
    if container is None:
        return
    for name in [name for name, _ in container.named_buffers(recurse=False)]:
        if f"initializers.{name}" not in used:
            delattr(container, name)


class ConstantSlice(nn.Module):
    """``x[index]`` with a fixed index; a module, so the slice keeps its layer's scope."""

    def __init__(self, index: tuple) -> None:
        super().__init__()
        self.index = index

    def forward(self, x):
        return x[self.index]


def _slice(model: fx.GraphModule) -> bool:
    changed = False
    for node, _ in _modules_of(model, "OnnxSlice"):
        values = [_constants(model, a) for a in node.args[1:]]
        if node.kwargs or len(node.args) < 3 or any(v is None for v in values):
            continue
        starts, ends = values[0], values[1]
        axes = values[2] if len(values) > 2 else list(range(len(starts)))
        steps = values[3] if len(values) > 3 else [1] * len(starts)
        if any(a < 0 for a in axes) or any(s <= 0 for s in steps):
            continue
        index = [slice(None)] * (max(axes) + 1)
        for start, end, axis, step in zip(starts, ends, axes, steps):
            index[axis] = slice(start, None if end >= 2**62 else end, None if step == 1 else step)
        model.add_submodule(node.target, ConstantSlice(tuple(index)))
        node.args = node.args[:1]
        changed = True
    return changed


def _constants(model: fx.GraphModule, arg) -> list[int] | None:
    """The values of a constant integer vector argument, as Python ints."""
    if getattr(arg, "op", None) == "get_attr":
        value = model.get_buffer(arg.target)
    elif getattr(arg, "op", None) == "call_module" and not arg.args:
        value = getattr(model.get_submodule(arg.target), "value", None)
    else:
        return None
    if not isinstance(value, torch.Tensor) or value.is_floating_point():
        return None
    return [int(v) for v in value.reshape(-1).tolist()]


def _constant(model: fx.GraphModule, arg) -> float | None:
    """The value of a scalar constant argument (an initializer or an ONNX Constant node)."""
    if getattr(arg, "op", None) == "get_attr":
        value = model.get_buffer(arg.target)
    elif getattr(arg, "op", None) == "call_module" and not arg.args:
        value = getattr(model.get_submodule(arg.target), "value", None)
    else:
        return None
    return float(value.item()) if value is not None and value.numel() == 1 else None
