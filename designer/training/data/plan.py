"""How a dataset's samples are made to fit a design's Input (pure: no torch).

Images are resized to the Input's height and width, converted grey↔RGB as its channels ask,
and flattened when the Input is a vector [F] with F = C·S·S. Vectors must match exactly.
Each change comes with a note for the user; data that cannot fit gives a problem instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import isqrt

from .base import VECTOR


@dataclass(frozen=True)
class InputPlan:
    """The steps from the native sample shape ``source`` to the design's ``target``."""

    source: tuple[int, ...]
    target: tuple[int, ...]
    channels: int | None = None  # convert images to this many channels
    size: tuple[int, int] | None = None  # resize images to (H, W)
    flatten: bool = False
    notes: tuple[str, ...] = ()

    @property
    def image_shape(self) -> tuple[int, ...]:
        """The image shape [C, H, W] after conversion and resizing, before any flattening."""
        if len(self.source) != 3:
            return self.source
        c = self.channels or self.source[0]
        h, w = self.size or self.source[1:]
        return (c, h, w)


def _fmt(shape) -> str:
    """A shape as people write it: "2 values" for a vector, 1×32×32 otherwise."""
    shape = tuple(shape)
    return f"{shape[0]} values" if len(shape) == 1 else "×".join(str(d) for d in shape)


def plan_input(name: str, kind: str, source: tuple[int, ...],
               target: tuple[int, ...] | None) -> tuple[InputPlan | None, str | None]:
    """(plan, None) when the data can fit ``target``, else (None, a sentence saying why not)."""
    source = tuple(source)
    if target is None or tuple(target) == source:
        return InputPlan(source, source), None
    target = tuple(target)
    if kind == VECTOR or len(source) != 3:
        return None, (f"{name} samples are {_fmt(source)}, but the design's Input is "
                      f"{_fmt(target)}")
    if len(target) == 3:
        return _plan_image(name, source, target)
    if len(target) == 1:
        return _plan_vector(name, source, target)
    return None, (f"{name} images are {_fmt(source)}, and the design's Input {_fmt(target)} is "
                  f"neither an image [C, H, W] nor a vector [F]")


def _channel_note(name: str, c: int, tc: int) -> str:
    if c == 1:
        return f"{name}: grey images are repeated into {tc} channels (RGB) as the design's Input asks"
    return f"{name}: colour images are converted to grey as the design's Input asks"


def _plan_image(name: str, source, target) -> tuple[InputPlan | None, str | None]:
    c, h, w = source
    tc, th, tw = target
    notes = []
    if tc != c:
        if {c, tc} != {1, 3}:
            return None, (f"{name} images have {c} channel(s) and the design's Input asks for {tc}; "
                          f"only grey (1) ↔ RGB (3) can be converted")
        notes.append(_channel_note(name, c, tc))
    if (th, tw) != (h, w):
        notes.append(f"{name}: images are resized from {h}×{w} to {th}×{tw} to fit the design's "
                     f"Input {_fmt(target)}")
    return InputPlan(source, target, tc if tc != c else None,
                     (th, tw) if (th, tw) != (h, w) else None, False, tuple(notes)), None


def _plan_vector(name: str, source, target) -> tuple[InputPlan | None, str | None]:
    c, h, w = source
    features = target[0]
    for tc in dict.fromkeys((c, 1, 3)):
        side = isqrt(features // tc) if features % tc == 0 else 0
        if side and side * side * tc == features:
            plan, _ = _plan_image(name, source, (tc, side, side))
            note = (f"{name}: images ({tc}×{side}×{side}) are flattened into vectors of "
                    f"{features} values for the design's vector Input")
            return InputPlan(source, target, plan.channels, plan.size, True, plan.notes + (note,)), None
    return None, (f"{name} images are {_fmt(source)} ({c * h * w} values), and the design's Input "
                  f"of {_fmt(target)} cannot hold them: a vector Input needs C·S·S values, e.g. "
                  f"{c * h * w}")
