"""Input and Output: where tensors enter the model and which tensor it returns."""

from __future__ import annotations

from ._util import fmt_shape, one_input
from .spec import LayerSpec, Param, Params, Shape

INPUT = LayerSpec(
    type="Input",
    category="input/output",
    doc="The model's input, without the batch: [C, H, W] for images, [F] for tabular data.",
    shape=lambda p, s: tuple(p["shape"]),
    params=(Param("shape", "shape", [1, 28, 28], doc="size of one sample, e.g. [3, 32, 32]"),),
    inputs=0,
    torch_kind="input",
    label=lambda p: fmt_shape(p["shape"]),
)

OUTPUT = LayerSpec(
    type="Output",
    category="input/output",
    doc="Marks the tensor the model returns, and the loss it is trained with.",
    shape=one_input,
    params=(
        Param(
            "loss",
            "choice",
            "cross_entropy",
            choices=("cross_entropy", "mse", "none"),
            doc="cross_entropy expects raw scores (logits); mse for regression",
        ),
    ),
    has_output=False,
    torch_kind="output",
    label=lambda p: {"cross_entropy": "cross-entropy", "mse": "MSE", "none": ""}[p["loss"]],
)


def output_classes(shape: Shape) -> int | None:
    """Number of classes a classifier output of this shape predicts (None if not 1-D)."""
    return shape[0] if len(shape) == 1 else None


__all__ = ["INPUT", "OUTPUT", "output_classes", "Params"]
