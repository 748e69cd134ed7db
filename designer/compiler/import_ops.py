"""What each traced torch.nn module becomes in a design, and the conventions shared with the
table of functions and tensor methods (import_calls).

The module table is keyed by class. A converter returns a ``Layer`` (a catalog node with its
parameters read back from the module or the call), a ``Passthrough`` (an operation that
returns its input unchanged, such as ``contiguous()``), or raises ``Unsupported`` saying why
the operation has no exact equivalent. Nothing is approximated: a parameter the catalog
cannot express is a reason to refuse, not to guess.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Callable

import torch.fx as fx
from torch import nn

from ..layers import registry
from ..layers.spec import ParamError


class Unsupported(Exception):
    """An operation with no exact equivalent in the catalog; the message says why."""


@dataclass
class Layer:
    """A catalog node to create: its type, its (non-default) parameters and tensor inputs."""

    type: str
    params: dict[str, Any]
    inputs: list[fx.Node]
    inplace: bool = False
    stem: str = ""
    #: The node id to use (a module path, so the original's weights load by name).
    id: str = ""
    #: Layers applied after this one, in order (x[:, 0::2, 1::2] is two Slices).
    then: list["Layer"] = field(default_factory=list)


@dataclass
class Pieces:
    """An operation returning several tensors (chunk, split, unbind, attention's tuple); an
    index into it (``getitem``) becomes the layer that computes that one piece."""

    input: fx.Node
    make: Callable[[int], "Layer"]
    count: int


@dataclass
class ParamRef:
    """A parameter or buffer of the model read directly in forward() (a get_attr node)."""

    target: str
    shape: tuple[int, ...]
    expanded: bool = False
    #: The shape it was viewed as (x.view / reshape of the parameter), if it was.
    view: tuple[int, ...] = ()
    #: An nn.Parameter of the model (False: a buffer or a tensor constant).
    learnable: bool = True


@dataclass
class Passthrough:
    """An operation whose result is its input (the value keeps the input's node)."""

    input: fx.Node


@dataclass
class Context:
    """What a converter may ask about the traced values: their shapes (with the batch)."""

    shapes: dict[fx.Node, tuple[int, ...]] = field(default_factory=dict)
    #: The values the converter made so far (design node ids, ParamRef, Pieces markers).
    values: dict[fx.Node, Any] = field(default_factory=dict)

    def shape(self, value: Any) -> tuple[int, ...] | None:
        if isinstance(value, fx.Node) and isinstance(self.values.get(value), (ParamRef, Pieces)):
            return None
        return self.shapes.get(value) if isinstance(value, fx.Node) else None

    def param(self, value: Any) -> ParamRef | None:
        """The model parameter ``value`` reads directly, if it is one."""
        ref = self.values.get(value) if isinstance(value, fx.Node) else None
        return ref if isinstance(ref, ParamRef) else None

    def tensor(self, value: Any, what: str) -> fx.Node:
        if self.shape(value) is None:
            raise Unsupported(f"its {what} is not a tensor computed by the model ({value!r})")
        return value


# --------------------------------------------------------------------------- helpers
def _pair(value: Any) -> Any:
    """torch's int-or-tuple sizes as the catalog writes them: 3 or [3, 5]."""
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return int(value[0])
        if len(value) == 2 and value[0] == value[1]:
            return int(value[0])
        return [int(v) for v in value]
    return value


def finish(layer_type: str, params: dict[str, Any]) -> dict[str, Any]:
    """Check ``params`` against the catalog and keep only those that differ from defaults."""
    spec = registry.get(layer_type)
    try:
        resolved = spec.resolve(params)
    except ParamError as exc:
        raise Unsupported(f"{layer_type} cannot hold it: {exc}") from None
    defaults = spec.resolve({})
    return {k: v for k, v in params.items() if resolved[k] != defaults[k]}


def _sample(shape: tuple[int, ...]) -> str:
    """A traced shape as the design shows it: per sample, without the batch."""
    return "×".join(map(str, shape[1:])) or "scalar"


def class_name(cls: type) -> str:
    """``torch.nn.Conv2d`` for torch.nn classes, else the class's module and name."""
    if getattr(nn, cls.__name__, None) is cls:
        return f"torch.nn.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def in_place_name(node: fx.Node) -> bool:
    """True for the in-place spelling of an operation (relu_, add_, +=)."""
    if node.target in (operator.iadd, operator.imul):
        return True
    name = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", "")
    return name.endswith("_") and not name.startswith("_")


def _constant(name: str, value: Any) -> Any:
    if isinstance(value, fx.Node):
        raise Unsupported(f"its argument {name!r} is computed while the model runs")
    return value


def bind(node: fx.Node, names: tuple[str, ...], defaults: dict[str, Any], tensors: int = 1) -> dict[str, Any]:
    """The call's arguments by name (positional then keyword), with defaults filled in.

    The first ``tensors`` arguments are inputs; every other one must be a constant.
    """
    bound = dict(defaults)
    if len(node.args) > len(names):
        raise Unsupported(f"it is called with {len(node.args)} positional arguments")
    bound.update(zip(names, node.args))
    for key, value in node.kwargs.items():
        if key not in names:
            raise Unsupported(f"its argument {key!r} is not supported")
        bound[key] = value
    missing = [n for n in names if n not in bound]
    if missing:
        raise Unsupported(f"its argument {missing[0]!r} is missing")
    for key in names[tensors:]:
        _constant(key, bound[key])
    return bound


# --------------------------------------------------------------------------- modules
def _conv(m: nn.Conv2d, shape) -> dict:
    padding = m.padding if isinstance(m.padding, str) else _pair(m.padding)
    depthwise = m.groups > 1 and m.groups == m.in_channels
    return {
        "out_channels": m.out_channels, "kernel_size": _pair(m.kernel_size),
        "stride": _pair(m.stride), "padding": padding, "dilation": _pair(m.dilation),
        "groups": "depthwise" if depthwise else m.groups, "bias": m.bias is not None,
        "padding_mode": m.padding_mode,
    }


def _pool_stride(kernel, stride) -> Any:
    stride = kernel if stride is None else stride
    return None if _pair(stride) == _pair(kernel) else _pair(stride)


def _maxpool(m: nn.MaxPool2d, shape) -> dict:
    if m.return_indices:
        raise Unsupported("return_indices=True (the indices output) is not supported")
    return {"kernel_size": _pair(m.kernel_size), "stride": _pool_stride(m.kernel_size, m.stride),
            "padding": _pair(m.padding), "dilation": _pair(m.dilation), "ceil_mode": m.ceil_mode}


def _avgpool(m: nn.AvgPool2d, shape) -> dict:
    if m.divisor_override is not None:
        raise Unsupported(f"divisor_override={m.divisor_override} is not supported")
    return {"kernel_size": _pair(m.kernel_size), "stride": _pool_stride(m.kernel_size, m.stride),
            "padding": _pair(m.padding), "ceil_mode": m.ceil_mode,
            "count_include_pad": m.count_include_pad}


def _output_size(size) -> Any:
    sizes = size if isinstance(size, (tuple, list)) else (size,)
    if any(s is None for s in sizes):
        raise Unsupported(f"output_size {size!r} keeps an input size (None); give both sizes")
    return _pair(size)


def _adaptive_max(m: nn.AdaptiveMaxPool2d, shape) -> dict:
    if m.return_indices:
        raise Unsupported("return_indices=True (the indices output) is not supported")
    return {"output_size": _output_size(m.output_size)}


def _batchnorm(m: nn.modules.batchnorm._BatchNorm, shape) -> dict:
    if m.momentum is None:
        raise Unsupported("momentum=None (a cumulative moving average) is not supported")
    return {"eps": float(m.eps), "momentum": float(m.momentum), "affine": m.affine,
            "track_running_stats": m.track_running_stats}


def _prelu(m: nn.PReLU, shape) -> dict:
    channels = shape[1] if shape and len(shape) > 1 else 1
    if m.num_parameters not in (1, channels):
        raise Unsupported(f"num_parameters={m.num_parameters} is neither 1 nor the {channels} channels")
    return {"per_channel": m.num_parameters > 1, "init": float(getattr(m, "init", 0.25))}


def _dim(m) -> dict:
    if m.dim is None:
        raise Unsupported("dim=None (an implicit dimension) is not supported; give dim")
    return {"dim": m.dim}


MODULES: dict[type, tuple[str, Callable[[nn.Module, Any], dict]]] = {
    nn.Conv2d: ("Conv2d", _conv),
    nn.Linear: ("Linear", lambda m, s: {"out_features": m.out_features, "bias": m.bias is not None}),
    nn.MaxPool2d: ("MaxPool2d", _maxpool),
    nn.AvgPool2d: ("AvgPool2d", _avgpool),
    nn.AdaptiveAvgPool2d: ("AdaptiveAvgPool2d", lambda m, s: {"output_size": _output_size(m.output_size)}),
    nn.AdaptiveMaxPool2d: ("AdaptiveMaxPool2d", _adaptive_max),
    nn.BatchNorm1d: ("BatchNorm1d", _batchnorm),
    nn.BatchNorm2d: ("BatchNorm2d", _batchnorm),
    nn.LocalResponseNorm: ("LocalResponseNorm", lambda m, s: {
        "size": m.size, "alpha": float(m.alpha), "beta": float(m.beta), "k": float(m.k)}),
    nn.Dropout: ("Dropout", lambda m, s: {"p": float(m.p)}),
    nn.Dropout2d: ("Dropout2d", lambda m, s: {"p": float(m.p)}),
    nn.Flatten: ("Flatten", lambda m, s: {"start_dim": m.start_dim, "end_dim": m.end_dim}),
    nn.Identity: ("Identity", lambda m, s: {}),
    nn.ReLU: ("ReLU", lambda m, s: {}),
    nn.ReLU6: ("ReLU6", lambda m, s: {}),
    nn.LeakyReLU: ("LeakyReLU", lambda m, s: {"negative_slope": float(m.negative_slope)}),
    nn.PReLU: ("PReLU", _prelu),
    nn.ELU: ("ELU", lambda m, s: {"alpha": float(m.alpha)}),
    nn.GELU: ("GELU", lambda m, s: {"approximate": m.approximate}),
    nn.SiLU: ("SiLU", lambda m, s: {}),
    nn.Hardswish: ("Hardswish", lambda m, s: {}),
    nn.Hardsigmoid: ("Hardsigmoid", lambda m, s: {}),
    nn.Sigmoid: ("Sigmoid", lambda m, s: {}),
    nn.Tanh: ("Tanh", lambda m, s: {}),
    nn.Softplus: ("Softplus", lambda m, s: {"beta": float(m.beta), "threshold": float(m.threshold)}),
    nn.Softmax: ("Softmax", lambda m, s: _dim(m)),
    nn.LogSoftmax: ("LogSoftmax", lambda m, s: _dim(m)),
}


def convert_module(module: nn.Module, node: fx.Node, ctx: Context) -> Layer:
    """The catalog node for a call of a torch.nn leaf module."""
    entry = MODULES.get(type(module))
    if entry is None:
        raise Unsupported("it has no Designer layer")
    if len(node.args) != 1 or node.kwargs:
        raise Unsupported(f"it is called with {len(node.args) + len(node.kwargs)} arguments; "
                          f"a layer takes one tensor")
    source = ctx.tensor(node.args[0], "input")
    layer_type, read = entry
    params = finish(layer_type, read(module, ctx.shape(source)))
    return Layer(layer_type, params, [source], bool(getattr(module, "inplace", False)))
