"""Element-wise activation functions (and Softmax/LogSoftmax along a dimension)."""

from __future__ import annotations

from ._util import fmt_shape, one_input
from .spec import LayerSpec, NotRepresentable, Param, Params, Shape, ShapeError


def _simple(name: str, doc: str, *params: Param, label=None) -> LayerSpec:
    names = [p.name for p in params]
    return LayerSpec(
        type=name,
        category="activation",
        doc=doc,
        shape=one_input,
        params=params,
        torch_kwargs=lambda p, s: {n: p[n] for n in names},
        label=label,
    )


RELU = _simple("ReLU", "max(0, x): the default hidden activation; cheap and does not saturate for x > 0.")
RELU6 = _simple("ReLU6", "min(max(0, x), 6): ReLU capped at 6, used by MobileNets.")
LEAKY_RELU = _simple(
    "LeakyReLU",
    "x for x > 0, negative_slope·x otherwise: keeps a small gradient for negative inputs.",
    Param("negative_slope", "float", 0.01, minimum=0.0),
    label=lambda p: f"α={p['negative_slope']:g}",
)
ELU = _simple(
    "ELU",
    "x for x > 0, α(eˣ − 1) otherwise: smooth, with negative outputs.",
    Param("alpha", "float", 1.0, minimum=0.0),
)
GELU = _simple(
    "GELU",
    "x·Φ(x): the smooth gate used by transformers.",
    Param("approximate", "choice", "none", choices=("none", "tanh")),
)
SILU = _simple("SiLU", "x·σ(x) (swish): smooth and non-monotonic.")
HARDSWISH = _simple("Hardswish", "x·ReLU6(x + 3)/6: a cheap swish, used by MobileNetV3.")
HARDSIGMOID = _simple("Hardsigmoid", "ReLU6(x + 3)/6: a cheap piecewise-linear sigmoid (MobileNetV3's gates).")
SIGMOID = _simple("Sigmoid", "1/(1 + e⁻ˣ): squashes to (0, 1); saturates, so gradients can vanish.")
TANH = _simple("Tanh", "tanh(x): squashes to (−1, 1), zero-centred; saturates.")
SOFTPLUS = _simple(
    "Softplus",
    "log(1 + e^{βx})/β: a smooth ReLU.",
    Param("beta", "float", 1.0, minimum=1e-6),
    Param("threshold", "float", 20.0, minimum=0.0),
)


def _prelu_channels(p: Params, shapes: list[Shape]) -> int:
    return shapes[0][0] if p["per_channel"] else 1


def _import_prelu(m, shape) -> Params:
    channels = shape[1] if shape and len(shape) > 1 else 1
    if m.num_parameters not in (1, channels):
        raise NotRepresentable(f"num_parameters={m.num_parameters} is neither 1 nor the {channels} channels")
    return {"per_channel": m.num_parameters > 1, "init": float(getattr(m, "init", 0.25))}


PRELU = LayerSpec(
    type="PReLU",
    category="activation",
    doc="LeakyReLU whose negative slope is learned (one shared, or one per channel).",
    shape=one_input,
    params=(
        Param("per_channel", "bool", False, doc="learn one slope per channel (num_parameters = C)"),
        Param("init", "float", 0.25),
    ),
    count_params=lambda p, s, o: _prelu_channels(p, s),
    torch_kwargs=lambda p, s: {"num_parameters": _prelu_channels(p, s), "init": p["init"]},
    import_params=_import_prelu,
    inferred=lambda p, s: {"num_parameters": _prelu_channels(p, s)},
)


def _softmax_shape(name: str):
    def rule(p: Params, shapes: list[Shape]) -> Shape:
        rank = len(shapes[0]) + 1
        if not -rank <= p["dim"] < rank or p["dim"] in (0, -rank):
            raise ShapeError(
                f"{name}: dim {p['dim']} is not a feature dimension of the batch "
                f"{fmt_shape(('N',) + shapes[0])}; use 1 for classes/channels"
            )
        return shapes[0]

    return rule


def _import_dim(m, shape) -> Params:
    if m.dim is None:
        raise NotRepresentable("dim=None (an implicit dimension) is not supported; give dim")
    return {"dim": m.dim}


def _softmax(name: str, doc: str) -> LayerSpec:
    return LayerSpec(
        type=name,
        category="activation",
        doc=doc,
        shape=_softmax_shape(name),
        params=(Param("dim", "int", 1, minimum=-4, maximum=3, doc="dimension that sums to 1 (1 = classes)"),),
        torch_kwargs=lambda p, s: {"dim": p["dim"]},
        import_params=_import_dim,
        tags=frozenset({"softmax"}),
    )


SOFTMAX = _softmax("Softmax", "Turns scores into probabilities that sum to 1 along dim.")
LOG_SOFTMAX = _softmax("LogSoftmax", "log(Softmax(x)): pairs with a negative log-likelihood loss.")
