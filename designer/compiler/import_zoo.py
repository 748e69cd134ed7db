"""The importer's table entries for the modern zoo: tensor reshaping, norms called as modules
or functionally (their weights read from the model), learnable tensors used directly
(layer scale, position embedding, class token), attention, stochastic depth, and operations
with several results (chunk, split, unbind). Registered into import_calls.FUNCTIONS / METHODS
at the end (modules come from the catalog: import_ops.module_table); same conventions (Layer,
Passthrough, Unsupported).
"""

from __future__ import annotations

import operator
from typing import Any

import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

from .import_calls import FUNCTIONS, METHODS, _merge
from .import_ops import (Context, Layer, ParamRef, Passthrough, Pieces, Unsupported, _sample,
                         bind, finish, in_place_name)
from .targets import rsub, rtruediv
from .import_pieces import _chunk_bounds, _pieces, _split_bounds, _unbind_bounds, getitem, select


def _input(node: fx.Node, ctx: Context) -> fx.Node:
    value = node.args[0] if node.args else node.kwargs.get("input", node.kwargs.get("self"))
    return ctx.tensor(value, "input")


def _dims_args(node: fx.Node, start: int = 1) -> list:
    dims = list(node.args[start:])
    if len(dims) == 1 and isinstance(dims[0], (tuple, list, torch.Size)):
        dims = list(dims[0])
    return dims


def _per_sample(value: Any) -> str:
    return "×".join(map(str, value))


# --------------------------------------------------------------------------- reshaping
def _reshape(node: fx.Node, ctx: Context) -> Layer | ParamRef:
    ref = ctx.param(node.args[0] if node.args else None)
    if ref is not None and not ref.expanded and not ref.view:  # a parameter viewed for broadcasting
        return ParamRef(ref.target, ref.shape, view=tuple(ctx.shapes[node]), learnable=ref.learnable)
    source = _input(node, ctx)
    dims = _dims_args(node) or list(node.kwargs.get("shape", node.kwargs.get("size", ())))
    in_shape, out = ctx.shape(source), ctx.shape(node)
    if out[0] != in_shape[0] or not dims or not (isinstance(dims[0], fx.Node) or dims[0] == -1):
        raise Unsupported(f"it reshapes {_sample(in_shape)} into {list(out)}, mixing the batch with "
                          f"the other axes; a layer keeps each sample apart")
    if len(out) == 2 and len(in_shape) > 2:
        return Layer("Flatten", {}, [source], stem="flatten")
    return Layer("Reshape", finish("Reshape", {"shape": list(out[1:])}), [source], stem="reshape")


def _permute(node: fx.Node, ctx: Context) -> Layer:
    source = _input(node, ctx)
    dims = _dims_args(node) or list(node.kwargs.get("dims", ()))
    rank = len(ctx.shape(source))
    dims = [int(d) % rank for d in dims]
    if dims[:1] != [0]:
        raise Unsupported(f"it moves the batch axis (dims {dims})")
    return Layer("Permute", finish("Permute", {"dims": dims}), [source], stem="permute")


def _transpose(node: fx.Node, ctx: Context) -> Layer:
    names = ("input", "axis0", "axis1") if "axis0" in node.kwargs else ("input", "dim0", "dim1")
    b = bind(node, names, {})
    b["dim0"], b["dim1"] = b[names[1]], b[names[2]]
    source = ctx.tensor(b["input"], "input")
    rank = len(ctx.shape(source))
    if 0 in (b["dim0"] % rank, b["dim1"] % rank):
        raise Unsupported("it swaps the batch axis with another")
    return Layer("Transpose", finish("Transpose", {"dim0": b["dim0"], "dim1": b["dim1"]}), [source],
                 stem="transpose")


def _one_dim(layer_type: str, stem: str, default=None):
    def convert(node: fx.Node, ctx: Context) -> Layer:
        b = bind(node, ("input", "dim"), {} if default is None else {"dim": default})
        if not isinstance(b["dim"], int):
            raise Unsupported(f"dim={b['dim']!r} is not one axis")
        return Layer(layer_type, finish(layer_type, {"dim": b["dim"]}), [ctx.tensor(b["input"], "input")],
                     stem=stem)
    return convert


