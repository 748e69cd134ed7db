"""Lesson checks: small arithmetic expressions over the runs' results, evaluated safely.

A lesson states its effect as expressions such as
``CNN.val_accuracy - CNN_shuffled.val_accuracy >= 0.05``: names are runs (or ``conv``),
attributes are their metrics, and only numbers, arithmetic, comparisons, ``and``/``or``/
``not`` and abs/min/max are allowed. Nothing else is executed.
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Any

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}
_FUNCTIONS = {"abs": abs, "min": min, "max": max}


class CheckError(ValueError):
    """A check that cannot be read or evaluated; the message says which part and why."""


def parse_check(text: str) -> ast.Expression:
    """Parse and vet a check (CheckError if it uses anything but the allowed pieces)."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise CheckError(f"check {text!r} is not an expression: {exc.msg}") from None
    for node in ast.walk(tree):
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call,
                   ast.Name, ast.Attribute, ast.Constant, ast.Load, ast.USub, ast.UAdd, ast.Not,
                   ast.And, ast.Or, ast.Subscript, *_BINARY, *_COMPARE)
        if not isinstance(node, allowed):
            raise CheckError(f"check {text!r} uses {type(node).__name__}, which checks do not allow")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS):
            raise CheckError(f"check {text!r} calls something other than abs, min or max")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise CheckError(f"check {text!r} reads a private name {node.attr!r}")
    return tree


def evaluate(text: str, names: dict[str, Any]) -> Any:
    """The value of a check with ``names`` (run name -> object with metric attributes)."""
    return _eval(parse_check(text).body, names, text)


def _eval(node: ast.AST, names: dict, text: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in _FUNCTIONS:
            return _FUNCTIONS[node.id]
        if node.id not in names:
            raise CheckError(f"check {text!r} names {node.id!r}, which is not a run of the lesson "
                             f"({', '.join(sorted(names))})")
        return names[node.id]
    if isinstance(node, ast.Attribute):
        value = _eval(node.value, names, text)
        if not hasattr(value, node.attr):
            raise CheckError(f"check {text!r}: there is no metric {node.attr!r}")
        return getattr(value, node.attr)
    if isinstance(node, ast.Subscript):
        return _eval(node.value, names, text)[_eval(node.slice, names, text)]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, names, text)
        return {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}[type(node.op)](value)
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, names, text), _eval(node.right, names, text))
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, names, text) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, names, text)
        for op, right_node in zip(node.ops, node.comparators):
            right = _eval(right_node, names, text)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Call):
        return _eval(node.func, names, text)(*[_eval(a, names, text) for a in node.args])
    raise CheckError(f"check {text!r}: cannot evaluate {type(node).__name__}")


def passed(value: Any) -> bool:
    """A check passes when it is true (NaN comparisons are false, as they should be)."""
    return bool(value) and not (isinstance(value, float) and math.isnan(value))
