"""The importer's entries for calls that catalog entries declare themselves (a LayerSpec's
``import_calls`` and ``import_args``): a type added to the catalog imports from its torch
function or Tensor method with no converter written for it. The hand-written tables of
import_calls / import_zoo come first; these are looked up only for targets they lack.
"""

from __future__ import annotations

from typing import Any, Callable

import torch.fx as fx

from ..layers import registry
from ..layers.spec import NotRepresentable
from .import_ops import Context, Layer, Unsupported, finish, in_place_name
from .targets import TargetError, call_target

_TABLE: dict[tuple[str, Any], Callable[[fx.Node, Context], Layer]] = {}
_built_for = [-1]


def catalog_calls() -> dict[tuple[str, Any], Callable[[fx.Node, Context], Layer]]:
    """(fx op, target) -> converter, for every declared ``import_calls`` target; rebuilt
    whenever a type is registered or unregistered."""
    if _built_for[0] != registry.generation():
        _TABLE.clear()
        for spec in registry.all_specs():
            for target in spec.import_calls:
                try:
                    _TABLE.setdefault(call_target(target), _converter(spec))
                except (TargetError, AttributeError):  # a function this torch lacks
                    continue
        _built_for[0] = registry.generation()
    return _TABLE


def catalog_converter(node: fx.Node) -> Callable[[fx.Node, Context], Layer] | None:
    """The converter a catalog entry declares for this call_function / call_method node."""
    try:
        return catalog_calls().get((node.op, node.target))
    except TypeError:  # an unhashable target
        return None


def _converter(spec) -> Callable[[fx.Node, Context], Layer]:
    def convert(node: fx.Node, ctx: Context) -> Layer:
        if spec.torch_kind == "function" and spec.merge_inputs == "list":
            if not node.args or not isinstance(node.args[0], (list, tuple)):
                raise Unsupported("it joins a value computed while the model runs")
            tensors, constants = list(node.args[0]), node.args[1:]
        else:
            count = 2 if spec.inputs is None else spec.inputs
            tensors, constants = list(node.args[:count]), node.args[count:]
        if any(isinstance(v, fx.Node) for v in (*constants, *node.kwargs.values())):
            raise Unsupported("an argument besides its tensors is computed while the model runs")
        tensors = [ctx.tensor(t, f"input {i}") for i, t in enumerate(tensors)]
        try:
            params = spec.read_call(tuple(constants), dict(node.kwargs))
        except NotRepresentable as exc:
            raise Unsupported(str(exc)) from None
        return Layer(spec.type, finish(spec.type, params), tensors, in_place_name(node), stem=spec.type.lower())
    return convert
