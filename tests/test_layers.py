"""The pure layer rules held to PyTorch, table-driven in the style of Keras' run_layer_test.

Each row gives a layer type, its parameters and input shape(s), and what the catalog must
derive: output shape, parameter count and MACs, or the error it must raise. Every row is then
checked against torch itself: the real module (compiler.fx_builder.build_module) is run on a
real tensor and its output shape, parameter count and FLOPs (FlopCounterMode / 2) compared;
error rows must make torch fail too, unless the row says the rule is Designer's own.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from designer.analysis import analyze
from designer.compiler import compile_design
from designer.compiler.fx_builder import build_module
from designer.core.builder import DesignBuilder
from designer.layers import ParamError, ShapeError, all_specs, get

BATCH = 2

pytestmark = pytest.mark.filterwarnings(
    "ignore:Using padding='same' with even kernel lengths:UserWarning"
)


@dataclass(frozen=True)
class Row:
    type: str
    params: dict
    inputs: tuple  # per-sample input shapes, one per port
    out: tuple | None = None
    n_params: int = 0
    macs: int = 0
    error: str | None = None  # substring of the ShapeError message
    torch_fails: bool = True  # error rows: False when the rule is Designer's, not torch's
    tags: tuple = field(default=())

    @property
    def id(self) -> str:
        args = ",".join(f"{k}={v}" for k, v in self.params.items())
        shapes = "+".join("x".join(map(str, s)) for s in self.inputs)
        return f"{self.type}({args})@{shapes}" + ("!" if self.error else "")


M = (3, 8, 8)  # the usual feature map


def ok(type_, params, inputs, out, n_params=0, macs=0):
    inputs = inputs if isinstance(inputs, list) else [inputs]
    return Row(type_, params, tuple(map(tuple, inputs)), tuple(out), n_params, macs)


def bad(type_, params, inputs, error, torch_fails=True):
    inputs = inputs if isinstance(inputs, list) else [inputs]
    return Row(type_, params, tuple(map(tuple, inputs)), error=error, torch_fails=torch_fails)


CONV = [
    ok("Conv2d", {"out_channels": 4, "kernel_size": 3}, M, (4, 6, 6), 112, 3888),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}, M, (4, 8, 8), 112, 6912),
    ok("Conv2d", {"out_channels": 4, "kernel_size": [3, 5], "padding": [1, 0]}, M, (4, 8, 4), 184, 5760),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 4, "padding": "same"}, M, (4, 8, 8), 196, 12288),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": "same", "dilation": 2}, M, (4, 8, 8), 112, 6912),
    ok("Conv2d", {"out_channels": 4, "kernel_size": [2, 5], "padding": "same", "dilation": [3, 1]}, M,
       (4, 8, 8), 124, 7680),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": "valid"}, M, (4, 6, 6), 112, 3888),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1}, M, (4, 4, 4), 112, 1728),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 3, "stride": [2, 1]}, M, (4, 3, 6), 112, 1944),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 3, "dilation": 2}, M, (4, 4, 4), 112, 1728),
    ok("Conv2d", {"out_channels": 6, "kernel_size": 3, "groups": 3}, M, (6, 6, 6), 60, 1944),
    ok("Conv2d", {"out_channels": 6, "kernel_size": 3, "groups": "depthwise"}, M, (6, 6, 6), 60, 1944),
    ok("Conv2d", {"out_channels": 8, "kernel_size": 1, "groups": 2}, (4, 5, 5), (8, 5, 5), 24, 400),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 3, "bias": False}, M, (4, 6, 6), 108, 3888),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 2, "padding_mode": "reflect"}, M,
       (4, 10, 10), 112, 10800),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 3, "padding_mode": "reflect"}, (3, 4, 4),
       (4, 8, 8), 112, 6912),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 4, "padding_mode": "circular"}, (3, 4, 4),
       (4, 10, 10), 112, 10800),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 9, "padding_mode": "replicate"}, (3, 4, 4),
       (4, 20, 20), 112, 43200),
    ok("Conv2d", {"out_channels": 4, "kernel_size": 7, "padding": "same", "padding_mode": "reflect"}, (3, 4, 4),
       (4, 4, 4), 592, 9408),
    ok("Conv2d", {"out_channels": 2, "kernel_size": 11, "padding": "same"}, (3, 4, 4), (2, 4, 4), 728, 11616),
    ok("Conv2d", {"out_channels": 2, "kernel_size": 3, "stride": 2}, (3, 4, 4), (2, 1, 1), 56, 54),
    bad("Conv2d", {"out_channels": 4, "kernel_size": 5}, (3, 4, 4),
        "kernel 5 is larger than the padded input 4×4 (H: (4 + 2·0 − 5)/1 + 1 = 0)"),
    bad("Conv2d", {"out_channels": 4, "kernel_size": [3, 9], "padding": [0, 1]}, (3, 4, 4),
        "kernel 9 is larger than the padded input 4×6 (W: (4 + 2·1 − 9)/1 + 1 = -2)"),
    bad("Conv2d", {"out_channels": 4, "kernel_size": 3, "dilation": 3}, (3, 6, 6),
        "dilated kernel 7 (3 with dilation 3) is larger than the padded input 6×6"),
    bad("Conv2d", {"out_channels": 4, "kernel_size": 3, "groups": 2}, M,
        "groups = 2 must divide the 3 input channels"),
    bad("Conv2d", {"out_channels": 5, "kernel_size": 3, "groups": 3}, M, "must divide out_channels = 5"),
    bad("Conv2d", {"out_channels": 5, "kernel_size": 3, "groups": "depthwise"}, M,
        "groups = 3 must divide out_channels = 5"),
    bad("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": "same", "stride": 2}, M,
        'padding "same" needs stride 1 (PyTorch\'s rule), got stride 2'),
    bad("Conv2d", {"out_channels": 4}, (10,), "Conv2d received a 1-D tensor 10"),
    bad("Conv2d", {"out_channels": 4}, (3, 10), "Conv2d received a 2-D tensor 3×10"),
    bad("Conv2d", {"out_channels": 4, "padding": 4, "padding_mode": "reflect"}, (3, 4, 4),
        "padding must be below 4 (H: padding 4 on an input 4 high)"),
    bad("Conv2d", {"out_channels": 4, "padding": [0, 5], "padding_mode": "circular"}, (3, 8, 4),
        "padding must be at most 4 (W: padding 5 on an input 4 wide)"),
    bad("Conv2d", {"out_channels": 4, "kernel_size": 9, "padding": "same", "padding_mode": "reflect"},
        (3, 4, 4), "padding must be below 4"),
]

POOL = [
    ok("MaxPool2d", {"kernel_size": 2}, M, (3, 4, 4)),
    ok("MaxPool2d", {"kernel_size": 3}, M, (3, 2, 2)),  # stride None = kernel_size
    ok("MaxPool2d", {"kernel_size": [2, 3]}, M, (3, 4, 2)),
    ok("MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}, M, (3, 4, 4)),
    ok("MaxPool2d", {"kernel_size": 2, "padding": 1}, M, (3, 5, 5)),
    ok("MaxPool2d", {"kernel_size": 3, "stride": 2}, M, (3, 3, 3)),
    ok("MaxPool2d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}, M, (3, 4, 4)),
    # ceil_mode: the last window must start inside the input or its left padding.
    ok("MaxPool2d", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}, (1, 5, 5), (1, 3, 3)),
    ok("MaxPool2d", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}, (1, 4, 4), (1, 3, 3)),
    ok("MaxPool2d", {"kernel_size": 2, "stride": 3, "padding": 1, "ceil_mode": True}, (1, 4, 4), (1, 2, 2)),
    ok("MaxPool2d", {"kernel_size": 3, "stride": 3, "padding": 1, "ceil_mode": True}, (1, 6, 6), (1, 3, 3)),
    ok("MaxPool2d", {"kernel_size": 6, "stride": 2, "ceil_mode": True}, (3, 5, 5), (3, 1, 1)),
    ok("MaxPool2d", {"kernel_size": 2, "dilation": 2}, M, (3, 3, 3)),
    ok("MaxPool2d", {"kernel_size": 3, "stride": 1, "padding": 1, "dilation": 2}, M, (3, 6, 6)),
    ok("MaxPool2d", {"kernel_size": 3, "stride": 2, "dilation": [1, 2], "ceil_mode": True}, (3, 7, 7),
       (3, 3, 2)),
    bad("MaxPool2d", {"kernel_size": 3, "padding": 2}, M, "padding 2 must be at most half the kernel size 3"),
    bad("MaxPool2d", {"kernel_size": 3, "padding": 2, "dilation": 2}, M, "at most half the kernel size"),
    bad("MaxPool2d", {"kernel_size": 7, "stride": 2, "ceil_mode": True}, (3, 5, 5),
        "kernel 7 is larger than the padded input 5×5"),
    bad("MaxPool2d", {"kernel_size": 9}, M, "kernel 9 is larger than the padded input 8×8"),
    bad("MaxPool2d", {"kernel_size": 3, "dilation": 4}, M, "dilated kernel 9 (3 with dilation 4)"),
    bad("MaxPool2d", {}, (10,), "MaxPool2d received a 1-D tensor 10"),
    ok("AvgPool2d", {"kernel_size": 2}, M, (3, 4, 4)),
    ok("AvgPool2d", {"kernel_size": 3, "stride": 1, "padding": 1, "count_include_pad": False}, M, (3, 8, 8)),
    ok("AvgPool2d", {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}, (1, 5, 5), (1, 3, 3)),
    ok("AvgPool2d", {"kernel_size": 7, "stride": 3, "ceil_mode": True}, (3, 5, 5), (3, 1, 1)),
    ok("AvgPool2d", {"kernel_size": [4, 2], "stride": [1, 2]}, M, (3, 5, 4)),
    bad("AvgPool2d", {"kernel_size": 3, "padding": 2}, M, "padding 2 must be at most half the kernel size 3"),
    # torch would read the batch as channels of an unbatched map; Designer keeps the batch
    bad("AvgPool2d", {"kernel_size": 2}, (4, 5), "AvgPool2d received a 2-D tensor 4×5", torch_fails=False),
    # ceil_mode lets one window hang over the end, even a window larger than the input
    ok("AvgPool2d", {"kernel_size": 6, "stride": 4, "ceil_mode": True}, (3, 4, 4), (3, 1, 1)),
    ok("AvgPool2d", {"kernel_size": 7, "stride": 4, "ceil_mode": True}, (3, 4, 4), (3, 1, 1)),
    bad("AvgPool2d", {"kernel_size": 9, "stride": 4, "ceil_mode": True}, (3, 4, 4),
        "kernel 9 is larger than the padded input 4×4 (H: ⌈(4 + 2·0 − 9)/4⌉ + 1 = 0)"),
    ok("AdaptiveAvgPool2d", {}, M, (3, 1, 1)),
    ok("AdaptiveAvgPool2d", {"output_size": [2, 3]}, M, (3, 2, 3)),
    ok("AdaptiveAvgPool2d", {"output_size": 7}, (3, 5, 5), (3, 7, 7)),
    bad("AdaptiveAvgPool2d", {}, (10,), "AdaptiveAvgPool2d received a 1-D tensor 10"),
    ok("AdaptiveMaxPool2d", {"output_size": 3}, M, (3, 3, 3)),
    ok("AdaptiveMaxPool2d", {"output_size": [1, 4]}, (2, 5, 7), (2, 1, 4)),
    bad("AdaptiveMaxPool2d", {}, (3, 4), "AdaptiveMaxPool2d received a 2-D tensor 3×4", torch_fails=False),
]

DENSE = [
    ok("Linear", {"out_features": 10}, (20,), (10,), 210, 200),
    ok("Linear", {"out_features": 10, "bias": False}, (20,), (10,), 200, 200),
    ok("Linear", {"out_features": 6}, (3, 4, 5), (3, 4, 6), 36, 360),
    ok("Linear", {"out_features": 2}, (4, 5), (4, 2), 12, 40),
    ok("Flatten", {}, (3, 4, 5), (60,)),
    ok("Flatten", {"start_dim": 2}, (3, 4, 5), (3, 20)),
    ok("Flatten", {"start_dim": 1, "end_dim": 2}, (3, 4, 5), (12, 5)),
    ok("Flatten", {"end_dim": -2}, (3, 4, 5), (12, 5)),
    ok("Flatten", {"start_dim": -1}, (3, 4, 5), (3, 4, 5)),
    ok("Flatten", {}, (10,), (10,)),
    ok("Flatten", {"start_dim": -2}, (3, 4), (12,)),
    bad("Flatten", {"start_dim": 3, "end_dim": 1}, (3, 4, 5), "start_dim 3 and end_dim 1 do not select"),
    bad("Flatten", {"start_dim": 3}, (10,), "do not select dimensions of the 2-D batch N×10"),
    bad("Flatten", {"start_dim": 0}, (3, 4, 5), "start_dim must be 1 or more (0 is the batch)",
        torch_fails=False),
    ok("Identity", {}, (3, 4, 5), (3, 4, 5)),
    ok("Identity", {}, (7,), (7,)),
]

ACTIVATION = [
    ok("ReLU", {}, M, M),
    ok("ReLU6", {}, (10,), (10,)),
    ok("LeakyReLU", {"negative_slope": 0.2}, M, M),
    ok("ELU", {"alpha": 0.5}, (4, 6), (4, 6)),
    ok("GELU", {"approximate": "tanh"}, M, M),
    ok("GELU", {}, (5,), (5,)),
    ok("SiLU", {}, M, M),
    ok("Hardswish", {}, M, M),
    ok("Hardsigmoid", {}, (10,), (10,)),
    ok("Sigmoid", {}, (10,), (10,)),
    ok("Tanh", {}, M, M),
    ok("Softplus", {"beta": 2, "threshold": 10}, M, M),
    ok("PReLU", {}, M, M, 1),
    ok("PReLU", {"per_channel": True}, M, M, 3),
    ok("PReLU", {"per_channel": True, "init": 0.1}, (7,), (7,), 7),
    ok("PReLU", {"per_channel": True}, (5, 6), (5, 6), 5),
    ok("Softmax", {}, (10,), (10,)),
    ok("Softmax", {"dim": -1}, (3, 4, 5), (3, 4, 5)),
    ok("Softmax", {"dim": 3}, (3, 4, 5), (3, 4, 5)),
    ok("Softmax", {"dim": -3}, (3, 4, 5), (3, 4, 5)),
    bad("Softmax", {"dim": 2}, (10,), "dim 2 is not a feature dimension of the batch N×10"),
    bad("Softmax", {"dim": -3}, (10,), "dim -3 is not a feature dimension"),
    bad("Softmax", {"dim": 0}, (10,), "dim 0 is not a feature dimension", torch_fails=False),
    ok("LogSoftmax", {}, (10,), (10,)),
    ok("LogSoftmax", {"dim": 2}, (3, 4), (3, 4)),
    bad("LogSoftmax", {"dim": -4}, (3, 4), "dim -4 is not a feature dimension of the batch N×3×4"),
]

NORMALISATION = [
    ok("BatchNorm1d", {}, (6,), (6,), 12),
    ok("BatchNorm1d", {}, (6, 10), (6, 10), 12),
    ok("BatchNorm1d", {"affine": False}, (6,), (6,), 0),
    ok("BatchNorm1d", {"eps": 1e-3, "momentum": 0.5, "track_running_stats": False}, (4,), (4,), 8),
    bad("BatchNorm1d", {}, (3, 4, 5), "BatchNorm1d received a 3-D tensor 3×4×5"),
    ok("BatchNorm2d", {}, M, M, 6),
    ok("BatchNorm2d", {"affine": False, "momentum": 0.01}, M, M, 0),
    bad("BatchNorm2d", {}, (10,), "BatchNorm2d received a 1-D tensor 10"),
    ok("LocalResponseNorm", {"size": 2}, M, M),
    ok("LocalResponseNorm", {"size": 3, "alpha": 1e-3, "beta": 0.5, "k": 2}, (4, 6), (4, 6)),
    bad("LocalResponseNorm", {}, (10,), "LocalResponseNorm received a 1-D tensor 10"),
    ok("Dropout", {"p": 0.2}, (10,), (10,)),
    ok("Dropout", {}, M, M),
    ok("Dropout2d", {"p": 0.1}, M, M),
    bad("Dropout2d", {}, (10,), "Dropout2d received a 1-D tensor 10"),
]

MERGE = [
    ok("Add", {}, [M, M], M),
    ok("Add", {}, [(5,), (5,), (5,)], (5,)),
    ok("Multiply", {}, [M, M], M),
    ok("Multiply", {}, [(3, 1, 1), M], M),  # squeeze-and-excitation channel gate
    ok("Multiply", {}, [M, (3, 1, 1)], M),
    ok("Concat", {}, [(3, 4, 4), (5, 4, 4)], (8, 4, 4)),
    ok("Concat", {}, [(3,), (4,), (1,)], (8,)),
    ok("Concat", {}, [(2, 6), (3, 6)], (5, 6)),
    ok("Concat", {"dim": -1}, [(2, 6), (2, 3)], (2, 9)),
    ok("Concat", {"dim": 2}, [(3, 4, 4), (3, 1, 4)], (3, 5, 4)),
    bad("Add", {}, [(3, 4, 4), (3, 5, 4)], "Add needs inputs of the same shape, or of size 1 on the axes "
        "where they differ: input 0 is 3×4×4 but input 1 is 3×5×4"),
    ok("Add", {}, [(3, 4, 4), (3, 1, 1)], (3, 4, 4)),  # broadcast
    ok("Add", {}, [(1, 4, 1), (3, 1, 5)], (3, 4, 5)),
    bad("Add", {}, [(4,), (3, 4)], "input 1 is 3×4", torch_fails=False),  # ranks differ: the batch would move
    bad("Multiply", {}, [M, M, (4, 8, 8)], "input 2 is 4×8×8"),
    bad("Multiply", {}, [(4, 1, 1), M], "input 0 is 4×1×1 but input 1 is 3×8×8"),
    ok("Multiply", {}, [(3, 8, 1), M], M),
    bad("Concat", {"dim": 0}, [(3,), (3,)], "dim 0 is not an axis of the samples", torch_fails=False),
    bad("Concat", {}, [(3, 4, 4), (3, 5, 5)], "input 0 is 3×4×4 but input 1 is 3×5×5"),
    bad("Concat", {}, [(3, 4, 4), (3,)], "input 1 is 3;"),
]

ENDPOINTS = [
    ok("Input", {"shape": [3, 8, 8]}, [], (3, 8, 8)),
    ok("Input", {"shape": [20]}, [], (20,)),
    ok("Output", {}, (10,), (10,)),
    ok("Output", {"loss": "mse"}, (2, 3), (2, 3)),
]

FEATURES = [  # the Playground's input-feature layer
    ok("InputFeatures", {}, (2,), (2,)),
    ok("InputFeatures", {"x1_squared": True, "x2_squared": True, "x1_x2": True}, (2,), (5,)),
    ok("InputFeatures", {"x1": False, "x2": False, "sin_x1": True, "sin_x2": True, "frequency": 3.0},
       (2,), (2,)),
    bad("InputFeatures", {}, (3,), "InputFeatures needs 2-D points [2]", torch_fails=False),
    bad("InputFeatures", {"x1": False, "x2": False}, (2,), "every feature switched off",
        torch_fails=False),
]

T = (5, 8)  # tokens × features

ZOO = [
    ok("LayerNorm", {}, T, T, 16),
    ok("LayerNorm", {"dims": 2, "eps": 1e-6}, (4, 6, 8), (4, 6, 8), 96),
    ok("LayerNorm", {"bias": False}, (8, 8, 3), (8, 8, 3), 3),  # channel-last map
    ok("LayerNorm", {"elementwise_affine": False}, T, T, 0),
    bad("LayerNorm", {"dims": 3}, T, "LayerNorm normalises the last 3 axes but received 5×8", torch_fails=False),
    ok("GroupNorm", {"num_groups": 3}, (6, 4, 4), (6, 4, 4), 12),
    ok("GroupNorm", {"affine": False}, M, M, 0),
    bad("GroupNorm", {"num_groups": 4}, (6, 4, 4), "the 6 channels of 6×4×4 do not split into 4 groups"),
    ok("StochasticDepth", {"p": 0.2}, M, M),
    ok("StochasticDepth", {"p": 0.5, "mode": "batch"}, T, T),
    ok("LayerScale", {"shape": [3, 1, 1]}, M, M, 3),
    ok("LayerScale", {"shape": [8]}, T, T, 8),
    ok("LayerScale", {"shape": [8], "view": [1, 8, 1, 1]}, (8, 4, 4), (8, 4, 4), 8),  # timm's gamma.reshape
    bad("LayerScale", {"shape": [8], "view": [1, 4, 1, 1]}, (8, 4, 4), "must hold the 8 values", torch_fails=False),
    bad("LayerScale", {"shape": [4, 1, 1]}, M, "its 4×1×1 tensor does not broadcast over N×3×8×8"),
    bad("LayerScale", {"shape": [2, 1, 1, 1, 1]}, M, "has more axes than the batch", torch_fails=False),
    ok("PositionEmbedding", {"shape": [1, 5, 8]}, T, T, 40),
    bad("PositionEmbedding", {"shape": [1, 6, 8]}, T, "its 1×6×8 tensor does not broadcast"),
    ok("ClassToken", {}, T, (6, 8), 8),
    ok("ClassToken", {"tokens": 2}, T, (7, 8), 16),
    bad("ClassToken", {}, M, "ClassToken expects tokens×features, received 3×8×8"),
    ok("MultiheadAttention", {"num_heads": 2}, T, T, 288, 4 * 5 * 64 + 2 * 25 * 8),
    ok("MultiheadAttention", {"num_heads": 4, "bias": False}, (3, 16), (3, 16), 1024, 4 * 3 * 256 + 2 * 9 * 16),
    bad("MultiheadAttention", {"num_heads": 3}, T, "8 features do not split into 3 heads"),
    bad("MultiheadAttention", {}, M, "expects tokens×features, received 3×8×8", torch_fails=False),
    ok("ScaledDotProductAttention", {}, [(2, 5, 4), (2, 6, 4), (2, 6, 3)], (2, 5, 3), 0, 2 * 5 * 6 * 7),
    ok("ScaledDotProductAttention", {"is_causal": True, "scale": 0.5}, [T, T, T], T, 0, 5 * 5 * 16),
    bad("ScaledDotProductAttention", {}, [(5, 4), (6, 3), (6, 3)], "must share the feature size"),
    bad("ScaledDotProductAttention", {}, [(5, 4), (6, 4)], "takes 3 inputs", torch_fails=False),
    ok("MatMul", {}, [(2, 3, 4), (2, 4, 5)], (2, 3, 5), 0, 120),
    ok("MatMul", {}, [(3, 4), (4, 5)], (3, 5), 0, 60),
    ok("MatMul", {}, [(1, 3, 4), (2, 4, 5)], (2, 3, 5), 0, 120),
    bad("MatMul", {}, [(3, 4), (5, 6)], "must equal the second-to-last of input 1 (5)"),
    ok("Reshape", {"shape": [3, 64]}, M, (3, 64)),
    ok("Reshape", {"shape": [-1, 8]}, M, (24, 8)),
    ok("Reshape", {"shape": [2, 4, 5]}, (40,), (2, 4, 5)),
    bad("Reshape", {"shape": [5, -1]}, M, "192 is not a multiple of 5"),
    bad("Reshape", {"shape": [3, 65]}, M, "the totals must agree"),
    ok("Permute", {}, M, (8, 8, 3)),
    ok("Permute", {"dims": [0, 3, 1, 2]}, (8, 6, 3), (3, 8, 6)),
    ok("Permute", {"dims": [0, -1, 1]}, T, (8, 5)),
    bad("Permute", {"dims": [1, 0, 2, 3]}, M, "starting with the batch 0", torch_fails=False),
    bad("Permute", {"dims": [0, 1, 2]}, M, "must order all 4 axes"),
    ok("Transpose", {}, M, (8, 3, 8)),
    ok("Transpose", {"dim0": -1, "dim1": -2}, T, (8, 5)),
    bad("Transpose", {"dim0": 0}, M, "dim 0 is the batch", torch_fails=False),
    bad("Transpose", {"dim1": 5}, M, "dim 5 is outside the 4-D batch N×3×8×8"),
    ok("Unsqueeze", {}, T, (1, 5, 8)),
    ok("Unsqueeze", {"dim": -1}, T, (5, 8, 1)),
    bad("Unsqueeze", {"dim": 4}, T, "dim 4 is outside"),
    ok("Squeeze", {}, (5, 1), (5,)),
    ok("Squeeze", {"dim": 1}, T, T),  # size 5: left as it is, as torch does
    ok("Mean", {}, M, (3,)),
    ok("Mean", {"dims": [2, 3], "keepdim": True}, M, (3, 1, 1)),
    ok("Mean", {"dims": [1]}, T, (8,)),
    bad("Mean", {"dims": [2, -2]}, M, "name the same axis twice", torch_fails=True),
    bad("Mean", {"dims": []}, M, "give the dims to reduce", torch_fails=False),
    ok("Amax", {"dims": [-1]}, T, (5,)),
    ok("Slice", {"start": 0, "end": 2}, M, (2, 8, 8)),
    ok("Slice", {"dim": -2, "start": 1, "step": 2}, M, (3, 4, 8)),
    ok("Slice", {"dim": 3, "start": -3}, M, (3, 8, 3)),
    bad("Slice", {"start": 5}, M, "selects nothing of the 3 values along dim 1", torch_fails=False),
    ok("Select", {}, T, (8,)),
    ok("Select", {"dim": -1, "index": -1}, M, (3, 8)),
    bad("Select", {"index": 5}, T, "index 5 is outside the 5 values along dim 1"),
    ok("Pad", {}, M, (3, 10, 10)),
    ok("Pad", {"pad": [0, 1, 0, 1], "mode": "constant", "value": 1.0}, (8, 7, 7), (8, 8, 8)),
    ok("Pad", {"pad": [2, 1, 0, 1], "mode": "reflect"}, M, (3, 9, 11)),
    bad("Pad", {"pad": [2, 1], "mode": "reflect"}, M, "give 4 numbers, got 2"),
    bad("Pad", {"pad": [1, 1, 1]}, M, "must be (before, after) pairs"),
    ok("Interpolate", {}, (3, 7, 9), (3, 14, 18)),
    ok("Interpolate", {"scale_factor": 1.5}, (3, 7, 9), (3, 10, 13)),
    ok("Interpolate", {"scale_factor": 0.5, "mode": "bilinear"}, (3, 7, 9), (3, 3, 4)),
    ok("Interpolate", {"size": [4, 5], "scale_factor": 0.0, "mode": "bicubic", "align_corners": True},
       (3, 7, 9), (3, 4, 5)),
    bad("Interpolate", {"size": [4, 5]}, M, "not both", torch_fails=False),
    ok("ScalarOp", {}, M, M),
    ok("ScalarOp", {"op": "truediv", "value": 2.0}, T, T),
    ok("ScalarOp", {"op": "rsub", "value": 1.0}, T, T),
    bad("Interpolate", {}, (5, 8), "resizes feature maps C×H×W", torch_fails=False),  # 1-D in torch
    ok("ModuleCall", {"module": "torch.nn.Linear", "kwargs": {"in_features": 8, "out_features": 3},
                      "input_shape": [5, 8], "output_shape": [5, 3], "parameters": 27, "macs": 120},
       T, (5, 3), 27, 120),
    bad("ModuleCall", {"module": "torch.nn.Linear", "kwargs": {"in_features": 8, "out_features": 3},
                       "input_shape": [5, 8], "output_shape": [5, 3]}, (6, 8),
        "was imported for input 5×8 and received 6×8", torch_fails=False),
]

ROWS = CONV + POOL + DENSE + ACTIVATION + NORMALISATION + MERGE + ENDPOINTS + FEATURES + ZOO
GOOD = [pytest.param(r, id=r.id) for r in ROWS if r.error is None]
BAD = [pytest.param(r, id=r.id) for r in ROWS if r.error is not None]


def test_every_catalog_type_has_rows():
    covered = {r.type for r in ROWS}
    catalog = {s.type for s in all_specs()}
    assert len(catalog) >= 30
    assert catalog <= covered, f"no table rows for {sorted(catalog - covered)}"


# ---------------------------------------------------------------- the pure rules
@pytest.mark.parametrize("row", GOOD)
def test_rule(row: Row):
    spec = get(row.type)
    p = spec.resolve(row.params)
    shapes = list(row.inputs)
    out = spec.shape(p, shapes)
    assert out == row.out
    assert spec.count_params(p, shapes, out) == row.n_params
    assert spec.macs(p, shapes, out) == row.macs


@pytest.mark.parametrize("row", BAD)
def test_rule_error(row: Row):
    spec = get(row.type)
    with pytest.raises(ShapeError) as exc:
        spec.shape(spec.resolve(row.params), list(row.inputs))
    assert row.error in str(exc.value)


# ---------------------------------------------------------------- held to torch
def _flops(module, *xs) -> int:
    # The math kernel of attention, whose matrix products FlopCounterMode sees (it counts
    # nothing for the fused CPU kernel).
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        result = module(*xs)
    return result, counter.get_total_flops()


def _design(row: Row):
    """Input(s) -> the layer -> Output, for rows that are not a plain nn module."""
    b = DesignBuilder("row")
    if row.type == "Input":
        b.output(b.add("Input", id="input", **row.params), loss="none")
        return b.build(layout=False)
    xs = [b.input(list(s), id=f"in{i}") for i, s in enumerate(row.inputs)]
    node = b.add(row.type, *xs, id="layer", **row.params)
    if row.type != "Output":
        b.output(node, loss="none")
    return b.build(layout=False)


def _real(row: Row):
    """(output shape, parameter count, MACs per sample) of the real torch layer."""
    spec = get(row.type)
    xs = [torch.randn(BATCH, *s) for s in row.inputs]
    if spec.torch_kind == "module":
        module = build_module(spec, spec.resolve(row.params), list(row.inputs))
    else:
        module = compile_design(_design(row))
        xs = xs or [torch.randn(BATCH, *row.params["shape"])]
    with torch.no_grad():
        y, flops = _flops(module, *xs)
    assert y.shape[0] == BATCH
    return tuple(y.shape[1:]), sum(p.numel() for p in module.parameters()), flops // 2 // BATCH


@pytest.mark.parametrize("row", GOOD)
def test_rule_matches_torch(row: Row):
    shape, n_params, macs = _real(row)
    assert (shape, n_params, macs) == (row.out, row.n_params, row.macs)


@pytest.mark.parametrize("row", [r for r in BAD if r.values[0].torch_fails])
def test_torch_refuses_what_the_rule_refuses(row: Row):
    spec = get(row.type)
    p = spec.resolve(row.params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a deprecated input torch still runs counts as refused
        with pytest.raises((RuntimeError, ValueError, IndexError, UserWarning, AssertionError)):
            xs = [torch.randn(BATCH, *s) for s in row.inputs]
            if spec.torch_kind == "module":
                build_module(spec, p, list(row.inputs))(*xs)
            elif spec.torch_kind == "call":
                RAW_CALLS[row.type](p, xs)
            else:
                _torch_merge(row.type, xs, p)


#: The torch call each "call" entry stands for, written directly from its parameters.
RAW_CALLS = {
    "Reshape": lambda p, xs: xs[0].reshape(xs[0].shape[0], *p["shape"]),
    "Permute": lambda p, xs: torch.permute(xs[0], p["dims"]),
    "Transpose": lambda p, xs: torch.transpose(xs[0], p["dim0"], p["dim1"]),
    "Unsqueeze": lambda p, xs: torch.unsqueeze(xs[0], p["dim"]),
    "Mean": lambda p, xs: torch.mean(xs[0], p["dims"], p["keepdim"]),
    "Select": lambda p, xs: torch.select(xs[0], p["dim"], p["index"]),
    "Pad": lambda p, xs: torch.nn.functional.pad(xs[0], p["pad"], p["mode"], p["value"]),
    "MatMul": lambda p, xs: torch.matmul(*xs),
    "Interpolate": lambda p, xs: torch.nn.functional.interpolate(xs[0], scale_factor=p["scale_factor"]),
    "ScaledDotProductAttention": lambda p, xs: torch.nn.functional.scaled_dot_product_attention(*xs),
}


def _torch_merge(kind: str, xs, p=None):
    if kind == "Concat":
        return torch.cat(xs, (p or {}).get("dim", 1))
    result = xs[0]
    for x in xs[1:]:
        result = result + x if kind == "Add" else result * x
    return result


# ---------------------------------------------------------------- messages in a design
def _analyse_one(type_: str, params: dict, shape, node_id: str = "layer"):
    b = DesignBuilder("one")
    x = b.input(list(shape))
    b.output(b.add(type_, x, id=node_id, **params), loss="none")
    return analyze(b.build(layout=False))


def test_shape_error_message_names_node_received_and_expected():
    analysis = _analyse_one("Conv2d", {"out_channels": 8, "kernel_size": 5}, (3, 4, 4), "conv3")
    (issue,) = analysis.errors
    assert issue.code == "shape" and issue.node_id == "conv3"
    assert issue.message.startswith(
        "Conv2d conv3: kernel 5 is larger than the padded input 4×4 (H: (4 + 2·0 − 5)/1 + 1 = 0)"
    )
    assert "smaller kernel" in issue.message  # and what to do about it


@pytest.mark.parametrize("row", [r for r in BAD if len(r.values[0].inputs) == 1])
def test_every_shape_error_reaches_the_design_prefixed_with_the_node(row: Row):
    analysis = _analyse_one(row.type, row.params, row.inputs[0], "n7")
    (issue,) = analysis.errors
    assert issue.code == "shape" and issue.message.startswith(f"{row.type} n7")
    assert row.error.replace(f"{row.type} ", f"{row.type} n7 ", 1) in issue.message


PARAM_ERRORS = [
    ("Conv2d", {"kernel_size": -1}, "kernel_size must be at least 1, got -1"),
    ("Conv2d", {"kernel_size": 0}, "kernel_size must be at least 1, got 0"),
    ("Conv2d", {"kernel_size": [3, 0]}, "kernel_size must be at least 1, got 0"),
    ("Conv2d", {"out_channels": 0}, "out_channels must be at least 1, got 0"),
    ("Conv2d", {"kernel_size": "3"}, "kernel_size must be a whole number, got '3'"),
    ("Conv2d", {"kernel_size": 2.5}, "kernel_size must be a whole number, got 2.5"),
    ("Conv2d", {"kernel_size": [3, 3, 3]}, "kernel_size must be one number or a pair [height, width], got [3, 3, 3]"),
    ("Conv2d", {"kernel_size": 1 << 30}, "kernel_size = 1073741824 is absurdly large"),
    ("Conv2d", {"padding": -1}, "padding must be at least 0, got -1"),
    ("Conv2d", {"padding": "full"}, "padding must be a whole number, got 'full'"),
    ("Conv2d", {"groups": 0}, "groups must be at least 1, got 0"),
    ("Conv2d", {"groups": "dw"}, "groups must be a whole number, got 'dw'"),
    ("Conv2d", {"bias": "yes"}, "bias must be true or false, got 'yes'"),
    ("Conv2d", {"bias": 1}, "bias must be true or false, got 1"),
    ("Conv2d", {"padding_mode": "mirror"}, "padding_mode must be one of 'zeros', 'reflect', 'replicate', "
     "'circular', got 'mirror'"),
    ("Conv2d", {"filters": 8}, "Conv2d has no parameter 'filters' (known: out_channels, kernel_size"),
    ("ReLU", {"inplace": True}, "ReLU has no parameter 'inplace' (it takes none)"),
    ("MaxPool2d", {"stride": 0}, "stride must be at least 1, got 0"),
    ("Linear", {"out_features": 0}, "out_features must be at least 1, got 0"),
    ("Linear", {"out_features": True}, "out_features must be a whole number, got True"),
    ("Linear", {"out_features": None}, "out_features must be a whole number, got None"),
    ("Dropout", {"p": 1.0}, "p must be below 1, got 1"),
    ("Dropout", {"p": -0.1}, "p must be at least 0, got -0.1"),
    ("Dropout", {"p": "half"}, "p must be a number, got 'half'"),
    ("Dropout", {"p": float("nan")}, "p must be a finite number, got nan"),
    ("Dropout2d", {"p": 2}, "p must be below 1, got 2"),
    ("LeakyReLU", {"negative_slope": float("inf")}, "negative_slope must be a finite number, got inf"),
    ("BatchNorm2d", {"momentum": 2}, "momentum must be at most 1, got 2"),
    ("Softmax", {"dim": 5}, "dim must be at most 3, got 5"),
    ("AdaptiveAvgPool2d", {"output_size": 0}, "output_size must be at least 1, got 0"),
    ("GELU", {"approximate": "fast"}, "approximate must be one of 'none', 'tanh', got 'fast'"),
]


@pytest.mark.parametrize("type_, params, message", PARAM_ERRORS, ids=[f"{t}-{m[:30]}" for t, _, m in PARAM_ERRORS])
def test_bad_parameters_are_bad_param_issues(type_, params, message):
    analysis = _analyse_one(type_, params, M, "n1")
    (issue,) = analysis.errors
    assert issue.code == "bad-param" and issue.node_id == "n1"
    assert issue.message.startswith(f"{type_} n1: ") and message in issue.message
    assert analysis.nodes["n1"].status == "error"
    assert analysis.nodes["output"].status == "unknown"
    with pytest.raises(ParamError):
        get(type_).resolve(params)


@pytest.mark.parametrize("shape, message", [
    ([], "shape must be a list of 1 to 3 sizes"),
    ([1, 2, 3, 4], "shape must be a list of 1 to 3 sizes"),
    ([0, 4], "shape sizes must be at least 1, got [0, 4]"),
    ("3x32x32", "shape must be a list of 1 to 3 sizes"),
    ([3, 1 << 20, 1 << 20], "values per sample; the limit is"),
])
def test_bad_input_shape(shape, message):
    with pytest.raises(ParamError, match=None) as exc:
        get("Input").resolve({"shape": shape})
    assert message in str(exc.value)
