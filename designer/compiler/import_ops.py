"""What each traced torch.nn module becomes in a design, and the conventions shared with the
table of functions and tensor methods (import_calls).

The module table is keyed by class and derived from the catalog (each LayerSpec's
``import_classes`` and ``read_module``; see module_table). A converter returns a ``Layer``
(a catalog node with its parameters read back from the module or the call), a
``Passthrough`` (an operation that
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
from ..layers.pooling import output_size, pool_stride
from ..layers.spec import NotRepresentable, ParamError, written
from .targets import TargetError, class_at, module_class


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
_pair = written  # torch's int-or-tuple sizes as the catalog writes them: 3 or [3, 5]
_pool_stride = pool_stride  # None when a pool's stride equals its kernel


def _output_size(size) -> Any:
    """An adaptive pool's output_size as the catalog writes it (Unsupported if one is None)."""
    try:
        return output_size(size)
    except NotRepresentable as exc:
        raise Unsupported(str(exc)) from None


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
#: torch.nn class -> (catalog type, reader(module, traced input shape)), derived from the
#: catalog: each spec's ``import_classes`` (by default the class it compiles to) and its
#: ``read_module``. Do not add entries here: declare them on the LayerSpec. Read it through
#: module_table(), which rebuilds it when a type is registered or unregistered.
MODULES: dict[type, tuple[str, Callable[[nn.Module, Any], dict]]] = {}
_built_for = [-1]


def module_table() -> dict[type, tuple[str, Callable[[nn.Module, Any], dict]]]:
    """The importer's module table, up to date with the catalog."""
    if _built_for[0] != registry.generation():
        MODULES.clear()
        for spec in registry.all_specs():
            for cls in spec_classes(spec):
                MODULES.setdefault(cls, (spec.type, spec.read_module))
        _built_for[0] = registry.generation()
    return MODULES


def spec_classes(spec) -> list[type]:
    """The module classes that import as ``spec``'s type (those that can be imported here)."""
    if spec.import_classes is None:
        return [module_class(spec)] if spec.torch_kind == "module" else []
    found = []
    for path in spec.import_classes:
        try:
            found.append(class_at(path))
        except (TargetError, KeyError):  # an optional package that is not installed
            continue
    return found


def convert_module(module: nn.Module, node: fx.Node, ctx: Context) -> Layer:
    """The catalog node for a call of a torch.nn leaf module."""
    entry = module_table().get(type(module))
    if entry is None:
        raise Unsupported("it has no Designer layer")
    if len(node.args) != 1 or node.kwargs:
        raise Unsupported(f"it is called with {len(node.args) + len(node.kwargs)} arguments; "
                          f"a layer takes one tensor")
    source = ctx.tensor(node.args[0], "input")
    layer_type, read = entry
    try:
        params = finish(layer_type, read(module, ctx.shape(source)))
    except NotRepresentable as exc:
        raise Unsupported(str(exc)) from None
    return Layer(layer_type, params, [source], bool(getattr(module, "inplace", False)))
