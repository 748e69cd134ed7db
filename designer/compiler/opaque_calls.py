"""How an opaque ModuleCall node is called when not simply as ``module(x)``.

The node's ``call`` parameter keeps the call's arguments as JSON (targets.encode) with each
tensor written ``{"__input__": i}`` (the node's input i, in port order), so that a block
called as ``block((x, cls_tokens), size=(14, 14))`` is rebuilt with the same structure by the
importer's checks, the fx builder and the Python export. An empty ``call`` means ``module(x)``.
"""

from __future__ import annotations

from typing import Any, Callable

from .targets import decode, encode

_INPUT = "__input__"


def template(args: tuple, kwargs: dict, tensor_index: Callable[[Any], int | None]) -> dict:
    """The ``call`` parameter for a call with ``args`` and ``kwargs``; ``tensor_index`` says
    which values are tensors (their input number) and returns None for constants, which
    must be writable in a design (TypeError otherwise)."""
    def walk(value: Any) -> Any:
        index = tensor_index(value)
        if index is not None:
            return {_INPUT: index}
        if isinstance(value, tuple):
            return {"__tuple__": [walk(v) for v in value]}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return encode(value)

    return {"args": [walk(a) for a in args], "kwargs": {k: walk(v) for k, v in kwargs.items()}}


def is_plain(call: dict) -> bool:
    """True when the call is ``module(x)``: one tensor argument, nothing else."""
    return not call or (call.get("args") == [{_INPUT: 0}] and not call.get("kwargs"))


def fill(call: dict, inputs: list) -> tuple[tuple, dict]:
    """(args, kwargs) of the call with ``inputs[i]`` in place of input i (tensors or fx nodes)."""
    if not call:
        return (inputs[0],), {}

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {_INPUT}:
                return inputs[value[_INPUT]]
            if "__tuple__" in value:
                return tuple(walk(v) for v in value["__tuple__"])
            if "__callable__" in value or "__partial__" in value or "__dataclass__" in value:
                return decode(value)
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return tuple(walk(a) for a in call.get("args", [])), {k: walk(v) for k, v in call.get("kwargs", {}).items()}


def call_code(call: dict, names: list[str]) -> str:
    """The call's arguments as Python source, ``names[i]`` standing for input i."""
    from .export_parts import code

    if not call:
        return names[0]

    def walk(value: Any) -> str:
        if isinstance(value, dict):
            if set(value) == {_INPUT}:
                return names[value[_INPUT]]
            if "__tuple__" in value:
                items = [walk(v) for v in value["__tuple__"]]
                return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
            if "__callable__" in value or "__partial__" in value or "__dataclass__" in value:
                return code(decode(value))
            return "{" + ", ".join(f"{k!r}: {walk(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(walk(v) for v in value) + "]"
        return code(value)

    parts = [walk(a) for a in call.get("args", [])]
    parts += [f"{k}={walk(v)}" for k, v in call.get("kwargs", {}).items()]
    return ", ".join(parts)
