"""LayerSpec: everything the app knows about one layer type, as plain data and pure rules.

A spec names its parameters after the torch.nn constructor (with torch's defaults), says how
many inputs it takes, and carries small pure functions: the output-shape rule, the parameter
and MAC counts, the spatial window used for receptive fields, the short label drawn on the
canvas, and the torch constructor arguments. Input-size arguments (in_channels,
in_features, num_features) are never parameters: ``inferred`` derives them from the shapes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

Shape = tuple[int, ...]
Params = dict[str, Any]

#: Largest size of one dimension, and of one tensor per sample, that a design may ask for.
MAX_DIM = 1 << 20
MAX_NUMEL = 1 << 31


class ShapeError(ValueError):
    """A shape rule cannot produce an output: the message says what it got and expected."""


class ParamError(ValueError):
    """A parameter value is of the wrong type or out of range."""


class NotRepresentable(ValueError):
    """A module's settings have no exact equivalent in the catalog (raised by an importer's
    reader, ``LayerSpec.import_params``); the message says which setting and why."""


@dataclass(frozen=True)
class Param:
    """One constructor argument.

    kind is one of: int, float, bool, choice, pair (int or [h, w]), padding (pair or
    "same"/"valid"), groups (int or "depthwise"), shape (list of ints), optional_pair
    (None or pair, e.g. a pool's stride), int_or_none, dims (a list of 0 to 8 whole numbers,
    e.g. torch dims or a target shape), count (a large whole number ≥ 0), text (a string) and mapping (a JSON object: an opaque
    module's constructor arguments).
    """

    name: str
    kind: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    exclusive_max: bool = False
    choices: tuple[Any, ...] = ()
    doc: str = ""

    def coerce(self, value: Any) -> Any:
        """Return the value normalised (pairs become tuples) or raise ParamError."""
        kind = self.kind
        if kind == "int":
            return self._number(_as_int(self.name, value))
        if kind == "int_or_none":
            return None if value is None else self._number(_as_int(self.name, value))
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParamError(f"{self.name} must be a number, got {value!r}")
            return self._number(_as_float(self.name, value))
        if kind == "bool":
            if not isinstance(value, bool):
                raise ParamError(f"{self.name} must be true or false, got {value!r}")
            return value
        if kind == "choice":
            if value not in self.choices:
                options = ", ".join(repr(c) for c in self.choices)
                raise ParamError(f"{self.name} must be one of {options}, got {value!r}")
            return value
        if kind == "pair":
            return self._pair(value)
        if kind == "optional_pair":
            return None if value is None else self._pair(value)
        if kind == "padding":
            if value in ("same", "valid"):
                return value
            return self._pair(value)
        if kind == "groups":
            if value == "depthwise":
                return value
            return self._number(_as_int(self.name, value))
        if kind == "shape":
            return _as_shape(self.name, value)
        if kind == "dims":
            return _as_dims(self.name, value)
        if kind == "count":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 62:
                raise ParamError(f"{self.name} must be a whole number of at least 0, got {value!r}")
            return value
        if kind == "text":
            if not isinstance(value, str):
                raise ParamError(f"{self.name} must be text, got {value!r}")
            return value
        if kind == "mapping":
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                raise ParamError(f"{self.name} must be an object of named values, got {value!r}")
            return value
        raise AssertionError(f"unknown parameter kind {kind!r}")

    def _number(self, value: float) -> Any:
        if self.minimum is not None and value < self.minimum:
            raise ParamError(f"{self.name} must be at least {_fmt(self.minimum)}, got {_fmt(value)}")
        if self.maximum is not None:
            if self.exclusive_max and value >= self.maximum:
                raise ParamError(
                    f"{self.name} must be below {_fmt(self.maximum)}, got {_fmt(value)}"
                )
            if not self.exclusive_max and value > self.maximum:
                raise ParamError(
                    f"{self.name} must be at most {_fmt(self.maximum)}, got {_fmt(value)}"
                )
        return value

    def _pair(self, value: Any) -> tuple[int, int]:
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ParamError(
                    f"{self.name} must be one number or a pair [height, width], got {list(value)!r}"
                )
            return (self._number(_as_int(self.name, value[0])), self._number(_as_int(self.name, value[1])))
        n = self._number(_as_int(self.name, value))
        return (n, n)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def _as_float(name: str, value: int | float) -> float:
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ParamError(f"{name} must be a finite number, got {_show(value)}")
    return number


def _show(value: Any) -> str:
    """repr() of a value for a message; an enormous int is summarised, not spelled out."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    return repr(value)


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParamError(f"{name} must be a whole number, got {value!r}")
    if abs(value) > MAX_DIM:
        raise ParamError(f"{name} = {_show(value)} is absurdly large (limit {MAX_DIM})")
    return value


def _as_shape(name: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= 3:
        raise ParamError(
            f"{name} must be a list of 1 to 3 sizes without the batch, e.g. [1, 28, 28] or [2], "
            f"got {value!r}"
        )
    dims = tuple(_as_int(name, v) for v in value)
    if any(d < 1 for d in dims):
        raise ParamError(f"{name} sizes must be at least 1, got {list(dims)}")
    numel = 1
    for d in dims:
        numel *= d
    if numel > MAX_NUMEL:
        raise ParamError(f"{name} {list(dims)} has {numel:,} values per sample; the limit is {MAX_NUMEL:,}")
    return dims


def _as_dims(name: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or len(value) > 8:
        raise ParamError(f"{name} must be a list of up to 8 whole numbers, got {value!r}")
    return tuple(_as_int(name, v) for v in value)


def _zero(p: Params, shapes: list[Shape], out: Shape) -> int:
    return 0


@dataclass(frozen=True)
class Window:
    """The spatial footprint of a layer, for receptive-field arithmetic (per axis H, W)."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class LayerSpec:
    """The description of one layer type. See the module docstring."""

    type: str
    category: str
    doc: str
    shape: Callable[[Params, list[Shape]], Shape]
    params: tuple[Param, ...] = ()
    #: 0 for Input, 1 for ordinary layers, None for merges (two or more inputs).
    inputs: int | None = 1
    has_output: bool = True
    count_params: Callable[[Params, list[Shape], Shape], int] = _zero
    macs: Callable[[Params, list[Shape], Shape], int] = _zero
    #: Spatial footprint for receptive fields; None = pointwise (the field passes through).
    window: Callable[[Params, list[Shape]], Window] | None = None
    #: True when each output value sees the whole input map (Flatten, Linear on maps).
    global_field: Callable[[Params, list[Shape]], bool] | None = None
    #: "module" (torch.nn class named ``type``, or ``torch_class``), "function" (merges),
    #: "call" (``torch_call``: a torch function or Tensor method), "opaque" (a module kept by
    #: import path, see layers/opaque.py), "input" or "output".
    torch_kind: str = "module"
    #: For modules that torch.nn lacks: "designer:Name" (designer.compiler.modules) or a
    #: dotted import path.
    torch_class: str | None = None
    #: For "call": (target, constant args after the inputs, keyword args). The target is
    #: "torch.NAME", "F.NAME" (torch.nn.functional) or "Tensor.NAME" (a method).
    torch_call: Callable[[Params, list[Shape]], tuple[str, tuple, dict]] | None = None
    torch_kwargs: Callable[[Params, list[Shape]], Params] | None = None
    #: For "function" (merges): how the inputs meet the ``torch_call`` target. "fold" applies a
    #: binary target left to right (a + b + c); "list" passes them as one list first
    #: (torch.cat([a, b], dim=1)).
    merge_inputs: str = "fold"
    #: The torch.nn.Module classes the importer turns into this type, as import paths
    #: ("designer:Name" as in ``torch_class``). None: the class a "module" entry compiles to.
    #: A path that cannot be imported here (an optional package) is skipped.
    import_classes: tuple[str, ...] | None = None
    #: Reads the parameters back from such a module: (module, traced input shape with the
    #: batch, or None) -> params; raises NotRepresentable for settings the type cannot hold.
    #: None: ``read_attributes`` (each Param from the module attribute of the same name).
    import_params: Callable[[Any, Shape | None], Params] | None = None
    #: For "call" and merge entries the importer's own call tables do not know: the torch
    #: functions and Tensor methods that import as this type, written as in torch_call
    #: ("torch.maximum", "Tensor.maximum"), and the names of their constant arguments after
    #: the tensor inputs, in order; each is read back into the Param of the same name.
    import_calls: tuple[str, ...] = ()
    import_args: tuple[str, ...] = ()
    inferred: Callable[[Params, list[Shape]], Params] | None = None
    label: Callable[[Params], str] | None = None
    #: Formula shown by the inspector, with numbers filled in, e.g. "⌊(28 + 2·0 − 5)/1⌋ + 1 = 24".
    explain: Callable[[Params, list[Shape]], list[str]] | None = None
    warnings: Callable[[Params, list[Shape], Shape], list[tuple[str, str]]] | None = None
    tags: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        """A spec names how it compiles, or it is refused when it is made (not when a design
        using it is compiled: a merge without a target must not compile to something else)."""
        kinds = ("module", "function", "call", "opaque", "input", "output")
        if self.torch_kind not in kinds:
            raise ValueError(f"{self.type}: torch_kind {self.torch_kind!r} is not one of {', '.join(kinds)}")
        if self.torch_kind in ("function", "call") and self.torch_call is None:
            raise ValueError(f"{self.type}: a {self.torch_kind!r} entry needs torch_call (the torch "
                             f"function or method it compiles to)")
        if self.torch_kind == "function" and self.merge_inputs not in ("fold", "list"):
            raise ValueError(f"{self.type}: merge_inputs must be 'fold' or 'list', got {self.merge_inputs!r}")
        if self.torch_kind == "module" and self.torch_kwargs is None:
            raise ValueError(f"{self.type}: a 'module' entry needs torch_kwargs (its constructor arguments)")

    def read_module(self, module: Any, shape: Shape | None) -> Params:
        """The parameters of a torch module of one of ``import_classes`` (see import_params)."""
        if self.import_params is not None:
            return self.import_params(module, shape)
        return read_attributes(self, module)

    def read_call(self, constants: tuple, kwargs: dict) -> Params:
        """The parameters of a traced call of one of ``import_calls``: its constant arguments
        (after the tensors) and keyword arguments, bound to ``import_args`` by position and
        name; NotRepresentable for an argument the type has no parameter for."""
        if len(constants) > len(self.import_args):
            raise NotRepresentable(f"it is called with {len(constants)} constant arguments; "
                                   f"{self.type} reads {len(self.import_args)}")
        bound = dict(zip(self.import_args, constants))
        for key, value in kwargs.items():
            if key not in self.import_args or key in bound:
                raise NotRepresentable(f"its argument {key!r} is not supported")
            bound[key] = value
        return {key: written(value) for key, value in bound.items() if key in self.param_names}

    @property
    def is_merge(self) -> bool:
        return self.inputs is None

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> Params:
        return {p.name: p.default for p in self.params}

    def resolve(self, raw: Params) -> Params:
        """Defaults filled in, every value checked and normalised; raises ParamError."""
        known = self.param_names
        for key in raw:
            if key not in known:
                hint = f" (known: {', '.join(known)})" if known else " (it takes none)"
                raise ParamError(f"{self.type} has no parameter {key!r}{hint}")
        resolved = {}
        for p in self.params:
            resolved[p.name] = p.coerce(raw.get(p.name, p.default))
        return resolved

    def describe(self, raw: Params) -> str:
        """The short label drawn on the node ("5×5, 16, s1"); empty when it has none."""
        if self.label is None:
            return ""
        try:
            return self.label(self.resolve(raw))
        except ParamError:
            return "invalid parameters"


def written(value: Any) -> Any:
    """torch's int-or-tuple sizes as the catalog writes them: 3 for (3,) or (3, 3), else [3, 5]."""
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return int(value[0])
        if len(value) == 2 and value[0] == value[1]:
            return int(value[0])
        return [int(v) for v in value]
    return value


def read_attributes(spec: LayerSpec, module: Any) -> Params:
    """Each of ``spec``'s parameters read from the module attribute of the same name (how
    torch.nn modules keep their constructor arguments): sizes as ``written``, numbers of a
    "float" parameter as floats, and a "bool" parameter whose attribute is not a bool (a
    Linear's ``bias`` tensor) as whether it is there. Pure: plain attribute access only."""
    params = {}
    for p in spec.params:
        if not hasattr(module, p.name):
            raise NotRepresentable(f"it has no attribute {p.name!r} to read {spec.type}'s "
                                   f"parameter from; give the spec an import_params reader")
        value = getattr(module, p.name)
        if p.kind == "bool" and not isinstance(value, bool):
            value = value is not None
        elif p.kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)
        else:
            value = written(value)
        params[p.name] = value
    return params
