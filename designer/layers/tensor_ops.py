"""Tensor operations without weights: Reshape, Permute, Transpose, Unsqueeze, Squeeze, Mean,
Amax, Slice, Select, Pad, MatMul and ScaledDotProductAttention.

Dimensions are torch's, counting the batch (dim 0 is the batch, 1 the first per-sample
axis, −1 the last), so a parameter reads as the call it stands for (``x.permute(0, 2, 3, 1)``
is Permute dims [0, 2, 3, 1]). Shapes are per sample, as everywhere in the catalog: channel-
last maps (H×W×C) and token maps (tokens×features) are shapes like any other. Each spec
names the torch call it compiles to (``torch_call``); the compiler and the Python export
read it from there.
"""

from __future__ import annotations

from math import prod

from ._util import fmt_shape
from .spec import LayerSpec, Param, Params, Shape, ShapeError

_DIM_MIN, _DIM_MAX = -9, 8


def batch_text(shape: Shape) -> str:
    return fmt_shape(("N",) + tuple(shape))


def sample_dim(layer: str, dim: int, shape: Shape, extra: int = 0) -> int:
    """torch ``dim`` of a batch (N, *shape) as an index into the per-sample ``shape``.

    ``extra`` widens the range (Unsqueeze may name one axis past the end). Dim 0 (the batch)
    is refused: a design layer works on each sample on its own.
    """
    rank = len(shape) + 1 + extra
    if not -rank <= dim < rank:
        raise ShapeError(f"{layer}: dim {dim} is outside the {len(shape) + 1}-D batch "
                         f"{batch_text(shape)} (valid: {-rank} to {rank - 1})")
    index = dim % rank
    if index == 0:
        raise ShapeError(f"{layer}: dim {dim} is the batch of {batch_text(shape)}; a layer works "
                         f"on each sample, so use dims 1 and above (or negative ones)")
    return index - 1


def _call(target: str, *names: str):
    return lambda p, s: (target, tuple(p[n] for n in names), {})


# --------------------------------------------------------------------------- Reshape
def _reshape_target(p: Params, shape: Shape) -> Shape:
    want = list(p["shape"])
    total = prod(shape)
    free = [i for i, d in enumerate(want) if d == -1]
    if len(free) > 1 or any(d < -1 or d == 0 for d in want) or not want:
        raise ShapeError(f"Reshape: shape {want} must be positive sizes with at most one −1 "
                         f"(the size that makes the total fit)")
    known = prod(d for d in want if d != -1)
    if free:
        if total % known:
            raise ShapeError(f"Reshape cannot fit {fmt_shape(shape)} ({total:,} values) into "
                             f"{want}: {total:,} is not a multiple of {known:,}")
        want[free[0]] = total // known
    if prod(want) != total:
        raise ShapeError(f"Reshape cannot fit {fmt_shape(shape)} ({total:,} values) into "
                         f"{fmt_shape(tuple(want))} ({prod(want):,} values); the totals must agree")
    return tuple(want)


RESHAPE = LayerSpec(
    type="Reshape",
    category="tensor",
    doc="Rearranges each sample's values into a new shape (view/reshape); the batch stays.",
    shape=lambda p, s: _reshape_target(p, s[0]),
    params=(Param("shape", "dims", [-1], doc="the new per-sample shape; one −1 is inferred"),),
    torch_kind="call",
    torch_call=lambda p, s: ("Tensor.reshape", (-1, *_reshape_target(p, s[0])), {}),
    label=lambda p: "→" + "×".join("?" if d == -1 else str(d) for d in p["shape"]),
)


# --------------------------------------------------------------------------- Permute, Transpose
def _permute_shape(p: Params, shapes: list[Shape]) -> Shape:
    shape = shapes[0]
    dims = [d % (len(shape) + 1) if -len(shape) - 1 <= d <= len(shape) else d for d in p["dims"]]
    if sorted(dims) != list(range(len(shape) + 1)) or dims[0] != 0:
        raise ShapeError(f"Permute: dims {list(p['dims'])} must order all {len(shape) + 1} axes "
                         f"of {batch_text(shape)}, starting with the batch 0 "
                         f"(e.g. [0, 2, 3, 1] for channel-last)")
    return tuple(shape[d - 1] for d in dims[1:])


