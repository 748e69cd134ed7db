"""Small helpers the layer modules share: shape checks and label formatting."""

from __future__ import annotations

from math import prod

from .spec import Shape, ShapeError


def numel(shape: Shape) -> int:
    return prod(shape)


def fmt_shape(shape: Shape) -> str:
    return "×".join(str(d) for d in shape)


def one_input(p, shapes: list[Shape]) -> Shape:
    return shapes[0]


def need_map(layer: str, shape: Shape, hint: str = "") -> tuple[int, int, int]:
    """The (C, H, W) of an image-like input, or a ShapeError that says what came instead."""
    if len(shape) != 3:
        extra = hint or (
            "it expects a feature map C×H×W; put it before Flatten, or reshape the Input"
        )
        raise ShapeError(f"{layer} received a {len(shape)}-D tensor {fmt_shape(shape)}; {extra}")
    return shape[0], shape[1], shape[2]


def pair_text(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"


def kernel_text(pair: tuple[int, int]) -> str:
    return f"{pair[0]}×{pair[1]}"
