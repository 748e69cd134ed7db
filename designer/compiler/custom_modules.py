"""torch modules for the catalog's layer types that torch.nn lacks (InputFeatures).

Each class is plain torch with no dependency on designer, so the Python export copies its
source into the generated file and the exported module stays standalone. ``CUSTOM`` maps a
layer type to its class; ``module_class`` finds a type's class in torch.nn or here.
"""

from __future__ import annotations

import inspect

import torch
from torch import nn


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


CUSTOM: dict[str, type[nn.Module]] = {"InputFeatures": InputFeatures}


def module_class(layer_type: str) -> type[nn.Module]:
    """The module class of a layer type: torch.nn's, or one of ours."""
    cls = CUSTOM.get(layer_type) or getattr(nn, layer_type, None)
    if cls is None:
        raise KeyError(f"no torch module for layer type {layer_type!r}")
    return cls


def custom_source(layer_type: str) -> str:
    """The source of our class for ``layer_type`` (for standalone exports)."""
    return inspect.getsource(CUSTOM[layer_type])