PERMUTE = LayerSpec(
    type="Permute",
    category="tensor",
    doc="Reorders the axes, e.g. C×H×W to H×W×C (channel-last) with dims [0, 2, 3, 1].",
    shape=_permute_shape,
    params=(Param("dims", "dims", [0, 2, 3, 1], doc="the new order of the axes; 0 (batch) first"),),
    torch_kind="call",
    torch_call=lambda p, s: ("torch.permute", (tuple(p["dims"]),), {}),
    label=lambda p: ",".join(map(str, p["dims"])),
)


def _transpose_shape(p: Params, shapes: list[Shape]) -> Shape:
    shape = list(shapes[0])
    a, b = (sample_dim("Transpose", p[k], shapes[0]) for k in ("dim0", "dim1"))
    shape[a], shape[b] = shape[b], shape[a]
    return tuple(shape)


_DIM = dict(minimum=_DIM_MIN, maximum=_DIM_MAX)

TRANSPOSE = LayerSpec(
    type="Transpose",
    category="tensor",
    doc="Swaps two axes (tokens×features to features×tokens, ShuffleNet's channel shuffle).",
    shape=_transpose_shape,
    params=(Param("dim0", "int", 1, **_DIM), Param("dim1", "int", 2, **_DIM)),
    torch_kind="call",
    torch_call=_call("torch.transpose", "dim0", "dim1"),
    label=lambda p: f"{p['dim0']}↔{p['dim1']}",
)


# --------------------------------------------------------------------------- Unsqueeze, Squeeze
def _unsqueeze_shape(p: Params, shapes: list[Shape]) -> Shape:
    index = sample_dim("Unsqueeze", p["dim"], shapes[0], extra=1)
    return shapes[0][:index] + (1,) + shapes[0][index:]


def _squeeze_shape(p: Params, shapes: list[Shape]) -> Shape:
    index = sample_dim("Squeeze", p["dim"], shapes[0])
    shape = shapes[0]
    return shape[:index] + shape[index + 1:] if shape[index] == 1 else shape


UNSQUEEZE = LayerSpec(
    type="Unsqueeze",
    category="tensor",
    doc="Inserts an axis of size 1 at dim.",
    shape=_unsqueeze_shape,
    params=(Param("dim", "int", 1, **_DIM),),
    torch_kind="call",
    torch_call=_call("torch.unsqueeze", "dim"),
    label=lambda p: f"dim {p['dim']}",
)
SQUEEZE = LayerSpec(
    type="Squeeze",
    category="tensor",
    doc="Removes the axis dim when its size is 1 (otherwise passes the tensor through, as torch).",
    shape=_squeeze_shape,
    params=(Param("dim", "int", -1, **_DIM),),
    torch_kind="call",
    torch_call=_call("torch.squeeze", "dim"),
    label=lambda p: f"dim {p['dim']}",
)


# --------------------------------------------------------------------------- reductions
def _reduce_dims(name: str, p: Params, shape: Shape) -> list[int]:
    if not p["dims"]:
        raise ShapeError(f"{name}: give the dims to reduce, e.g. [2, 3] for height and width")
    dims = [sample_dim(name, d, shape) for d in p["dims"]]
    if len(set(dims)) != len(dims):
        raise ShapeError(f"{name}: dims {list(p['dims'])} name the same axis twice")
    return dims


