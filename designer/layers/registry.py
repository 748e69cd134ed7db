"""The layer catalog: an explicit table of LayerSpecs. Adding a layer = one spec + register()."""

from __future__ import annotations

from . import (activation, conv, dense, endpoints, features, merge, normalization, opaque, pooling,
               tensor_ops, transformer)
from .spec import LayerSpec

#: Palette order of categories, each with its colour (categories drive colours, like Netron).
CATEGORIES: dict[str, str] = {
    "input/output": "#5b6770",
    "convolution": "#3a78c2",
    "pooling": "#2f9e8f",
    "dense": "#7a5cc2",
    "activation": "#d08a2e",
    "normalisation": "#4e9a4b",
    "regularisation": "#a8a034",
    "merge": "#c2506a",
    "attention": "#b0489b",
    "tensor": "#8a7560",
    "utility": "#6f7d8c",
}

_REGISTRY: dict[str, LayerSpec] = {}

#: The types that the modern model zoo needs (ConvNeXt, EfficientNet, ViT, Swin...).
ZOO_SPECS = (
    transformer.LAYER_NORM, transformer.GROUP_NORM, transformer.STOCHASTIC_DEPTH,
    transformer.LAYER_SCALE, transformer.POSITION_EMBEDDING, transformer.CLASS_TOKEN,
    transformer.MULTIHEAD_ATTENTION, tensor_ops.SDPA, tensor_ops.MATMUL,
    tensor_ops.RESHAPE, tensor_ops.PERMUTE, tensor_ops.TRANSPOSE, tensor_ops.UNSQUEEZE,
    tensor_ops.SQUEEZE, tensor_ops.MEAN, tensor_ops.AMAX, tensor_ops.SLICE, tensor_ops.SELECT,
    tensor_ops.PAD, tensor_ops.INTERPOLATE, tensor_ops.SCALAR_OP, opaque.MODULE_CALL,
)


_GENERATION = [0]  # bumped on every change, so tables derived from the catalog know to rebuild


def register(spec: LayerSpec) -> LayerSpec:
    if spec.type in _REGISTRY:
        raise ValueError(f"layer type {spec.type!r} is registered twice")
    if spec.category not in CATEGORIES:
        raise ValueError(f"{spec.type}: unknown category {spec.category!r}")
    _REGISTRY[spec.type] = spec
    _GENERATION[0] += 1
    return spec


def unregister(layer_type: str) -> None:
    """Take a type out of the catalog again (a plugin's or a test's own type)."""
    del _REGISTRY[layer_type]
    _GENERATION[0] += 1


def generation() -> int:
    """A number that changes whenever a type is registered or unregistered."""
    return _GENERATION[0]


def get(layer_type: str) -> LayerSpec | None:
    return _REGISTRY.get(layer_type)


def all_specs() -> list[LayerSpec]:
    return list(_REGISTRY.values())


def by_category() -> dict[str, list[LayerSpec]]:
    out: dict[str, list[LayerSpec]] = {c: [] for c in CATEGORIES}
    for spec in _REGISTRY.values():
        out[spec.category].append(spec)
    return out


for _spec in (
    endpoints.INPUT,
    endpoints.OUTPUT,
    conv.CONV2D,
    pooling.MAXPOOL2D,
    pooling.AVGPOOL2D,
    pooling.ADAPTIVE_AVGPOOL2D,
    pooling.ADAPTIVE_MAXPOOL2D,
    dense.LINEAR,
    dense.FLATTEN,
    dense.IDENTITY,
    activation.RELU,
    activation.RELU6,
    activation.LEAKY_RELU,
    activation.PRELU,
    activation.ELU,
    activation.GELU,
    activation.SILU,
    activation.HARDSWISH,
    activation.HARDSIGMOID,
    activation.SIGMOID,
    activation.TANH,
    activation.SOFTPLUS,
    activation.SOFTMAX,
    activation.LOG_SOFTMAX,
    normalization.BATCHNORM1D,
    normalization.BATCHNORM2D,
    normalization.LOCAL_RESPONSE_NORM,
    normalization.DROPOUT,
    normalization.DROPOUT2D,
    merge.ADD,
    merge.MULTIPLY,
    merge.CONCAT,
    features.INPUT_FEATURES,
    *ZOO_SPECS,
):
    register(_spec)
