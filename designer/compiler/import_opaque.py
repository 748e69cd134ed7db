"""Opaque "Module call" nodes: a submodule the importer cannot see through is kept whole.

Three parts: ``recording_constructors`` notes the arguments every module of a model was built
with (while the importer builds it), ``OpaqueTracer`` traces a model keeping chosen submodules
as calls (and says which submodule's forward() fx could not trace), and ``opaque_params``
turns one submodule into a ModuleCall node's parameters: its class by import path, its
constructor arguments, and its output shape, parameter count and multiply-accumulates measured
once on the meta device. The module is rebuilt from those arguments and held to the original
(same parameters, same outputs with the original's weights) before it is accepted.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
from typing import Any

import torch
import torch.fx as fx
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from .import_ops import Unsupported, module_table
from .opaque_calls import fill
from .targets import TargetError, dotted, encode, opaque_module

_ARGS = "_designer_constructor_args"


_recording = threading.local()


def _new(cls, *args, **kwargs):
    obj = object.__new__(cls)
    if getattr(_recording, "on", False):
        object.__setattr__(obj, _ARGS, (args, kwargs))
    return obj


# Installed once and for good: Python cannot take a __new__ back off a class cleanly (the
# inherited slot would pass the arguments on to object.__new__); it records only when asked.
if "__new__" not in vars(nn.Module):
    nn.Module.__new__ = _new


@contextlib.contextmanager
def recording_constructors():
    """While active, every nn.Module created remembers the arguments it was built with."""
    before = getattr(_recording, "on", False)
    _recording.on = True
    try:
        yield
    finally:
        _recording.on = before


class SubmoduleTraceError(Exception):
    """fx could not trace the forward() of the submodule at ``path``."""

    def __init__(self, path: str, error: Exception) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.path, self.error = path, error


class OpaqueTracer(fx.Tracer):
    """An fx tracer that keeps the submodules in ``opaque`` as single calls."""

    def __init__(self, opaque: set[str], sizes=None) -> None:
        super().__init__()
        self.opaque = opaque
        #: import_sizes.SizeDecider: decides branches on sizes for the imported input size.
        self.sizes = sizes
        self.record_stack_traces = True
        self.evaluating = False  # True while SizeDecider runs part of the model for real

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        if self.evaluating:
            return attr_val
        return super().getattr(attr, attr_val, parameter_proxy_cache)

    def to_bool(self, obj):
        if self.sizes is None:
            return super().to_bool(obj)
        return self.sizes.decide(self, obj.node)

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        """torch.nn's modules, and every class the catalog imports (import_ops.module_table)."""
        return type(m) in module_table() or super().is_leaf_module(m, module_qualified_name)

    def call_module(self, m: nn.Module, forward, args, kwargs):
        if self.evaluating:
            return forward(*args, **kwargs)
        path = self.path_of_module(m)
        if path in self.opaque:
            return self.create_proxy("call_module", path, args, kwargs)
        try:
            return super().call_module(m, forward, args, kwargs)
        except SubmoduleTraceError:
            raise
        except Exception as exc:  # user code: whatever fx or the module raised
            if not path or self.is_leaf_module(m, path):
                raise
            raise SubmoduleTraceError(path, exc) from None


def constructor_kwargs(module: nn.Module) -> dict[str, Any]:
    """The arguments ``module`` was built with, as JSON values; Unsupported when unknown."""
    cls = type(module)
    recorded = getattr(module, _ARGS, None)
    signature = inspect.signature(cls)
    if recorded is not None:
        try:
            bound = signature.bind(*recorded[0], **recorded[1])
        except TypeError as exc:
            raise Unsupported(f"its constructor arguments do not bind: {exc}") from None
        values = dict(bound.arguments)
    else:
        values = {}
        for name, param in signature.parameters.items():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if hasattr(module, name):
                values[name] = getattr(module, name)
            elif param.default is param.empty:
                raise Unsupported(f"its constructor argument {name!r} is not known (build the model "
                                  f"through `designer import module:callable` so it is recorded)")
    for name, param in signature.parameters.items():
        if param.kind == param.VAR_KEYWORD and name in values:
            values.update(values.pop(name))
        elif param.kind == param.VAR_POSITIONAL and values.get(name):
            raise Unsupported(f"it is built with extra positional arguments *{name}")
    try:
        return {k: encode(v) for k, v in values.items() if k != "self"}
    except TypeError as exc:
        raise Unsupported(f"a constructor argument cannot be written in a design: {exc}") from None