def _reduce(name: str, doc: str) -> LayerSpec:
    def rule(p: Params, shapes: list[Shape]) -> Shape:
        dims = _reduce_dims(name, p, shapes[0])
        if p["keepdim"]:
            return tuple(1 if i in dims else d for i, d in enumerate(shapes[0]))
        return tuple(d for i, d in enumerate(shapes[0]) if i not in dims)

    return LayerSpec(
        type=name,
        category="tensor",
        doc=doc,
        shape=rule,
        params=(Param("dims", "dims", [2, 3], doc="the axes reduced (torch dims, batch = 0)"),
                Param("keepdim", "bool", False, doc="keep the reduced axes with size 1")),
        torch_kind="call",
        torch_call=lambda p, s: (f"torch.{name.lower()}", (tuple(p["dims"]), p["keepdim"]), {}),
        global_field=lambda p, s: True,
        label=lambda p: "dims " + ",".join(map(str, p["dims"])),
    )


MEAN = _reduce("Mean", "Average over the given axes (x.mean([2, 3]) is global average pooling).")
AMAX = _reduce("Amax", "Maximum over the given axes (x.amax([2, 3]) is global max pooling).")


# --------------------------------------------------------------------------- Slice, Select
def _slice_range(p: Params, size: int) -> range:
    return range(size)[slice(p["start"], p["end"], p["step"])]


def _slice_shape(p: Params, shapes: list[Shape]) -> Shape:
    index = sample_dim("Slice", p["dim"], shapes[0])
    length = len(_slice_range(p, shapes[0][index]))
    if length == 0:
        raise ShapeError(f"Slice: [{p['start']}:{p['end']}:{p['step']}] selects nothing of the "
                         f"{shapes[0][index]} values along dim {p['dim']} of {batch_text(shapes[0])}")
    return shapes[0][:index] + (length,) + shapes[0][index + 1:]


def slice_index(p: Params, shapes: list[Shape]) -> tuple:
    """The index tuple x[...] of a Slice: full slices up to dim, then start:end:step."""
    index = sample_dim("Slice", p["dim"], shapes[0])
    return (slice(None),) * (index + 1) + (slice(p["start"], p["end"], p["step"]),)


SLICE = LayerSpec(
    type="Slice",
    category="tensor",
    doc="Keeps start:end:step along one axis (a chunk or split piece, x[..., 0::2]).",
    shape=_slice_shape,
    params=(Param("dim", "int", 1, **_DIM), Param("start", "int", 0),
            Param("end", "int_or_none", None), Param("step", "int", 1, minimum=1)),
    torch_kind="call",
    torch_call=lambda p, s: ("getitem", (slice_index(p, s),), {}),
    label=lambda p: f"{p['start']}:{'' if p['end'] is None else p['end']}"
                    + (f":{p['step']}" if p["step"] != 1 else ""),
)


def _select_shape(p: Params, shapes: list[Shape]) -> Shape:
    index = sample_dim("Select", p["dim"], shapes[0])
    size = shapes[0][index]
    if not -size <= p["index"] < size:
        raise ShapeError(f"Select: index {p['index']} is outside the {size} values along dim "
                         f"{p['dim']} of {batch_text(shapes[0])}")
    return shapes[0][:index] + shapes[0][index + 1:]


SELECT = LayerSpec(
    type="Select",
    category="tensor",
    doc="Takes one position along an axis and drops that axis (a ViT's class token x[:, 0]).",
    shape=_select_shape,
    params=(Param("dim", "int", 1, **_DIM), Param("index", "int", 0)),
    torch_kind="call",
    torch_call=_call("torch.select", "dim", "index"),
    label=lambda p: f"[{p['index']}] of dim {p['dim']}",
)