def _reduce(layer_type: str):
    def convert(node: fx.Node, ctx: Context) -> Layer:
        b = bind(node, ("input", "dim", "keepdim", "dtype"), {"keepdim": False, "dtype": None})
        dims = b["dim"] if isinstance(b["dim"], (list, tuple)) else [b["dim"]]
        if b["dtype"] is not None or any(not isinstance(d, int) for d in dims):
            raise Unsupported(f"it reduces over {b['dim']!r}; give the axes as whole numbers")
        params = finish(layer_type, {"dims": list(dims), "keepdim": b["keepdim"]})
        return Layer(layer_type, params, [ctx.tensor(b["input"], "input")], stem=layer_type.lower())
    return convert


def _pad(node: fx.Node, ctx: Context) -> Layer:
    b = bind(node, ("input", "pad", "mode", "value"), {"mode": "constant", "value": None})
    params = {"pad": list(b["pad"]), "mode": b["mode"], "value": float(b["value"] or 0.0)}
    return Layer("Pad", finish("Pad", params), [ctx.tensor(b["input"], "input")], stem="pad")


def _interpolate(node: fx.Node, ctx: Context) -> Layer:
    names = ("input", "size", "scale_factor", "mode", "align_corners", "recompute_scale_factor",
             "antialias")
    b = bind(node, names, {"size": None, "scale_factor": None, "mode": "nearest", "align_corners": None,
                           "recompute_scale_factor": None, "antialias": False})
    if b["recompute_scale_factor"] or b["antialias"]:
        raise Unsupported("recompute_scale_factor and antialias are not supported")
    size, scale = b["size"], b["scale_factor"]
    if isinstance(size, int):
        size = [size, size]
    if isinstance(scale, (tuple, list)):
        if len(set(scale)) != 1:
            raise Unsupported(f"scale_factor {scale} differs per axis")
        scale = scale[0]
    params = {"size": list(size or []), "scale_factor": float(scale or 0.0), "mode": b["mode"],
              "align_corners": bool(b["align_corners"])}
    return Layer("Interpolate", finish("Interpolate", params), [ctx.tensor(b["input"], "input")],
                 stem="interpolate")


def _matmul(node: fx.Node, ctx: Context) -> Layer:
    b = bind(node, ("input", "other"), {}, tensors=2)
    a, other = ctx.tensor(b["input"], "input"), ctx.tensor(b["other"], "other input")
    return Layer("MatMul", {}, [a, other], stem="matmul")


def _sdpa(node: fx.Node, ctx: Context) -> Layer:
    names = ("query", "key", "value", "attn_mask", "dropout_p", "is_causal", "scale", "enable_gqa")
    b = bind(node, names, {"attn_mask": None, "dropout_p": 0.0, "is_causal": False, "scale": None,
                           "enable_gqa": False}, tensors=3)
    if b["attn_mask"] is not None or b["dropout_p"] or b["enable_gqa"]:
        raise Unsupported("an attention mask, dropout or grouped queries are not supported")
    params = finish("ScaledDotProductAttention", {"is_causal": b["is_causal"], "scale": float(b["scale"] or 0.0)})
    inputs = [ctx.tensor(b[k], k) for k in ("query", "key", "value")]
    return Layer("ScaledDotProductAttention", params, inputs, stem="attention")


def _softmax(node: fx.Node, ctx: Context) -> Layer:
    b = bind(node, ("input", "dim", "_stacklevel", "dtype"), {"dim": None, "_stacklevel": 3, "dtype": None})
    if b["dim"] is None or b["dtype"] is not None:
        raise Unsupported("give softmax a dim (and no dtype)")
    return Layer("Softmax", finish("Softmax", {"dim": b["dim"]}), [ctx.tensor(b["input"], "input")], stem="softmax")


# --------------------------------------------------------------------------- model tensors
_NORM_TENSORS = ("weight", "bias", "running_mean", "running_var")


def _owner(*refs: ParamRef | None) -> str:
    """The module path that owns the given parameters (weight and bias of one module)."""
    for r in refs:
        if r is not None and r.target.rpartition(".")[2] not in _NORM_TENSORS:
            raise Unsupported(f"it reads the tensor '{r.target}'; the layer's weights must be named "
                              f"{', '.join(_NORM_TENSORS)} to load by name")
    owners = {r.target.rpartition(".")[0] for r in refs if r is not None}
    if len(owners) != 1 or "" in owners:
        raise Unsupported("its weights belong to different modules")
    return owners.pop()


