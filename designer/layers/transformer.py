"""Layers of modern networks (ConvNeXt, EfficientNet, vision transformers): LayerNorm,
GroupNorm, StochasticDepth, learnable tensors used directly (LayerScale, PositionEmbedding,
ClassToken) and MultiheadAttention.

The learnable-tensor layers hold one tensor named ``weight`` of a given full shape (what
the original model's nn.Parameter had, e.g. ConvNeXt's 96×1×1 layer scale or a ViT's
1×197×768 position embedding), so an imported model's state_dict loads into them by name.
"""

from __future__ import annotations

from math import prod

from ._util import fmt_shape, one_input
from .spec import LayerSpec, Param, Params, Shape, ShapeError


# --------------------------------------------------------------------------- norms
def _ln_normalized(p: Params, shape: Shape) -> Shape:
    if p["dims"] > len(shape):
        raise ShapeError(f"LayerNorm normalises the last {p['dims']} axes but received "
                         f"{fmt_shape(shape)} ({len(shape)} axes per sample)")
    return shape[len(shape) - p["dims"]:]


def _ln_params(p: Params, shapes: list[Shape], out: Shape) -> int:
    if not p["elementwise_affine"]:
        return 0
    return prod(_ln_normalized(p, shapes[0])) * (2 if p["bias"] else 1)


def _ln_shape(p: Params, shapes: list[Shape]) -> Shape:
    _ln_normalized(p, shapes[0])
    return shapes[0]


def _import_ln(m, shape) -> Params:
    return {"dims": len(m.normalized_shape), "eps": float(m.eps),
            "elementwise_affine": m.elementwise_affine, "bias": getattr(m, "bias", None) is not None}


LAYER_NORM = LayerSpec(
    type="LayerNorm",
    category="normalisation",
    doc="Normalises each sample over its last axes (the features of a token, the channels "
        "of a channel-last map), then scales and shifts them.",
    shape=_ln_shape,
    params=(
        Param("dims", "int", 1, minimum=1, maximum=8, doc="how many trailing axes are normalised"),
        Param("eps", "float", 1e-5, minimum=1e-12),
        Param("elementwise_affine", "bool", True, doc="learn a scale (and shift) per value"),
        Param("bias", "bool", True, doc="learn the shift too"),
    ),
    count_params=_ln_params,
    torch_kwargs=lambda p, s: {"normalized_shape": _ln_normalized(p, s[0]), "eps": p["eps"],
                               "elementwise_affine": p["elementwise_affine"], "bias": p["bias"]},
    import_params=_import_ln,
    inferred=lambda p, s: {"normalized_shape": list(_ln_normalized(p, s[0]))},
    label=lambda p: f"last {p['dims']}" if p["dims"] > 1 else "",
)


def _gn_shape(p: Params, shapes: list[Shape]) -> Shape:
    shape = shapes[0]
    if len(shape) < 1 or shape[0] % p["num_groups"]:
        raise ShapeError(f"GroupNorm: the {shape[0] if shape else 0} channels of {fmt_shape(shape)} "
                         f"do not split into {p['num_groups']} groups; choose a divisor")
    return shape


GROUP_NORM = LayerSpec(
    type="GroupNorm",
    category="normalisation",
    doc="Normalises groups of channels within each sample (independent of the batch size).",
    shape=_gn_shape,
    params=(
        Param("num_groups", "int", 1, minimum=1),
        Param("eps", "float", 1e-5, minimum=1e-12),
        Param("affine", "bool", True),
    ),
    count_params=lambda p, s, o: 2 * s[0][0] if p["affine"] else 0,
    torch_kwargs=lambda p, s: {"num_groups": p["num_groups"], "num_channels": s[0][0],
                               "eps": p["eps"], "affine": p["affine"]},
    inferred=lambda p, s: {"num_channels": s[0][0]},
    label=lambda p: f"{p['num_groups']} groups",
)

STOCHASTIC_DEPTH = LayerSpec(
    type="StochasticDepth",
    category="regularisation",
    doc="While training, drops the whole residual branch of a sample (mode row) or of the "
        "batch (mode batch) with probability p and rescales the rest; identity when evaluating.",
    shape=one_input,
    params=(
        Param("p", "float", 0.1, minimum=0.0, maximum=1.0, doc="probability of dropping"),
        Param("mode", "choice", "row", choices=("row", "batch")),
    ),
    torch_class="designer:StochasticDepth",
    torch_kwargs=lambda p, s: {"p": p["p"], "mode": p["mode"]},
    label=lambda p: f"p={p['p']:g}",
)


# --------------------------------------------------------------------------- learnable tensors
def _broadcasts_into(layer: str, tensor: tuple[int, ...], shape: Shape) -> None:
    """``tensor`` combined with a batch (N, *shape) must leave the batch's shape unchanged."""
    full = (None,) + tuple(shape)
    if len(tensor) > len(full):
        raise ShapeError(f"{layer}: its {fmt_shape(tensor)} tensor has more axes than the batch "
                         f"{fmt_shape(('N',) + tuple(shape))}")
    for t, d in zip(reversed(tensor), reversed(full)):
        if t != 1 and t != d:
            raise ShapeError(f"{layer}: its {fmt_shape(tensor)} tensor does not broadcast over "
                             f"{fmt_shape(('N',) + tuple(shape))}; each axis must be 1 or match")