def opaque_params(module: nn.Module, in_shapes: list[tuple[int, ...]], out_shape: tuple[int, ...],
                  call: dict | None = None, constants: list | None = None) -> dict:
    """The parameters of a ModuleCall node keeping ``module`` (shapes without the batch), called
    with tensors of ``in_shapes`` as ``call`` says (opaque_calls; None: ``module(x)``). When it
    returns a tuple, ``call["output"]`` is the tensor's index and ``constants`` the other items
    as traced; they must not change with the batch."""
    try:
        path = dotted(type(module))
    except (TypeError, TargetError) as exc:
        raise Unsupported(f"its class cannot be imported again ({exc})") from None
    params = {"module": path, "kwargs": constructor_kwargs(module),
              "input_shape": list(in_shapes[0]), "output_shape": list(out_shape)}
    if call:
        params["call"] = {**call, "inputs": [list(s) for s in in_shapes[1:]]}
    try:
        rebuilt = opaque_module(params)
    except TargetError as exc:
        raise Unsupported(str(exc)) from None
    _check_same(module, rebuilt, in_shapes, params.get("call", {}))
    try:
        params["output_shape"], params["macs"], others = _measure(params, in_shapes, "meta")
    except Exception:  # a module that needs real values (.item(), data-dependent sizes)
        params["output_shape"], params["macs"], others = _measure(params, in_shapes, "cpu")
    if others != list(constants or []):
        raise Unsupported(f"the sizes it returns depend on the batch ({others} for one sample, "
                          f"{constants} as traced)")
    if tuple(params["output_shape"]) != tuple(out_shape):
        raise Unsupported(f"rebuilt on the meta device it gives {list(params['output_shape'])}, "
                          f"not the traced {list(out_shape)}")
    params["parameters"] = sum(p.numel() for p in module.parameters())
    return params


def _check_same(original: nn.Module, rebuilt: nn.Module, in_shapes, call: dict) -> None:
    """The rebuilt module must hold the same tensors and compute the same outputs."""
    try:
        rebuilt.load_state_dict(original.state_dict(), strict=True)
    except RuntimeError as exc:
        raise Unsupported(f"rebuilt from its constructor arguments it holds other tensors: "
                          f"{str(exc).splitlines()[0]}") from None
    args, kwargs = fill(call, [torch.randn(2, *s) for s in in_shapes])
    was = original.training
    original.eval()
    rebuilt.eval()
    try:
        with torch.no_grad():
            a, b = original(*args, **kwargs), rebuilt(*args, **kwargs)
    finally:
        original.train(was)
    if "output" in call:
        a, b = _tensor_of(a, call), _tensor_of(b, call)
    if not isinstance(a, torch.Tensor) or not isinstance(b, torch.Tensor):
        raise Unsupported("it returns something other than one tensor")
    if a.shape != b.shape or (a - b).abs().max().item() > 1e-5:
        raise Unsupported("rebuilt from its constructor arguments it computes other outputs")


def _measure(params: dict, in_shapes, device: str) -> tuple[list[int], int]:
    """(per-sample output shape, MACs per sample) of the rebuilt module on ``device`` (meta:
    no memory, no compute), counted as FlopCounterMode / 2 with the attention kernel whose
    products it sees."""
    with torch.device(device):
        module = opaque_module(params)
        # one sample: work that does not grow with the batch (Swin v2's position-bias MLP) is
        # counted once, as FlopCounterMode counts it
        args, kwargs = fill(params.get("call", {}), [torch.empty(1, *s) for s in in_shapes])
    module.eval()
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        y = module(*args, **kwargs)  # with gradients on: MultiheadAttention's fused path counts nothing
    others = []
    if "output" in params.get("call", {}):
        k = params["call"]["output"]
        others = [list(v) if isinstance(v, (tuple, list)) else v for i, v in enumerate(y) if i != k]
        y = _tensor_of(y, params["call"])
    return list(y.shape[1:]), counter.get_total_flops() // 2, others


def _tensor_of(result, call: dict):
    """The tensor of a module's tuple result (``call["output"]``), or None if it is not one."""
    k = call["output"]
    return result[k] if isinstance(result, (tuple, list)) and 0 <= k < len(result) else None