def _linear_fn(node: fx.Node, ctx: Context) -> Layer:
    """F.linear(x, self.weight, self.bias) of a module's own weights: a Linear layer."""
    b = bind(node, ("input", "weight", "bias"), {"bias": None}, tensors=3)
    weight, bias = ctx.param(b["weight"]), ctx.param(b["bias"])
    if weight is None or (b["bias"] is not None and bias is None):
        raise Unsupported("its weights are computed while the model runs")
    params = finish("Linear", {"out_features": weight.shape[0], "bias": bias is not None})
    return Layer("Linear", params, [ctx.tensor(b["input"], "input")], id=_owner(weight, bias), stem="linear")


def _layer_norm(node: fx.Node, ctx: Context) -> Layer:
    b = bind(node, ("input", "normalized_shape", "weight", "bias", "eps"),
             {"weight": None, "bias": None, "eps": 1e-5}, tensors=4)
    weight, bias = ctx.param(b["weight"]), ctx.param(b["bias"])
    if (b["weight"] is not None and weight is None) or (b["bias"] is not None and bias is None):
        raise Unsupported("its weights are computed while the model runs")
    if weight is None and bias is not None:
        raise Unsupported("it has a shift but no scale")
    params = {"dims": len(tuple(b["normalized_shape"])), "eps": float(b["eps"]),
              "elementwise_affine": weight is not None, "bias": bias is not None}
    nid = _owner(weight, bias) if weight is not None else ""
    return Layer("LayerNorm", finish("LayerNorm", params), [ctx.tensor(b["input"], "input")], id=nid,
                 stem="layer_norm")


def _batch_norm(node: fx.Node, ctx: Context) -> Layer:
    names = ("input", "running_mean", "running_var", "weight", "bias", "training", "momentum", "eps")
    b = bind(node, names, {"weight": None, "bias": None, "training": False, "momentum": 0.1, "eps": 1e-5},
             tensors=5)
    refs = [ctx.param(b[k]) for k in ("running_mean", "running_var", "weight", "bias")]
    if any(r is None for r in refs[:2]) or b["training"]:
        raise Unsupported("it normalises with batch statistics, not running ones")
    if (refs[2] is None) != (refs[3] is None):
        raise Unsupported("it has a scale without a shift (or the reverse)")
    source = ctx.tensor(b["input"], "input")
    kind = "BatchNorm2d" if len(ctx.shape(source)) == 4 else "BatchNorm1d"
    params = {"eps": float(b["eps"]), "momentum": float(b["momentum"] or 0.1), "affine": refs[2] is not None}
    return Layer(kind, finish(kind, params), [source], id=_owner(*refs), stem="batch_norm")


def _group_norm(node: fx.Node, ctx: Context) -> Layer:
    b = bind(node, ("input", "num_groups", "weight", "bias", "eps"), {"weight": None, "bias": None, "eps": 1e-5},
             tensors=4)
    weight, bias = ctx.param(b["weight"]), ctx.param(b["bias"])
    if (weight is None) != (bias is None):
        raise Unsupported("it has a scale without a shift (or the reverse)")
    params = {"num_groups": b["num_groups"], "eps": float(b["eps"]), "affine": weight is not None}
    return Layer("GroupNorm", finish("GroupNorm", params), [ctx.tensor(b["input"], "input")],
                 id=_owner(weight, bias) if weight is not None else "", stem="group_norm")


def _with_tensor(layer_type: str, base):
    """x * p (LayerScale) or x + p (PositionEmbedding) for a model tensor p; otherwise base."""
    def convert(node: fx.Node, ctx: Context) -> Layer:
        args = list(node.args[:2])
        refs = [ctx.param(a) for a in args]
        if not any(refs) or len(node.args) != 2 or node.kwargs:
            return base(node, ctx)
        ref = refs[0] or refs[1]
        x = args[1] if refs[0] else args[0]
        if ref.expanded or not ref.learnable:
            raise Unsupported(f"it combines the tensor constant or buffer '{ref.target}' "
                              f"({'×'.join(map(str, ref.shape))}); only learned parameters become layers")
        params = finish(layer_type, {"shape": list(ref.shape), "view": list(ref.view)})
        return Layer(layer_type, params, [ctx.tensor(x, "input")], in_place_name(node), id=ref.target)
    return convert


def _expand(node: fx.Node, ctx: Context) -> ParamRef:
    ref = ctx.param(node.args[0])
    if ref is not None and ref.view:
        raise Unsupported("it expands a viewed model tensor")
    if ref is None or len(ref.shape) != 3 or ref.shape[0] != 1:
        raise Unsupported("it expands a tensor over the batch; only a class token (1×T×D) is supported")
    return ParamRef(ref.target, ref.shape, expanded=True, learnable=ref.learnable)