# --------------------------------------------------------------------------- Pad
def _pad_shape(p: Params, shapes: list[Shape]) -> Shape:
    pad, shape = list(p["pad"]), list(shapes[0])
    if len(pad) % 2 or len(pad) // 2 > len(shape):
        raise ShapeError(f"Pad: pad {pad} must be (before, after) pairs for at most the "
                         f"{len(shape)} axes of {fmt_shape(shapes[0])}, last axis first")
    if p["mode"] != "constant" and (len(pad) // 2 != len(shape) - 1 or not 1 <= len(pad) // 2 <= 3):
        raise ShapeError(f"Pad: mode {p['mode']!r} pads every axis after the channels of "
                         f"{fmt_shape(shapes[0])}: give {2 * (len(shape) - 1)} numbers, got {len(pad)}")
    for i in range(len(pad) // 2):
        axis = len(shape) - 1 - i
        shape[axis] += pad[2 * i] + pad[2 * i + 1]
        if shape[axis] < 1:
            raise ShapeError(f"Pad: {pad} leaves nothing of axis {axis + 1} of {fmt_shape(shapes[0])}")
    return tuple(shape)


PAD = LayerSpec(
    type="Pad",
    category="tensor",
    doc="Adds values around the last axes (F.pad): pairs (before, after), last axis first.",
    shape=_pad_shape,
    params=(Param("pad", "dims", [1, 1, 1, 1]),
            Param("mode", "choice", "constant", choices=("constant", "reflect", "replicate", "circular")),
            Param("value", "float", 0.0)),
    torch_kind="call",
    torch_call=lambda p, s: ("F.pad", (tuple(p["pad"]), p["mode"], p["value"]), {}),
    label=lambda p: ",".join(map(str, p["pad"])),
)


# --------------------------------------------------------------------------- MatMul, attention
def _batch_dims(name: str, a: Shape, b: Shape) -> Shape:
    if len(a) != len(b):
        raise ShapeError(f"{name} needs inputs of the same rank, got {fmt_shape(a)} and {fmt_shape(b)}")
    out = []
    for x, y in zip(a[:-2], b[:-2]):
        if x != y and 1 not in (x, y):
            raise ShapeError(f"{name}: the leading axes of {fmt_shape(a)} and {fmt_shape(b)} "
                             f"do not broadcast ({x} against {y})")
        out.append(max(x, y))
    return tuple(out)


def need_inputs(name: str, shapes: list[Shape], count: int, what: str) -> None:
    if len(shapes) != count:
        raise ShapeError(f"{name} takes {count} inputs ({what}) but has {len(shapes)}; "
                         f"connect them in that order")


def _matmul_shape(p: Params, shapes: list[Shape]) -> Shape:
    need_inputs("MatMul", shapes, 2, "a @ b")
    a, b = shapes
    if len(a) < 2 or len(b) < 2:
        raise ShapeError(f"MatMul multiplies matrices per sample: inputs {fmt_shape(a)} and "
                         f"{fmt_shape(b)} need two axes or more each")
    if a[-1] != b[-2]:
        raise ShapeError(f"MatMul: {fmt_shape(a)} @ {fmt_shape(b)}: the last axis of input 0 "
                         f"({a[-1]}) must equal the second-to-last of input 1 ({b[-2]})")
    return _batch_dims("MatMul", a, b) + (a[-2], b[-1])


MATMUL = LayerSpec(
    type="MatMul",
    category="tensor",
    doc="Matrix product of two inputs per sample (attention scores q @ kᵀ).",
    shape=_matmul_shape,
    inputs=2,
    macs=lambda p, s, o: prod(o) * s[0][-1],
    torch_kind="call",
    torch_call=lambda p, s: ("torch.matmul", (), {}),
)


def _sdpa_shape(p: Params, shapes: list[Shape]) -> Shape:
    need_inputs("ScaledDotProductAttention", shapes, 3, "queries, keys, values")
    q, k, v = shapes
    if min(len(q), len(k), len(v)) < 2:
        raise ShapeError("ScaledDotProductAttention needs queries, keys and values of two axes or "
                         f"more (tokens×features), got {', '.join(fmt_shape(s) for s in shapes)}")
    if q[-1] != k[-1] or k[-2] != v[-2]:
        raise ShapeError(f"ScaledDotProductAttention: queries {fmt_shape(q)} and keys {fmt_shape(k)} "
                         f"must share the feature size, keys and values {fmt_shape(v)} the tokens")
    lead = _batch_dims("ScaledDotProductAttention", q, k)
    _batch_dims("ScaledDotProductAttention", q, v)
    return lead + (q[-2], v[-1])


def _sdpa_macs(p: Params, shapes: list[Shape], out: Shape) -> int:
    q, k, v = shapes
    return prod(out[:-2]) * q[-2] * k[-2] * (q[-1] + v[-1])


SDPA = LayerSpec(
    type="ScaledDotProductAttention",
    category="attention",
    doc="softmax(q·kᵀ/√d)·v for queries, keys and values (inputs 0, 1, 2).",
    shape=_sdpa_shape,
    inputs=3,
    params=(Param("is_causal", "bool", False, doc="each query sees only earlier keys"),
            Param("scale", "float", 0.0, minimum=0.0, doc="score scale; 0 = 1/√d")),
    macs=_sdpa_macs,
    torch_kind="call",
    torch_call=lambda p, s: ("F.scaled_dot_product_attention", (),
                             {k: v for k, v in (("is_causal", p["is_causal"]),
                                                ("scale", p["scale"] or None)) if v}),
)


# --------------------------------------------------------------------------- Interpolate
_LINEAR_MODES = ("bilinear", "bicubic")


def _interpolate_shape(p: Params, shapes: list[Shape]) -> Shape:
    shape = shapes[0]
    if len(shape) != 3:
        raise ShapeError(f"Interpolate resizes feature maps C×H×W, received {fmt_shape(shape)}")
    if bool(p["size"]) == bool(p["scale_factor"]):
        raise ShapeError("Interpolate: give either size [H, W] or a scale_factor above 0, not both")
    if p["size"]:
        if len(p["size"]) != 2 or min(p["size"]) < 1:
            raise ShapeError(f"Interpolate: size {list(p['size'])} must be [height, width]")
        return (shape[0], *p["size"])
    h, w = (int(n * p["scale_factor"]) for n in shape[1:])
    if min(h, w) < 1:
        raise ShapeError(f"Interpolate: scale {p['scale_factor']:g} leaves nothing of {fmt_shape(shape)}")
    return (shape[0], h, w)


def _interpolate_call(p: Params, shapes: list[Shape]) -> tuple[str, tuple, dict]:
    kwargs = {"size": tuple(p["size"])} if p["size"] else {"scale_factor": p["scale_factor"]}
    kwargs["mode"] = p["mode"]
    if p["mode"] in _LINEAR_MODES:
        kwargs["align_corners"] = p["align_corners"]
    return "F.interpolate", (), kwargs


INTERPOLATE = LayerSpec(
    type="Interpolate",
    category="tensor",
    doc="Resizes a feature map to size [H, W] or by scale_factor (upsampling, F.interpolate).",
    shape=_interpolate_shape,
    params=(Param("size", "dims", [], doc="output [height, width]; empty to use scale_factor"),
            Param("scale_factor", "float", 2.0, minimum=0.0, doc="0 when size is given"),
            Param("mode", "choice", "nearest", choices=("nearest", "nearest-exact", "bilinear",
                                                         "bicubic", "area")),
            Param("align_corners", "bool", False, doc="bilinear/bicubic only")),
    torch_kind="call",
    torch_call=_interpolate_call,
    label=lambda p: ("→" + "×".join(map(str, p["size"]))) if p["size"] else f"×{p['scale_factor']:g}",
)


# --------------------------------------------------------------------------- constants
_ARITHMETIC = {"add": "+", "sub": "−", "mul": "×", "truediv": "÷", "rsub": "c −", "rtruediv": "c ÷"}

SCALAR_OP = LayerSpec(
    type="ScalarOp",
    category="tensor",
    doc="Combines every value with a constant: x + c, x − c, x × c, x ÷ c, c − x or c ÷ x "
        "(a LeViT's (x + x_dist) / 2, attention's q × scale).",
    shape=lambda p, s: s[0],
    params=(Param("op", "choice", "mul", choices=tuple(_ARITHMETIC)),
            Param("value", "float", 1.0, doc="the constant c")),
    torch_kind="call",
    torch_call=lambda p, s: (f"operator.{p['op']}", (p["value"],), {}),
    label=lambda p: f"{_ARITHMETIC[p['op']]} {p['value']:g}" if not p["op"].startswith("r")
    else f"{p['value']:g} {_ARITHMETIC[p['op']][2:]} x",
)
