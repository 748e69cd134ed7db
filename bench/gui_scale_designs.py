"""Generated designs of a chosen size for the scale benchmarks (fixed seed, so runs compare).

    chain(n)  Input → (Conv2d → BatchNorm2d → ReLU)* → pooling → Linear → Output
    dense(n)  DenseNet-like: blocks of (BatchNorm2d → ReLU → Conv2d → Concat of every earlier
              feature map in the block), joined by transitions (1×1 conv, average pooling)

Both have exactly ``n`` nodes, valid shapes, and positions from the layered layout (as a
saved file has them), or a cheap grid when ``layout=False``.
"""

from __future__ import annotations

import random

from designer.core.builder import DesignBuilder
from designer.core.graph import Graph

SEED = 13
INPUT = [3, 32, 32]


def chain(n: int, seed: int = SEED, layout: bool = True) -> Graph:
    rng = random.Random(seed)
    b = DesignBuilder(f"chain-{n}")
    x = b.input(INPUT)
    tail = 5  # gap, flatten, linear, output (+ input)
    i = 0
    while len(b.graph.nodes) < n - (tail - 1):
        kind = i % 3
        if kind == 0:
            x = b.conv2d(x, rng.choice([8, 16, 24, 32]), 3, padding=1)
        elif kind == 1:
            x = b.batchnorm2d(x)
        else:
            x = b.relu(x)
        i += 1
    x = b.adaptive_avgpool2d(x)
    x = b.flatten(x)
    x = b.linear(x, 10)
    b.output(x)
    return _finish(b, layout)


def dense(n: int, seed: int = SEED, layout: bool = True, block: int = 6) -> Graph:
    rng = random.Random(seed)
    b = DesignBuilder(f"dense-{n}")
    x = b.input(INPUT)
    x = b.conv2d(x, 16, 3, padding=1)
    tail = 5
    per_layer, per_transition = 4, 4
    size = 32
    while len(b.graph.nodes) + per_layer + tail <= n:
        features = [x]
        layers = 0
        while layers < block and len(b.graph.nodes) + per_layer + tail <= n:
            y = b.batchnorm2d(x)
            y = b.relu(y)
            y = b.conv2d(y, rng.choice([4, 8, 12]), 3, padding=1)
            features.append(y)
            x = b.concat(*features)
            layers += 1
        if len(b.graph.nodes) + per_transition + tail <= n:
            x = b.batchnorm2d(x)
            x = b.relu(x)
            x = b.conv2d(x, 16, 1)
            if size > 2:
                x = b.avgpool2d(x, 2)
                size //= 2
            else:
                x = b.relu(x)
    while len(b.graph.nodes) + tail - 1 < n:  # fill to exactly n
        x = b.relu(x)
    x = b.adaptive_avgpool2d(x)
    x = b.flatten(x)
    x = b.linear(x, 10)
    b.output(x)
    return _finish(b, layout)


def _finish(b: DesignBuilder, layout: bool) -> Graph:
    graph = b.build(layout=layout)
    if not layout:
        for i, node in enumerate(graph.nodes.values()):
            node.position = (float(i % 8) * 220.0, float(i // 8) * 110.0)
    return graph


GENERATORS = {"chain": chain, "dense": dense}
