"""Classic small networks: LeNet-5 and the digits MLP/CNN."""

from __future__ import annotations

from ..core.builder import DesignBuilder
from ..core.graph import Graph


def lenet5(classes: int = 10) -> Graph:
    b = DesignBuilder(
        "LeNet-5",
        "LeCun et al., 'Gradient-based learning applied to document recognition' (1998), with "
        "ReLU and max pooling as taught today. Input 1×32×32 (resize 28×28 digits to 32×32). "
        "It has 61,706 parameters rather than the paper's ~60,000 because C3 here connects "
        "every one of the 16 filters to all 6 input maps (2,416 weights) instead of the paper's "
        "sparse connection table (1,516), and F6→output is an ordinary Linear layer instead of "
        "RBF units.",
    )
    x = b.input([1, 32, 32])
    x = b.conv2d(x, 6, 5, id="conv1")
    x = b.relu(x, id="relu1")
    x = b.maxpool2d(x, 2, id="pool1")
    x = b.conv2d(x, 16, 5, id="conv2")
    x = b.relu(x, id="relu2")
    x = b.maxpool2d(x, 2, id="pool2")
    x = b.flatten(x, id="flatten")
    x = b.linear(x, 120, id="fc1")
    x = b.relu(x, id="relu3")
    x = b.linear(x, 84, id="fc2")
    x = b.relu(x, id="relu4")
    x = b.linear(x, classes, id="fc3")
    b.output(x)
    return b.build()
