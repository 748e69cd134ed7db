"""What every dataset provides: a description (shape, classes) and the raw samples.

A Dataset is one entry of the explicit catalog (see ``catalog``): its options (with
defaults and checks), ``describe(options)`` that is cheap (no decoding of the samples) and
``load(options, target)`` that returns RawData. Problems the user can fix raise DatasetError
with a message that says what was wrong and what to do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

IMAGE, VECTOR = "image", "vector"
CLASSIFICATION, REGRESSION = "classification", "regression"


class DatasetError(ValueError):
    """A dataset that cannot be described or loaded; the message says why and what to do.

    The message names command-line options (``--data-path``); ``window`` (when given) says
    the same in the training panel's words (its field names): see ``for_window``."""

    def __init__(self, message: str, window: str | None = None) -> None:
        super().__init__(message)
        self.window = window

    @property
    def for_window(self) -> str:
        """The message as the window shows it."""
        return self.window or str(self)


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset holds, known before loading it.

    ``input_shape`` is one sample's native shape ([C, H, W] for images, [F] for vectors);
    ``classes`` names the classes (empty for regression); ``samples`` counts the training
    samples (0 if unknown); ``has_test_split`` says whether it ships its own test split.
    """

    name: str
    kind: str
    input_shape: tuple[int, ...]
    classes: tuple[str, ...]
    task: str = CLASSIFICATION
    samples: int = 0
    has_test_split: bool = False
    targets: int = 1  # regression: values to predict per sample

    @property
    def num_classes(self) -> int:
        return len(self.classes)


@dataclass
class RawData:
    """Samples as loaded: images [N, C, H, W] (uint8 0..255 or float 0..1) or vectors [N, F].

    Labels are int64 class indices, or float targets [N] / [N, T] for regression. ``test_x``
    is the dataset's own test split when it has one.
    """

    info: DatasetInfo
    x: Any
    y: Any
    test_x: Any = None
    test_y: Any = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Option:
    """A dataset option: name, default, kind ("int", "float", "bool", "str", "list") and range."""

    name: str
    default: Any
    kind: str = "int"
    minimum: float = -math.inf
    maximum: float = math.inf
    doc: str = ""
    choices: tuple = ()

    def coerce(self, value: Any, where: str) -> Any:
        if self.kind == "bool":
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
                return value.lower() in ("true", "1", "yes")
            if not isinstance(value, bool):
                raise DatasetError(f"{where}: option {self.name} must be true or false, got {value!r}")
            return value
        if self.kind == "str":
            if not isinstance(value, str):
                raise DatasetError(f"{where}: option {self.name} must be text, got {value!r}")
            return self._choice(value, where)
        if self.kind == "list":
            items = value.split("/") if isinstance(value, str) else value
            if not isinstance(items, (list, tuple)) or not items:
                raise DatasetError(f"{where}: option {self.name} must be a list, got {value!r}")
            return tuple(self._choice(str(v), where) for v in items)
        return self._number(value, where)

    def _choice(self, value: str, where: str) -> str:
        if self.choices and value not in self.choices:
            raise DatasetError(f"{where}: {self.name} {value!r} is not one of {', '.join(self.choices)}")
        return value

    def _number(self, value: Any, where: str) -> int | float:
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise DatasetError(f"{where}: option {self.name} must be a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise DatasetError(f"{where}: option {self.name} must be a number, got {value!r}")
        if self.kind == "int":
            if int(value) != value:
                raise DatasetError(f"{where}: option {self.name} must be a whole number, got {value}")
            value = int(value)
        if not self.minimum <= value <= self.maximum:
            raise DatasetError(f"{where}: option {self.name} must be between {self.minimum:g} and "
                               f"{self.maximum:g}, got {value}")
        return value


#: Accepted by every dataset: use at most this many training samples (0 = all).
LIMIT = Option("limit", 0, "int", 0, 1e9, "use at most this many training samples (0 = all)")


@dataclass(frozen=True)
class Dataset:
    """A catalog entry. ``load(options, target)`` may use ``target`` (the design's Input
    shape, or None) to decode images straight to the size the design needs."""

    name: str
    label: str
    doc: str
    options: tuple[Option, ...]
    describe: Callable[[dict], DatasetInfo]
    load: Callable[[dict, tuple[int, ...] | None], RawData]

    def resolve(self, options: dict | None) -> dict:
        """Options with defaults filled in and every value checked."""
        options = dict(options or {})
        known = {o.name: o for o in (*self.options, LIMIT)}
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise DatasetError(f"dataset {self.name}: unknown option {unknown[0]!r} (options: "
                               f"{', '.join(known)})")
        values = {name: o.default for name, o in known.items()} | options
        return {k: known[k].coerce(v, f"dataset {self.name}") for k, v in values.items()}
