"""The Python export's code for catalog entries beyond torch.nn modules and merges: the
imports and helper classes a file needs, torch calls written as expressions
(``torch.permute(x, (0, 2, 3, 1))``, ``x.reshape(-1, 8, 4)``, ``x[:, :, 0::2]``) and the
constructor of an opaque ModuleCall (its class imported by path).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import keyword

from ..layers import registry
from .targets import TargetError, check_path, decode, locate, module_class


def preamble(infos) -> str:
    """Import lines and helper class sources the forward code needs (after ``from torch
    import nn``); empty for designs of torch.nn layers only."""
    imports, classes = set(), {}
    for info in infos:
        spec = registry.get(info.type)
        if spec.torch_kind in ("call", "function"):
            space, _, name = spec.torch_call(info.resolved, info.input_shapes)[0].partition(".")
            if space == "F":
                imports.add("import torch.nn.functional as F")
            elif space == "operator" and name.lstrip("r") not in _SYMBOLS:
                imports.add("import operator")
        elif spec.torch_kind == "opaque":
            imports |= _imports(decode(info.resolved["kwargs"])) | _imports(decode(info.resolved["call"]))
            module, _, name = check_path(info.resolved["module"]).rpartition(".")
            imports.add(f"from {module} import {name}")
        elif spec.torch_kind == "module" and spec.torch_class is not None:
            cls = module_class(spec)
            if spec.torch_class.startswith("designer:"):
                classes[cls.__name__] = inspect.getsource(cls)
            else:
                imports.add(f"from {cls.__module__} import {cls.__qualname__}")
    text = "".join(f"{line}\n" for line in sorted(imports))
    return text + "".join(f"\n\n{source}" for _, source in sorted(classes.items()))


def _imports(value) -> set[str]:
    found = set()
    if isinstance(value, functools.partial):
        found |= {"import functools", f"import {value.func.__module__}"} | _imports(value.keywords)
    elif isinstance(value, type) or callable(value) and hasattr(value, "__qualname__"):
        found.add(f"import {value.__module__}")
    elif dataclasses.is_dataclass(value):
        found.add(f"import {type(value).__module__}")
        found |= _imports({f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.init})
    elif isinstance(value, dict):
        for v in value.values():
            found |= _imports(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            found |= _imports(v)
    return found


def code(value) -> str:
    """Python source for a constant argument (slices, callables and partials included)."""
    if isinstance(value, slice):
        parts = ["" if v is None else code(v) for v in (value.start, value.stop)]
        text = ":".join(parts)
        return text + (f":{code(value.step)}" if value.step not in (None, 1) else "")
    if isinstance(value, functools.partial):
        kwargs = "".join(f", {k}={code(v)}" for k, v in value.keywords.items())
        return f"functools.partial({code(value.func)}{kwargs})"
    if isinstance(value, type) or callable(value) and hasattr(value, "__qualname__"):
        return f"{value.__module__}.{value.__qualname__}"
    if dataclasses.is_dataclass(value):  # a dataclass instance passed to a constructor (timm's LayerFn)
        fields = ", ".join(f"{f.name}={code(getattr(value, f.name))}" for f in dataclasses.fields(value) if f.init)
        return f"{code(type(value))}({fields})"
    if isinstance(value, tuple):
        return "(" + ", ".join(code(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(code(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {code(v)}" for k, v in value.items()) + "}"
    return repr(value)


_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "matmul": "@"}


def call_expression(spec, info, args: list[str]) -> str:
    """The expression of a catalog "call" or merge ("function") entry applied to the variables
    ``args``: ``x.reshape(-1, 4)``, ``x * 0.5``, ``a + b + c``, ``torch.cat([a, b], dim=1)``."""
    target, constants, kwargs = spec.torch_call(info.resolved, info.input_shapes)
    if target == "getitem":
        (index,) = constants
        return f"{args[0]}[{', '.join(code(i) for i in index)}]"
    space, _, name = target.partition(".")
    merge = spec.torch_kind == "function"
    if merge and spec.merge_inputs == "list":
        args = [f"[{', '.join(args)}]"]
    elif space == "operator" and not constants and not kwargs and name in _SYMBOLS:
        return f" {_SYMBOLS[name]} ".join(args)  # a + b, a + b + c (a fold, as Python reads it)
    elif merge:
        expr = args[0]
        for other in args[1:]:
            expr = call_expression_of(target, [expr, other], constants, kwargs)
        return expr
    elif space == "operator":
        symbol = _SYMBOLS[name.lstrip("r")]
        value = code(float(constants[0]))
        return f"{value} {symbol} {args[0]}" if name.startswith("r") else f"{args[0]} {symbol} {value}"
    return call_expression_of(target, args, constants, kwargs)


def call_expression_of(target: str, args: list[str], constants, kwargs) -> str:
    """``target(args..., constants..., key=value)``, or ``args[0].method(...)`` for Tensor.NAME."""
    space, _, name = target.partition(".")
    rest = [code(c) for c in constants] + [f"{k}={code(v)}" for k, v in kwargs.items()]
    if space == "Tensor":
        return f"{args[0]}.{name}({', '.join(rest)})"
    return f"{target}({', '.join(args + rest)})"


def opaque_constructor(params: dict) -> tuple[str, list[str]]:
    """(class name, keyword arguments) of an opaque ModuleCall, as code."""
    locate(params["module"])  # fails early, with a clear message, when it cannot be found
    kwargs = decode(params["kwargs"])
    bad = [k for k in kwargs if not k.isidentifier() or keyword.iskeyword(k)]
    if bad:
        raise TargetError(f"{params['module']}: constructor argument {bad[0]!r:.40} is not a Python name")
    return params["module"].rpartition(".")[2], [f"{k}={code(v)}" for k, v in kwargs.items()]
