"""Generated designs of any size for the scale benchmarks: plain chains and DenseNet-like
designs (many Concat merges), from a fixed seed so that every run measures the same graphs.

    from scale_designs import chain, densenet_like
    graph = densenet_like(5_000)   # about 5,000 nodes, valid, positioned on a grid

Both are valid designs (analysis finds no error); node positions are a simple column-major
grid so that a window can show them without running auto layout first.
"""

from __future__ import annotations

import random

from designer.core.builder import DesignBuilder
from designer.core.graph import Graph

SEED = 13
ACTIVATIONS = ("ReLU", "ReLU6", "SiLU", "GELU", "Tanh")


def chain(n: int, seed: int = SEED) -> Graph:
    """Input → (Conv2d, BatchNorm2d, activation)… → GAP → Flatten → Linear → Output: n nodes."""
    rng = random.Random(seed)
    b = DesignBuilder(f"chain-{n}")
    x = b.input([3, 16, 16])
    body = n - 5  # input, gap, flatten, linear, output
    kinds = ["Conv2d", "BatchNorm2d", "activation"]
    for i in range(max(0, body)):
        kind = kinds[i % 3]
        if kind == "Conv2d":
            x = b.conv2d(x, rng.choice((4, 8, 16)), rng.choice((1, 3)), padding="same")
        elif kind == "BatchNorm2d":
            x = b.batchnorm2d(x)
        else:
            x = b.add(rng.choice(ACTIVATIONS), x)
    x = b.flatten(b.adaptive_avgpool2d(x))
    b.output(b.linear(x, 10))
    return _grid(b.build(layout=False))


def densenet_like(n: int, seed: int = SEED, growth: int = 4, block: int = 12) -> Graph:
    """Dense blocks (BN → act → Conv1×1 → BN → act → Conv3×3 → Concat with everything before)
    separated by transitions (BN → Conv1×1 halving the channels), until about n nodes."""
    rng = random.Random(seed)
    b = DesignBuilder(f"densenet-like-{n}")
    x = b.conv2d(b.input([3, 16, 16]), 2 * growth, 3, padding=1, id="stem")
    channels, layer = 2 * growth, 0
    while len(b.graph) < n - 12:
        y = b.conv2d(b.add(rng.choice(ACTIVATIONS), b.batchnorm2d(x)), 2 * growth, 1)
        y = b.conv2d(b.add(rng.choice(ACTIVATIONS), b.batchnorm2d(y)), growth, 3, padding=1)
        x = b.concat(x, y)
        channels += growth
        layer += 1
        if layer % block == 0:  # transition: halve the channels so that they stay small
            channels //= 2
            x = b.conv2d(b.relu(b.batchnorm2d(x)), channels, 1)
    x = b.flatten(b.adaptive_avgpool2d(b.relu(b.batchnorm2d(x))))
    b.output(b.linear(x, 10))
    return _grid(b.build(layout=False))


def _grid(graph: Graph, per_column: int = 40) -> Graph:
    for i, node in enumerate(graph.nodes.values()):
        node.position = (260.0 * (i // per_column), 90.0 * (i % per_column))
    return graph


DESIGNS = {"chain": chain, "densenet": densenet_like}
