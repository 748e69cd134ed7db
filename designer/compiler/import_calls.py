"""What each traced function or tensor method becomes in a design (the importer's table of
calls, keyed by the callable or the method name). See import_ops for the modules' table and
for the Layer / Passthrough / Unsupported conventions.
"""

from __future__ import annotations

import operator
from math import prod
from typing import Any, Callable

import torch
import torch.fx as fx
import torch.nn.functional as F

from ..layers.merge import is_channel_gate
from .import_ops import (Context, Layer, Passthrough, Unsupported, _output_size, _pair, _pool_stride,
                         _sample, bind, finish, in_place_name)


# --------------------------------------------------------------------------- functions
def _unary(layer_type: str, names=("input",), defaults=None, read=None, stem=""):
    """A converter for a one-tensor function whose other arguments become parameters."""
    defaults = defaults or {}

    def convert(node: fx.Node, ctx: Context) -> Layer:
        b = bind(node, names, defaults)
        params = finish(layer_type, read(b) if read else {})
        inplace = bool(b.get("inplace", False)) or in_place_name(node)
        return Layer(layer_type, params, [ctx.tensor(b[names[0]], "input")], inplace, stem)

    return convert


def _pool_fn(b) -> dict:
    if b.get("return_indices"):
        raise Unsupported("return_indices=True (the indices output) is not supported")
    params = {"kernel_size": _pair(b["kernel_size"]),
              "stride": _pool_stride(b["kernel_size"], b["stride"] or None),
              "padding": _pair(b["padding"]), "ceil_mode": b["ceil_mode"]}
    if "dilation" in b:
        params["dilation"] = _pair(b["dilation"])
    if "count_include_pad" in b:
        params["count_include_pad"] = b["count_include_pad"]
        if b["divisor_override"] is not None:
            raise Unsupported(f"divisor_override={b['divisor_override']} is not supported")
    return params


def _adaptive_fn(b) -> dict:
    if b.get("return_indices"):
        raise Unsupported("return_indices=True (the indices output) is not supported")
    return {"output_size": _output_size(b["output_size"])}


def _dim_fn(b) -> dict:
    if b["dim"] is None:
        raise Unsupported("dim=None (an implicit dimension) is not supported; give dim")
    if b.get("dtype") is not None:
        raise Unsupported(f"dtype={b['dtype']} is not supported")
    return {"dim": b["dim"]}


_MAXPOOL = ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")
_AVGPOOL = ("input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
            "divisor_override")
_DROPOUT = ("input", "p", "training", "inplace")
_SOFTMAX = ("input", "dim", "_stacklevel", "dtype")


def _merge(layer_type: str, stem: str):
    """Add/Multiply of two tensors of the same shape, or a Multiply by a C×1×1 channel gate
    (squeeze-and-excitation); no other broadcasting, no constants."""
    def convert(node: fx.Node, ctx: Context) -> Layer:
        b = bind(node, ("input", "other", "alpha"), {"alpha": 1}, tensors=2)
        if b["alpha"] != 1:
            raise Unsupported(f"alpha={b['alpha']} scales the second input")
        a, other = b["input"], b["other"]
        if ctx.shape(a) is None or ctx.shape(other) is None:
            constant = other if ctx.shape(other) is None else a
            raise Unsupported(f"it combines a tensor with the constant {constant!r}; "
                              f"{layer_type} takes tensors only")
        sa, so = ctx.shape(a)[1:], ctx.shape(other)[1:]
        gate = layer_type == "Multiply" and (is_channel_gate(sa, so) or is_channel_gate(so, sa))
        if ctx.shape(a) != ctx.shape(other) and not gate:
            raise Unsupported(f"it broadcasts shapes {_sample(ctx.shape(a))} and "
                              f"{_sample(ctx.shape(other))}; {layer_type} needs equal shapes")
        return Layer(layer_type, {}, [a, other], in_place_name(node), stem)

    return convert


