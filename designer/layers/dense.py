"""Fully connected and reshaping layers: Linear, Flatten, Identity."""

from __future__ import annotations

from math import prod

from ._util import fmt_shape, one_input
from .spec import LayerSpec, Param, Params, Shape, ShapeError


def _linear_shape(p: Params, shapes: list[Shape]) -> Shape:
    return shapes[0][:-1] + (p["out_features"],)


def _linear_params(p: Params, shapes: list[Shape], out: Shape) -> int:
    return shapes[0][-1] * p["out_features"] + (p["out_features"] if p["bias"] else 0)


def _linear_macs(p: Params, shapes: list[Shape], out: Shape) -> int:
    return prod(shapes[0]) * p["out_features"]


def _linear_warnings(p: Params, shapes: list[Shape], out: Shape) -> list[tuple[str, str]]:
    if len(shapes[0]) > 1:
        return [(
            "linear-on-map",
            f"Linear is applied to the last axis of a {len(shapes[0])}-D tensor "
            f"{fmt_shape(shapes[0])}, so each row is transformed separately; "
            f"put a Flatten before it to connect every value",
        )]
    return []


LINEAR = LayerSpec(
    type="Linear",
    category="dense",
    doc="Fully connected layer: every output is a weighted sum of every input feature.",
    shape=_linear_shape,
    params=(
        Param("out_features", "int", 10, minimum=1, doc="number of output units"),
        Param("bias", "bool", True),
    ),
    count_params=_linear_params,
    macs=_linear_macs,
    global_field=lambda p, s: True,
    torch_kwargs=lambda p, s: {
        "in_features": s[0][-1], "out_features": p["out_features"], "bias": p["bias"]
    },
    inferred=lambda p, s: {"in_features": s[0][-1]},
    label=lambda p: f"{p['out_features']}",
    warnings=_linear_warnings,
)


def _dims(p: Params, shape: Shape) -> tuple[int, int]:
    """start/end as indices into the per-sample shape (torch's dims count the batch)."""
    rank = len(shape) + 1
    start = p["start_dim"] % rank if p["start_dim"] < 0 else p["start_dim"]
    end = p["end_dim"] % rank if p["end_dim"] < 0 else p["end_dim"]
    if not 1 <= start < rank or not 1 <= end < rank or start > end:
        raise ShapeError(
            f"Flatten: start_dim {p['start_dim']} and end_dim {p['end_dim']} do not select "
            f"dimensions of the {rank}-D batch {fmt_shape(('N',) + shape)}; "
            f"start_dim must be 1 or more (0 is the batch) and not after end_dim"
        )
    return start - 1, end - 1


def _flatten_shape(p: Params, shapes: list[Shape]) -> Shape:
    shape = shapes[0]
    start, end = _dims(p, shape)
    return shape[:start] + (prod(shape[start : end + 1]),) + shape[end + 1 :]


FLATTEN = LayerSpec(
    type="Flatten",
    category="utility",
    doc="Unrolls a feature map C×H×W into one vector of C·H·W features (the batch stays).",
    shape=_flatten_shape,
    params=(
        Param("start_dim", "int", 1, minimum=-4, maximum=3),
        Param("end_dim", "int", -1, minimum=-4, maximum=3),
    ),
    global_field=lambda p, s: True,
    torch_kwargs=lambda p, s: {"start_dim": p["start_dim"], "end_dim": p["end_dim"]},
)

IDENTITY = LayerSpec(
    type="Identity",
    category="utility",
    doc="Passes its input through unchanged (a placeholder or a skip connection's stem).",
    shape=one_input,
    torch_kwargs=lambda p, s: {},
)