def _cat(node: fx.Node, ctx: Context) -> Layer | Passthrough:
    b = bind(node, ("tensors", "dim"), {"dim": 0})
    items = list(b["tensors"]) if isinstance(b["tensors"], (list, tuple)) else None
    if items is None:
        raise Unsupported("it concatenates a value computed while the model runs")
    tokens = [ctx.param(t) for t in items]
    if tokens[0] is not None and tokens[0].expanded and tokens[0].learnable and len(items) == 2 \
            and b["dim"] == 1:
        x = ctx.tensor(items[1], "input")
        return Layer("ClassToken", finish("ClassToken", {"tokens": tokens[0].shape[1]}), [x], id=tokens[0].target)
    tensors = [ctx.tensor(t, "input") for t in items]
    rank = len(ctx.shape(tensors[0]))
    if not isinstance(b["dim"], int) or b["dim"] % rank == 0:
        raise Unsupported("it concatenates along the batch axis")
    if len(tensors) == 1:
        return Passthrough(tensors[0])
    return Layer("Concat", finish("Concat", {"dim": b["dim"]}), tensors, stem="cat")


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def scalar_op(op: str, fallback=None):
    """x op c or c op x with a Python number c: a ScalarOp (else ``fallback``, or refused)."""
    def convert(node: fx.Node, ctx: Context) -> Layer:
        args = list(node.args[:2])
        if len(node.args) == 2 and not node.kwargs and _number(args[0]) != _number(args[1]):
            first_is_number = _number(args[0])
            x, value = (args[1], args[0]) if first_is_number else (args[0], args[1])
            name = f"r{op}" if first_is_number and op in ("sub", "truediv") else op
            params = finish("ScalarOp", {"op": name, "value": float(value)})
            return Layer("ScalarOp", params, [ctx.tensor(x, "input")], in_place_name(node), stem=op)
        if fallback is not None:
            return fallback(node, ctx)
        raise Unsupported(f"it combines {len(node.args)} values that are not one tensor and one number")
    return convert


def _reversed(op: str):
    """rsub(x, c) / rtruediv(x, c) of a compiled ScalarOp (c − x, c ÷ x)."""
    def convert(node: fx.Node, ctx: Context) -> Layer:
        b = bind(node, ("input", "value"), {})
        if not _number(b["value"]):
            raise Unsupported(f"its constant {b['value']!r} is not a number")
        params = finish("ScalarOp", {"op": op, "value": float(b["value"])})
        return Layer("ScalarOp", params, [ctx.tensor(b["input"], "input")], stem=op[1:])
    return convert


def _broadcast(layer_type: str, stem: str):
    """Add / Multiply of two tensors whose shapes broadcast per sample."""
    exact = _merge(layer_type, stem)

    def convert(node: fx.Node, ctx: Context) -> Layer:
        if len(node.args) == 2 and not node.kwargs and _number(node.args[0]) != _number(node.args[1]):
            return scalar_op("add" if layer_type == "Add" else "mul")(node, ctx)
        b = bind(node, ("input", "other", "alpha"), {"alpha": 1}, tensors=2)
        a, other = ctx.shape(b["input"]), ctx.shape(b["other"])
        if a is None or other is None or b["alpha"] != 1 or a == other:
            return exact(node, ctx)
        fits = len(a) == len(other) and all(x == y or 1 in (x, y) for x, y in zip(a[1:], other[1:]))
        if not fits:
            raise Unsupported(f"it broadcasts shapes {_sample(a)} and {_sample(other)} across "
                              f"different ranks or sizes; {layer_type} needs sizes equal or 1")
        return Layer(layer_type, {}, [b["input"], b["other"]], in_place_name(node), stem)
    return convert


# --------------------------------------------------------------------------- modules
def _stochastic_depth_fn(node: fx.Node, ctx: Context) -> Layer:
    b = bind(node, ("input", "p", "mode", "training"), {"training": True})
    params = finish("StochasticDepth", {"p": float(b["p"]), "mode": b["mode"]})
    return Layer("StochasticDepth", params, [ctx.tensor(b["input"], "input")], stem="stochastic_depth")


