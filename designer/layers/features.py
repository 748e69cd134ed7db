"""InputFeatures: the TensorFlow Playground's input features as a layer of the design.

From 2-D points (x₁, x₂) it computes the chosen features — x₁, x₂, x₁², x₂², x₁x₂, sin x₁,
sin x₂ — in that order, so a design that starts with it reproduces a Playground run when it
is saved, exported or trained headless. ``frequency`` scales the sine features' argument
(sin(f·x)): the inputs arrive standardised (mean 0, std 1), so f > 1 lets the sines wind
several times across the data.
"""

from __future__ import annotations

from ._util import fmt_shape
from .spec import LayerSpec, Param, Params, Shape, ShapeError

#: Parameter name -> the feature's label, in the order the outputs are laid out.
FEATURES: dict[str, str] = {
    "x1": "x₁", "x2": "x₂", "x1_squared": "x₁²", "x2_squared": "x₂²", "x1_x2": "x₁x₂",
    "sin_x1": "sin x₁", "sin_x2": "sin x₂",
}


def chosen(p: Params) -> list[str]:
    """The names of the features switched on, in output order."""
    return [name for name in FEATURES if p[name]]


def _shape(p: Params, shapes: list[Shape]) -> Shape:
    if shapes[0] != (2,):
        raise ShapeError(f"InputFeatures needs 2-D points [2] (x₁, x₂), got {fmt_shape(shapes[0])}; "
                         f"use it right after an Input of shape [2]")
    features = chosen(p)
    if not features:
        raise ShapeError("InputFeatures has every feature switched off; switch on at least one "
                         "(x₁, x₂, x₁², ...)")
    return (len(features),)


def _label(p: Params) -> str:
    names = [FEATURES[n] for n in chosen(p)]
    return ", ".join(names) if len(names) <= 3 else f"{len(names)} features"


def _explain(p: Params, shapes: list[Shape]) -> list[str]:
    names = [FEATURES[n] for n in chosen(p)]
    return [f"features: {', '.join(names) or 'none'} → {len(names)} values"]


def _import(m, shape) -> Params:
    return {**{name: name in m.features for name in FEATURES}, "frequency": float(m.frequency)}


INPUT_FEATURES = LayerSpec(
    type="InputFeatures",
    category="utility",
    doc="The Playground's input features of 2-D points: x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂ "
        "(the ones switched on, in that order).",
    shape=_shape,
    params=(
        *(Param(name, "bool", name in ("x1", "x2"), doc=f"include {label}")
          for name, label in FEATURES.items()),
        Param("frequency", "float", 1.0, minimum=0.01, maximum=100.0,
              doc="f in sin(f·x) of the sine features"),
    ),
    global_field=lambda p, s: True,
    torch_kind="module",
    torch_class="designer:InputFeatures",
    torch_kwargs=lambda p, s: {"features": chosen(p), "frequency": p["frequency"]},
    import_params=_import,
    label=_label,
    explain=_explain,
)