def _viewed(name: str, p: Params) -> tuple[int, ...]:
    """The tensor's shape as it is combined: ``view`` when given (same number of values)."""
    if not p["shape"] or any(d < 1 for d in p["shape"]):
        raise ShapeError(f"{name}: shape {list(p['shape'])} must be positive sizes")
    if not p["view"]:
        return tuple(p["shape"])
    if any(d < 1 for d in p["view"]) or prod(p["view"]) != prod(p["shape"]):
        raise ShapeError(f"{name}: view {list(p['view'])} must hold the {prod(p['shape'])} values "
                         f"of its {fmt_shape(p['shape'])} tensor")
    return tuple(p["view"])


def _tensor_layer(name: str, doc: str, default: list[int], cls: str) -> LayerSpec:
    def rule(p: Params, shapes: list[Shape]) -> Shape:
        _broadcasts_into(name, _viewed(name, p), shapes[0])
        return shapes[0]

    return LayerSpec(
        type=name,
        category="dense",
        doc=doc,
        shape=rule,
        params=(Param("shape", "dims", default, doc="the full shape of the learned tensor"),
                Param("view", "dims", [], doc="the shape it is viewed as when applied (empty: as is)")),
        count_params=lambda p, s, o: prod(p["shape"]),
        torch_class=f"designer:{cls}",
        torch_kwargs=lambda p, s: {"shape": tuple(p["shape"]), "view": tuple(p["view"])},
        import_params=lambda m, s: {"shape": list(m.weight.shape), "view": list(m.view)},
        label=lambda p: fmt_shape(p["shape"]),
    )


LAYER_SCALE = _tensor_layer(
    "LayerScale", "Multiplies by a learned tensor (ConvNeXt's per-channel layer scale).",
    [1], "LayerScale")
POSITION_EMBEDDING = _tensor_layer(
    "PositionEmbedding", "Adds a learned tensor (a transformer's position embedding).",
    [1, 1], "PositionEmbedding")


def _token_shape(p: Params, shapes: list[Shape]) -> Shape:
    shape = shapes[0]
    if len(shape) != 2:
        raise ShapeError(f"ClassToken expects tokens×features, received {fmt_shape(shape)}; "
                         f"flatten and transpose the feature map into tokens first")
    return (shape[0] + p["tokens"], shape[1])


CLASS_TOKEN = LayerSpec(
    type="ClassToken",
    category="dense",
    doc="Puts learned tokens in front of the sequence (a ViT's class token).",
    shape=_token_shape,
    params=(Param("tokens", "int", 1, minimum=1, doc="how many learned tokens"),),
    count_params=lambda p, s, o: p["tokens"] * s[0][1],
    torch_class="designer:ClassToken",
    torch_kwargs=lambda p, s: {"tokens": p["tokens"], "features": s[0][1]},
    import_params=lambda m, s: {"tokens": m.weight.shape[1]},
    inferred=lambda p, s: {"features": s[0][1]},
    label=lambda p: f"+{p['tokens']}",
)


# --------------------------------------------------------------------------- attention
def _mha_shape(p: Params, shapes: list[Shape]) -> Shape:
    shape = shapes[0]
    if len(shape) != 2:
        raise ShapeError(f"MultiheadAttention expects tokens×features, received {fmt_shape(shape)}")
    if shape[1] % p["num_heads"]:
        raise ShapeError(f"MultiheadAttention: {shape[1]} features do not split into "
                         f"{p['num_heads']} heads; choose a divisor")
    return shape


def _mha_params(p: Params, shapes: list[Shape], out: Shape) -> int:
    e = shapes[0][1]
    return 4 * e * e + (4 * e if p["bias"] else 0)


def _mha_macs(p: Params, shapes: list[Shape], out: Shape) -> int:
    tokens, e = shapes[0]
    return 4 * tokens * e * e + 2 * tokens * tokens * e


def _import_mha(m, shape) -> Params:
    """A Designer SelfAttention (torch's own nn.MultiheadAttention, called with three
    arguments, is converted by the importer's attention_pieces)."""
    return {"num_heads": m.num_heads, "dropout": float(m.dropout), "bias": m.in_proj_bias is not None}


MULTIHEAD_ATTENTION = LayerSpec(
    type="MultiheadAttention",
    category="attention",
    doc="Self-attention: every token attends to every token, in num_heads heads.",
    shape=_mha_shape,
    params=(
        Param("num_heads", "int", 8, minimum=1),
        Param("dropout", "float", 0.0, minimum=0.0, maximum=1.0, exclusive_max=True),
        Param("bias", "bool", True),
    ),
    count_params=_mha_params,
    macs=_mha_macs,
    global_field=lambda p, s: True,
    torch_class="designer:SelfAttention",
    torch_kwargs=lambda p, s: {"embed_dim": s[0][1], "num_heads": p["num_heads"],
                               "dropout": p["dropout"], "bias": p["bias"], "batch_first": True},
    import_params=_import_mha,
    inferred=lambda p, s: {"embed_dim": s[0][1]},
    label=lambda p: f"{p['num_heads']} heads",
)