def attention_pieces(module: nn.MultiheadAttention, node: fx.Node, ctx: Context) -> Pieces:
    """A self-attention call ``attn(x, x, x, need_weights=False)``: item 0 is the layer."""
    args = list(node.args) + [node.kwargs.get(k) for k in ("query", "key", "value") if k in node.kwargs]
    extra = {k: v for k, v in node.kwargs.items() if k not in ("query", "key", "value")}
    if len(args) != 3 or len(set(args)) != 1 or extra.get("need_weights", True) or any(
            extra.get(k) is not None for k in ("key_padding_mask", "attn_mask")):
        raise Unsupported("only self-attention attn(x, x, x, need_weights=False) is supported")
    if not module.batch_first or module.bias_k is not None or module.add_zero_attn or not module._qkv_same_embed_dim:
        raise Unsupported("batch_first=False, add_bias_kv, add_zero_attn or kdim/vdim are not supported")
    params = finish("MultiheadAttention", {"num_heads": module.num_heads, "dropout": float(module.dropout),
                                           "bias": module.in_proj_bias is not None})
    source = ctx.tensor(args[0], "input")

    def make(i: int) -> Layer:
        if i != 0:
            raise Unsupported("it uses the attention weights (need_weights=True)")
        return Layer("MultiheadAttention", params, [source], id=node.target)
    return Pieces(source, make, 2)


def _register() -> None:
    # Modules (LayerNorm, GroupNorm, StochasticDepth, InputFeatures...) are not listed here:
    # import_ops.module_table() derives them from the catalog's LayerSpecs.
    try:
        from torchvision.ops import stochastic_depth
    except ImportError:  # torchvision is optional
        pass
    else:
        FUNCTIONS[stochastic_depth] = _stochastic_depth_fn
    reshape = {"view": _reshape, "reshape": _reshape}
    METHODS.update(reshape)
    FUNCTIONS[torch.reshape] = _reshape
    for name, fn in (("permute", _permute), ("transpose", _transpose), ("mean", _reduce("Mean")),
                     ("amax", _reduce("Amax")), ("unsqueeze", _one_dim("Unsqueeze", "unsqueeze")),
                     ("squeeze", _one_dim("Squeeze", "squeeze")), ("matmul", _matmul),
                     ("softmax", _softmax), ("chunk", _pieces(_chunk_bounds)),
                     ("split", _pieces(_split_bounds)), ("unbind", _pieces(_unbind_bounds))):
        METHODS[name] = fn
        FUNCTIONS[getattr(torch, name)] = fn
    for alias in ("swapaxes", "swapdims"):
        METHODS[alias] = _transpose
        FUNCTIONS[getattr(torch, alias)] = _transpose
    METHODS["expand"] = _expand
    FUNCTIONS[F.softmax] = _softmax
    FUNCTIONS[F.pad] = _pad
    FUNCTIONS[F.interpolate] = _interpolate
    FUNCTIONS[operator.matmul] = _matmul
    FUNCTIONS[F.scaled_dot_product_attention] = _sdpa
    FUNCTIONS[F.layer_norm] = _layer_norm
    FUNCTIONS[F.linear] = _linear_fn
    FUNCTIONS[F.batch_norm] = _batch_norm
    FUNCTIONS[F.group_norm] = _group_norm
    FUNCTIONS[operator.getitem] = getitem
    FUNCTIONS[torch.select] = METHODS["select"] = select
    for fn in (torch.cat, torch.concat, torch.concatenate):
        FUNCTIONS[fn] = _cat
    for op in ("sub", "truediv"):
        FUNCTIONS[getattr(operator, op)] = FUNCTIONS[getattr(operator, f"i{op}")] = scalar_op(op)
    FUNCTIONS[torch.sub] = METHODS["sub"] = scalar_op("sub")
    for name, fn in (("rsub", rsub), ("rtruediv", rtruediv)):  # c − x, c ÷ x as Designer compiles them
        FUNCTIONS[fn] = _reversed(name)
    METHODS["div"] = METHODS["__truediv__"] = scalar_op("truediv")
    mul, add = _broadcast("Multiply", "mul"), _broadcast("Add", "add")
    for key, base, kind in (("mul", mul, "LayerScale"), ("add", add, "PositionEmbedding")):
        converter = _with_tensor(kind, base)
        METHODS[key] = METHODS[f"{key}_"] = converter
        FUNCTIONS[getattr(operator, key)] = FUNCTIONS[getattr(operator, f"i{key}")] = converter
        FUNCTIONS[getattr(torch, key)] = converter


_register()