def _cat(node: fx.Node, ctx: Context) -> Layer | Passthrough:
    b = bind(node, ("tensors", "dim"), {"dim": 0})
    tensors = b["tensors"]
    if not isinstance(tensors, (list, tuple)):
        raise Unsupported("it concatenates a value computed while the model runs")
    tensors = [ctx.tensor(t, "input") for t in tensors]
    rank = len(ctx.shape(tensors[0]))
    if b["dim"] % rank != 1:
        raise Unsupported(f"it concatenates along dim {b['dim']}; Concat joins channels (dim 1)")
    if len(tensors) == 1:
        return Passthrough(tensors[0])
    return Layer("Concat", {}, tensors, stem="cat")


def _flatten(node: fx.Node, ctx: Context) -> Layer:
    b = bind(node, ("input", "start_dim", "end_dim"), {"start_dim": 0, "end_dim": -1})
    source = ctx.tensor(b["input"], "input")
    rank = len(ctx.shape(source))
    if b["start_dim"] % rank == 0:
        raise Unsupported("it flattens the batch dimension (start_dim 0); use torch.flatten(x, 1)")
    params = finish("Flatten", {"start_dim": b["start_dim"], "end_dim": b["end_dim"]})
    return Layer("Flatten", params, [source], stem="flatten")


def _reshape(node: fx.Node, ctx: Context) -> Layer:
    """view/reshape that keeps the batch and joins everything else: a Flatten."""
    source = ctx.tensor(node.args[0] if node.args else node.kwargs.get("input"), "input")
    dims = list(node.args[1:]) or list(node.kwargs.get("shape", node.kwargs.get("size", ())))
    if len(dims) == 1 and isinstance(dims[0], (tuple, list, torch.Size)):
        dims = list(dims[0])
    in_shape, out_shape = ctx.shape(source), ctx.shape(node)
    flat = (in_shape[0], prod(in_shape[1:]))
    batch_kept = len(dims) == 2 and (isinstance(dims[0], fx.Node) or dims[0] == -1)
    if out_shape != flat or not batch_kept:
        raise Unsupported(f"it reshapes {_sample(in_shape)} to {_sample(out_shape)}; only flattening "
                          f"each sample (x.view(x.size(0), -1)) is supported")
    return Layer("Flatten", {}, [source], stem="flatten")


def _passthrough(node: fx.Node, ctx: Context) -> Passthrough:
    if len(node.args) != 1 or node.kwargs:
        raise Unsupported("it is called with arguments that change its result")
    return Passthrough(ctx.tensor(node.args[0], "input"))


_RELU = _unary("ReLU", ("input", "inplace"), {"inplace": False}, stem="relu")
_SIGMOID = _unary("Sigmoid", stem="sigmoid")
_TANH = _unary("Tanh", stem="tanh")
_ADD = _merge("Add", "add")
_MUL = _merge("Multiply", "mul")
_SOFTMAX_FN = _unary("Softmax", _SOFTMAX, {"dim": None, "_stacklevel": 3, "dtype": None}, _dim_fn, "softmax")
_LOG_SOFTMAX_FN = _unary("LogSoftmax", _SOFTMAX, {"dim": None, "_stacklevel": 3, "dtype": None}, _dim_fn,
                         "log_softmax")

