"""The few torch modules that torch.nn lacks and the catalog needs ("designer:Name" in a
LayerSpec's ``torch_class``). Each is plain torch, so the Python export copies its source
into the generated file and that file still depends on torch alone.

The learnable-tensor layers keep their tensor under ``weight`` with the original model's full
shape, so an imported model's state_dict loads by name.
"""

from __future__ import annotations

import torch
from torch import nn


class StochasticDepth(nn.Module):
    """Drops whole residual branches while training (torchvision.ops.StochasticDepth)."""

    def __init__(self, p: float = 0.1, mode: str = "row"):
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        size = [x.shape[0]] + [1] * (x.ndim - 1) if self.mode == "row" else [1] * x.ndim
        noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(keep)
        if keep > 0.0:
            noise.div_(keep)
        return x * noise

    def extra_repr(self):
        return f"p={self.p}, mode={self.mode!r}"


class LayerScale(nn.Module):
    """Multiplies by a learned tensor (ConvNeXt's layer scale), viewed as ``view`` if given."""

    def __init__(self, shape, view=()):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(shape))
        self.view = tuple(view)

    def forward(self, x):
        return x * (self.weight.view(self.view) if self.view else self.weight)


class PositionEmbedding(nn.Module):
    """Adds a learned tensor (a transformer's position embedding), viewed as ``view`` if given."""

    def __init__(self, shape, view=()):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(shape).normal_(std=0.02))
        self.view = tuple(view)

    def forward(self, x):
        return x + (self.weight.view(self.view) if self.view else self.weight)


class ClassToken(nn.Module):
    """Puts learned tokens in front of a batch of token sequences (N×T×D → N×(tokens+T)×D)."""

    def __init__(self, tokens: int, features: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1, tokens, features))

    def forward(self, x):
        return torch.cat([self.weight.expand(x.shape[0], -1, -1), x], dim=1)


class SelfAttention(nn.MultiheadAttention):
    """nn.MultiheadAttention applied to one tensor (queries = keys = values), batch first;
    returns the attended values only. Same parameters, and names, as nn.MultiheadAttention."""

    def forward(self, x):
        return super().forward(x, x, x, need_weights=False)[0]


class InputFeatures(nn.Module):
    """The Playground's features of 2-D points [N, 2]: the chosen ones of x1, x2, x1², x2²,
    x1·x2, sin(f·x1), sin(f·x2), in that order, as [N, len(features)]."""

    ALL = ("x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2")

    def __init__(self, features=("x1", "x2"), frequency=1.0):
        super().__init__()
        self.features = list(features)
        self.frequency = float(frequency)
        index = torch.tensor([self.ALL.index(name) for name in self.features], dtype=torch.long)
        self.register_buffer("index", index, persistent=False)

    def forward(self, x):
        x1, x2 = x[:, 0:1], x[:, 1:2]
        f = self.frequency
        every = torch.cat([x1, x2, x1 * x1, x2 * x2, x1 * x2, torch.sin(f * x1), torch.sin(f * x2)], 1)
        return every.index_select(1, self.index)

    def extra_repr(self) -> str:
        return f"features={self.features}, frequency={self.frequency}"


CLASSES = {cls.__name__: cls for cls in (StochasticDepth, LayerScale, PositionEmbedding,
                                          ClassToken, SelfAttention, InputFeatures)}
