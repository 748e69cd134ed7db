"""Normalisation and regularisation: BatchNorm1d/2d, LocalResponseNorm, Dropout, Dropout2d."""

from __future__ import annotations

from ._util import fmt_shape, need_map, one_input
from .spec import LayerSpec, NotRepresentable, Param, Params, Shape, ShapeError

_BN_PARAMS = (
    Param("eps", "float", 1e-5, minimum=1e-12, doc="added to the variance for stability (> 0)"),
    Param("momentum", "float", 0.1, minimum=0.0, maximum=1.0, doc="running-statistics update rate"),
    Param("affine", "bool", True, doc="learn a scale γ and shift β per channel"),
    Param("track_running_stats", "bool", True),
)


def _bn1d_shape(p: Params, shapes: list[Shape]) -> Shape:
    if len(shapes[0]) not in (1, 2):
        raise ShapeError(
            f"BatchNorm1d received a {len(shapes[0])}-D tensor {fmt_shape(shapes[0])}; it expects "
            f"features (C) or (C, L): use BatchNorm2d on feature maps"
        )
    return shapes[0]


def _bn2d_shape(p: Params, shapes: list[Shape]) -> Shape:
    need_map("BatchNorm2d", shapes[0], "it expects a feature map C×H×W; use BatchNorm1d after Flatten")
    return shapes[0]


def _import_bn(m, shape) -> Params:
    if m.momentum is None:
        raise NotRepresentable("momentum=None (a cumulative moving average) is not supported")
    return {"eps": float(m.eps), "momentum": float(m.momentum), "affine": m.affine,
            "track_running_stats": m.track_running_stats}


def _batchnorm(name: str, rule, doc: str) -> LayerSpec:
    return LayerSpec(
        type=name,
        category="normalisation",
        doc=doc,
        shape=rule,
        params=_BN_PARAMS,
        count_params=lambda p, s, o: 2 * s[0][0] if p["affine"] else 0,
        torch_kwargs=lambda p, s: {"num_features": s[0][0], **p},
        import_params=_import_bn,
        inferred=lambda p, s: {"num_features": s[0][0]},
    )


BATCHNORM1D = _batchnorm(
    "BatchNorm1d", _bn1d_shape, "Normalises each feature over the batch, then scales and shifts it."
)
BATCHNORM2D = _batchnorm(
    "BatchNorm2d",
    _bn2d_shape,
    "Normalises each channel over batch, height and width: faster, more stable training.",
)


def _lrn_shape(p: Params, shapes: list[Shape]) -> Shape:
    if len(shapes[0]) < 2:
        raise ShapeError(
            f"LocalResponseNorm received a 1-D tensor {fmt_shape(shapes[0])}; it normalises across "
            f"channels of a feature map C×H×W"
        )
    return shapes[0]


LOCAL_RESPONSE_NORM = LayerSpec(
    type="LocalResponseNorm",
    category="normalisation",
    doc="AlexNet's normalisation across neighbouring channels.",
    shape=_lrn_shape,
    params=(
        Param("size", "int", 5, minimum=1, doc="number of neighbouring channels"),
        Param("alpha", "float", 1e-4, minimum=0.0),
        Param("beta", "float", 0.75, minimum=0.0),
        Param("k", "float", 1.0, minimum=0.0),
    ),
    torch_kwargs=lambda p, s: dict(p),
    label=lambda p: f"size {p['size']}",
)

_P = Param("p", "float", 0.5, minimum=0.0, maximum=1.0, exclusive_max=True, doc="probability of zeroing")

DROPOUT = LayerSpec(
    type="Dropout",
    category="regularisation",
    doc="Zeroes each value with probability p while training (and rescales the rest).",
    shape=one_input,
    params=(_P,),
    torch_kwargs=lambda p, s: {"p": p["p"]},
    label=lambda p: f"p={p['p']:g}",
)


def _dropout2d_shape(p: Params, shapes: list[Shape]) -> Shape:
    need_map("Dropout2d", shapes[0], "it drops whole channels of a feature map C×H×W; use Dropout")
    return shapes[0]


DROPOUT2D = LayerSpec(
    type="Dropout2d",
    category="regularisation",
    doc="Zeroes whole channels with probability p while training.",
    shape=_dropout2d_shape,
    params=(_P,),
    torch_kwargs=lambda p, s: {"p": p["p"]},
    label=lambda p: f"p={p['p']:g}",
)
