"""Merge layers with two or more ordered inputs: Add, Multiply, Concat (along channels)."""

from __future__ import annotations

from ._util import fmt_shape
from .spec import LayerSpec, Params, Shape, ShapeError


def _same_shapes(name: str):
    def rule(p: Params, shapes: list[Shape]) -> Shape:
        first = shapes[0]
        for port, shape in enumerate(shapes[1:], start=1):
            if shape != first:
                raise ShapeError(
                    f"{name} needs inputs of the same shape: input 0 is {fmt_shape(first)} but "
                    f"input {port} is {fmt_shape(shape)}; match them (e.g. a 1×1 Conv2d or pooling "
                    f"on the shortcut)"
                )
        return first

    return rule


def is_channel_gate(gate: Shape, full: Shape) -> bool:
    """A C×1×1 tensor that scales each channel of a C×H×W map (squeeze-and-excitation)."""
    return len(gate) == 3 and len(full) == 3 and gate == (full[0], 1, 1) and gate != full


def _multiply_shape(p: Params, shapes: list[Shape]) -> Shape:
    """Equal shapes, or C×1×1 channel gates broadcast over a C×H×W map."""
    ref_port = max(range(len(shapes)), key=lambda i: (_numel(shapes[i]), -i))
    ref = shapes[ref_port]
    for port, shape in enumerate(shapes):
        if shape != ref and not is_channel_gate(shape, ref):
            raise ShapeError(
                f"Multiply needs inputs of the same shape, or a C×1×1 gate of a C×H×W map: "
                f"input {ref_port} is {fmt_shape(ref)} but input {port} is {fmt_shape(shape)}"
            )
    return ref


def _numel(shape: Shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _concat_shape(p: Params, shapes: list[Shape]) -> Shape:
    first = shapes[0]
    for port, shape in enumerate(shapes[1:], start=1):
        if len(shape) != len(first) or shape[1:] != first[1:]:
            raise ShapeError(
                f"Concat joins along channels, so the other dimensions must agree: input 0 is "
                f"{fmt_shape(first)} but input {port} is {fmt_shape(shape)}; make the spatial "
                f"sizes equal (padding, pooling) first"
            )
    return (sum(s[0] for s in shapes),) + first[1:]


ADD = LayerSpec(
    type="Add",
    category="merge",
    doc="Element-wise sum of its inputs: the residual (skip) connection of ResNets.",
    shape=_same_shapes("Add"),
    inputs=None,
    torch_kind="function",
)
MULTIPLY = LayerSpec(
    type="Multiply",
    category="merge",
    doc="Element-wise product of its inputs (gating, attention); a C×1×1 input scales each "
        "channel of a C×H×W map (squeeze-and-excitation).",
    shape=_multiply_shape,
    inputs=None,
    torch_kind="function",
)
CONCAT = LayerSpec(
    type="Concat",
    category="merge",
    doc="Stacks its inputs along channels (Inception modules, DenseNet).",
    shape=_concat_shape,
    inputs=None,
    torch_kind="function",
)
