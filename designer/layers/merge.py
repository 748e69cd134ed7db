"""Merge layers with two or more ordered inputs: Add, Multiply, Concat (along channels)."""

from __future__ import annotations

from ._util import fmt_shape
from .spec import LayerSpec, Param, Params, Shape, ShapeError


def broadcast(name: str, shapes: list[Shape]) -> Shape:
    """The per-sample shape of an element-wise op on batched inputs: equal ranks, and on each
    axis equal sizes or 1 (broadcast, as torch does; a C×1×1 gate scales a C×H×W map)."""
    out = list(shapes[0])
    for port, shape in enumerate(shapes[1:], start=1):
        fits = len(shape) == len(out) and all(a == b or 1 in (a, b) for a, b in zip(out, shape))
        if not fits:
            raise ShapeError(
                f"{name} needs inputs of the same shape, or of size 1 on the axes where they "
                f"differ: input 0 is {fmt_shape(shapes[0])} but input {port} is {fmt_shape(shape)}; "
                f"match them (e.g. a 1×1 Conv2d or pooling on the shortcut)"
            )
        out = [max(a, b) if 1 in (a, b) else a for a, b in zip(out, shape)]
    return tuple(out)


def is_channel_gate(gate: Shape, full: Shape) -> bool:
    """A C×1×1 tensor that scales each channel of a C×H×W map (squeeze-and-excitation)."""
    return len(gate) == 3 and len(full) == 3 and gate == (full[0], 1, 1) and gate != full


def _concat_axis(p: Params, shape: Shape) -> int:
    rank = len(shape) + 1
    if not -rank <= p["dim"] < rank or p["dim"] % rank == 0:
        raise ShapeError(f"Concat: dim {p['dim']} is not an axis of the samples of "
                         f"{fmt_shape(('N',) + tuple(shape))}; use 1 for channels, −1 for the last axis")
    return p["dim"] % rank - 1


def _concat_shape(p: Params, shapes: list[Shape]) -> Shape:
    first = shapes[0]
    axis = _concat_axis(p, first)
    along = "channels" if p["dim"] == 1 else f"dim {p['dim']}"
    for port, shape in enumerate(shapes[1:], start=1):
        if len(shape) != len(first) or shape[:axis] + shape[axis + 1:] != first[:axis] + first[axis + 1:]:
            raise ShapeError(
                f"Concat joins along {along}, so the other dimensions must agree: input 0 is "
                f"{fmt_shape(first)} but input {port} is {fmt_shape(shape)}; make the spatial "
                f"sizes equal (padding, pooling) first"
            )
    return first[:axis] + (sum(s[axis] for s in shapes),) + first[axis + 1:]


ADD = LayerSpec(
    type="Add",
    category="merge",
    doc="Element-wise sum of its inputs: the residual (skip) connection of ResNets; an "
        "axis of size 1 is broadcast.",
    shape=lambda p, s: broadcast("Add", s),
    inputs=None,
    torch_kind="function",
    torch_call=lambda p, s: ("operator.add", (), {}),
)
MULTIPLY = LayerSpec(
    type="Multiply",
    category="merge",
    doc="Element-wise product of its inputs (gating, attention); a C×1×1 input scales each "
        "channel of a C×H×W map (squeeze-and-excitation).",
    shape=lambda p, s: broadcast("Multiply", s),
    inputs=None,
    torch_kind="function",
    torch_call=lambda p, s: ("operator.mul", (), {}),
)
CONCAT = LayerSpec(
    type="Concat",
    category="merge",
    doc="Stacks its inputs along channels (Inception modules, DenseNet), or along dim.",
    shape=_concat_shape,
    params=(Param("dim", "int", 1, minimum=-9, maximum=8, doc="the axis joined (1 = channels)"),),
    label=lambda p: "" if p["dim"] == 1 else f"dim {p['dim']}",
    inputs=None,
    torch_kind="function",
    torch_call=lambda p, s: ("torch.cat", (), {"dim": p["dim"]}),
    merge_inputs="list",
)