FUNCTIONS: dict[Any, Callable[[fx.Node, Context], Layer | Passthrough]] = {
    F.relu: _RELU, torch.relu: _RELU, torch.relu_: _RELU, F.relu_: _RELU,
    F.relu6: _unary("ReLU6", ("input", "inplace"), {"inplace": False}, stem="relu6"),
    F.leaky_relu: _unary("LeakyReLU", ("input", "negative_slope", "inplace"),
                         {"negative_slope": 0.01, "inplace": False},
                         lambda b: {"negative_slope": float(b["negative_slope"])}, "leaky_relu"),
    F.elu: _unary("ELU", ("input", "alpha", "inplace"), {"alpha": 1.0, "inplace": False},
                  lambda b: {"alpha": float(b["alpha"])}, "elu"),
    F.gelu: _unary("GELU", ("input", "approximate"), {"approximate": "none"},
                   lambda b: {"approximate": b["approximate"]}, "gelu"),
    F.silu: _unary("SiLU", ("input", "inplace"), {"inplace": False}, stem="silu"),
    F.hardswish: _unary("Hardswish", ("input", "inplace"), {"inplace": False}, stem="hardswish"),
    F.hardsigmoid: _unary("Hardsigmoid", ("input", "inplace"), {"inplace": False}, stem="hardsigmoid"),
    torch.sigmoid: _SIGMOID, torch.tanh: _TANH, F.tanh: _TANH,
    F.softplus: _unary("Softplus", ("input", "beta", "threshold"), {"beta": 1.0, "threshold": 20.0},
                       lambda b: {"beta": float(b["beta"]), "threshold": float(b["threshold"])},
                       "softplus"),
    F.softmax: _SOFTMAX_FN, torch.softmax: _SOFTMAX_FN,
    F.log_softmax: _LOG_SOFTMAX_FN, torch.log_softmax: _LOG_SOFTMAX_FN,
    F.max_pool2d: _unary("MaxPool2d", _MAXPOOL, {"stride": None, "padding": 0, "dilation": 1,
                         "ceil_mode": False, "return_indices": False}, _pool_fn, "pool"),
    F.avg_pool2d: _unary("AvgPool2d", _AVGPOOL, {"stride": None, "padding": 0, "ceil_mode": False,
                         "count_include_pad": True, "divisor_override": None}, _pool_fn, "avgpool"),
    F.adaptive_avg_pool2d: _unary("AdaptiveAvgPool2d", ("input", "output_size"), {}, _adaptive_fn, "gap"),
    F.adaptive_max_pool2d: _unary("AdaptiveMaxPool2d", ("input", "output_size", "return_indices"),
                                  {"return_indices": False}, _adaptive_fn, "gmp"),
    F.dropout: _unary("Dropout", _DROPOUT, {"p": 0.5, "training": True, "inplace": False},
                      lambda b: {"p": float(b["p"])}, "dropout"),
    F.dropout2d: _unary("Dropout2d", _DROPOUT, {"p": 0.5, "training": True, "inplace": False},
                        lambda b: {"p": float(b["p"])}, "dropout"),
    torch.dropout: _unary("Dropout", ("input", "p", "train"), {}, lambda b: {"p": float(b["p"])}, "dropout"),
    torch.flatten: _flatten,
    torch.reshape: _reshape,
    torch.cat: _cat, torch.concat: _cat, torch.concatenate: _cat,
    operator.add: _ADD, operator.iadd: _ADD, torch.add: _ADD,
    operator.mul: _MUL, operator.imul: _MUL, torch.mul: _MUL,
}

METHODS: dict[str, Callable[[fx.Node, Context], Layer | Passthrough]] = {
    "relu": _RELU, "relu_": _RELU, "sigmoid": _SIGMOID, "tanh": _TANH,
    "softmax": _SOFTMAX_FN, "log_softmax": _LOG_SOFTMAX_FN,
    "flatten": _flatten, "view": _reshape, "reshape": _reshape,
    "add": _ADD, "add_": _ADD, "mul": _MUL, "mul_": _MUL,
    "contiguous": _passthrough,
}


def callable_name(target: Any) -> str:
    """A readable name for a traced function or method ("torch.nn.functional.relu")."""
    if isinstance(target, str):
        return f"Tensor.{target}()"
    if target is operator.getitem:
        return "indexing x[...]"
    module = getattr(target, "__module__", None) or "torch"
    module = {"_operator": "operator", "torch._C._nn": "torch.nn.functional",
              "torch._C._VariableFunctions": "torch"}.get(module, module)
    return f"{module}.{getattr(target, '__name__', repr(target))}"


def convert_call(node: fx.Node, ctx: Context) -> Layer | Passthrough:
    """The catalog node (or passthrough) for a call_function / call_method node."""
    table = METHODS if node.op == "call_method" else FUNCTIONS
    try:
        convert = table.get(node.target)
    except TypeError:  # an unhashable target
        convert = None
    if convert is None:
        from .import_catalog import catalog_converter  # types that declare their own calls

        convert = catalog_converter(node)
    if convert is None:
        raise Unsupported("it has no Designer layer")
    return convert(node, ctx)
