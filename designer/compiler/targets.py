"""What a catalog entry compiles to, resolved from the plain strings the pure catalog holds:
module classes ("designer:Name", "package.module.Class", or torch.nn's class named like the
type), call targets ("torch.permute", "F.pad", "Tensor.reshape", "getitem") and the
constructor arguments of an opaque ModuleCall (JSON values, with classes and functions
written {"__callable__": "package.module.name"} and functools.partial objects
{"__partial__": "package.module.name", "kwargs": {...}}, dataclass instances of trusted
packages {"__dataclass__": "package.module.Name", "fields": {...}}).

The fx builder and the Python export both read from here, so a catalog entry drives both.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import operator
import os
import re
import sys
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from . import modules as designer_modules


class TargetError(ValueError):
    """A class or callable named by a design cannot be found; the message says which."""


#: Packages whose classes a design may name: importing them has no side effects to fear.
#: Others must already be imported (the importing session built the model from them), or be
#: listed in the DESIGNER_TRUSTED_MODULES environment variable (comma-separated).
TRUSTED = ("torch", "torchvision", "timm", "onnx2torch", "designer")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def check_path(path: Any) -> str:
    """``path`` if it is a dotted Python name a design may import from; TargetError if not.
    (A design file is data: it must not make Designer import arbitrary code, nor put
    anything but a name into generated source.)"""
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        raise TargetError(f"{path!r:.80} is not a dotted Python name such as torchvision.ops.StochasticDepth")
    top = path.split(".")[0]
    trusted = TRUSTED + tuple(p.strip() for p in os.environ.get("DESIGNER_TRUSTED_MODULES", "").split(",") if p.strip())
    if top not in trusted and top not in sys.modules:
        raise TargetError(f"the design names {path}, from the package {top!r}, which Designer does not "
                          f"import on a design's say-so; if you trust it, set "
                          f"DESIGNER_TRUSTED_MODULES={top}")
    return path


def locate(path: str) -> Any:
    """The object at a dotted import path ("torchvision.ops.StochasticDepth")."""
    check_path(path)
    module_name, _, attr = path.rpartition(".")
    parts = [attr]
    while module_name:
        try:
            obj = importlib.import_module(module_name)
        except ImportError:
            module_name, _, head = module_name.rpartition(".")
            parts.insert(0, head)
            continue
        try:
            for part in parts:
                obj = getattr(obj, part)
        except AttributeError:
            break
        return obj
    raise TargetError(f"cannot find {path}: install the package that defines it, or import "
                      f"the model again")


def module_class(spec) -> type:
    """The torch.nn.Module class of a "module" catalog entry."""
    name = spec.torch_class
    if name is None:
        return getattr(nn, spec.type)
    return class_at(name)


def class_at(name: str) -> type:
    """The class named "designer:Name" (designer/compiler/modules.py) or by import path."""
    if name.startswith("designer:"):
        return designer_modules.CLASSES[name.partition(":")[2]]
    return locate(name)


def call_target(target: str) -> tuple[str, Any]:
    """("call_function" or "call_method", the fx target) for a catalog call target."""
    space, _, name = target.partition(".")
    if target == "getitem":
        return "call_function", operator.getitem
    if space == "operator":  # x + c, x / c; r-prefixed: the constant comes first
        if name.startswith("r"):
            return "call_function", _REVERSED[name]
        return "call_function", getattr(operator, name)
    if space == "Tensor":
        return "call_method", name
    if space == "F":
        return "call_function", getattr(F, name)
    if space == "torch":
        return "call_function", getattr(torch, name)
    raise TargetError(f"unknown call target {target!r}")


def rsub(x, c):
    """c − x (the constant first), for ScalarOp."""
    return c - x


def rtruediv(x, c):
    """c ÷ x (the constant first), for ScalarOp."""
    return c / x


_REVERSED = {"rsub": rsub, "rtruediv": rtruediv}


# --------------------------------------------------------------------------- opaque modules
def decode(value: Any) -> Any:
    """A stored constructor argument as the Python value it stands for."""
    if isinstance(value, dict):
        if "__callable__" in value:
            return _safe_callable(value["__callable__"])
        if "__partial__" in value:
            return functools.partial(_safe_callable(value["__partial__"]), **decode(value.get("kwargs", {})))
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__dataclass__" in value:
            cls = _safe_callable(value["__dataclass__"])
            if not dataclasses.is_dataclass(cls):
                raise TargetError(f"{value['__dataclass__']} is not a dataclass")
            return cls(**decode(value.get("fields", {})))
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _safe_callable(path: str) -> Any:
    """A class or function a module's constructor may receive: a torch.nn.Module class, or
    anything from a trusted package (never os.system and the like)."""
    obj = locate(path)
    if isinstance(obj, type) and issubclass(obj, nn.Module) or path.split(".")[0] in TRUSTED:
        return obj
    raise TargetError(f"the design passes {path} to a module's constructor; only torch.nn.Module "
                      f"classes and functions of {', '.join(TRUSTED)} are accepted")


def encode(value: Any) -> Any:
    """A constructor argument as a JSON value (the inverse of decode); TypeError if it has none."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: encode(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # timm's LayerFn
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return {"__dataclass__": dotted(type(value)), "fields": fields}
    if isinstance(value, functools.partial) and not value.args:
        return {"__partial__": dotted(value.func), "kwargs": encode(dict(value.keywords))}
    if isinstance(value, type) or callable(value) and hasattr(value, "__qualname__"):
        return {"__callable__": dotted(value)}
    raise TypeError(f"{type(value).__name__} value {value!r:.60} cannot be written in a design")


def dotted(obj: Any) -> str:
    """The import path of a class or function; TypeError for a local or anonymous one."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
    if not module or not qualname or "<" in qualname or module == "__main__":
        raise TypeError(f"{obj!r:.60} has no import path")
    if locate(f"{module}.{qualname}") is not obj:
        raise TypeError(f"{module}.{qualname} does not name {obj!r:.60}")
    return f"{module}.{qualname}"


def opaque_module(params: dict) -> nn.Module:
    """The module a ModuleCall node keeps, rebuilt from its class and constructor arguments."""
    cls = locate(params["module"])
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise TargetError(f"{params['module']} is not a torch.nn.Module class")
    try:
        return cls(**decode(params.get("kwargs", {})))
    except Exception as exc:  # the user's class: report whatever it raised
        raise TargetError(f"{params['module']}(**{params.get('kwargs')}) raised "
                          f"{type(exc).__name__}: {exc}") from None
