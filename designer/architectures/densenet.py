"""DenseNet-121 as torchvision builds it.

The ids of layers with weights are torchvision's module names
(``features.denseblock1.denselayer1.conv1``), so torchvision's state_dicts load by name.
"""

from __future__ import annotations

from ..core.builder import DesignBuilder
from ..core.graph import Graph

GROWTH = 32
BLOCKS = (6, 12, 24, 16)
BN_SIZE = 4
INIT_FEATURES = 64


def dense_layer(b: DesignBuilder, x: str, block: int, layer: int) -> str:
    """BN-ReLU-1×1 conv (4·k channels), BN-ReLU-3×3 conv (k new channels), joined to the input.

    torchvision concatenates the list of all earlier outputs; concatenating the running
    concatenation with each new output gives the same channels in the same order.
    """
    prefix = f"features.denseblock{block}.denselayer{layer}"
    group_id = f"denseblock{block}.denselayer{layer}"
    with b.group(f"denselayer{layer}", kind="dense layer", id=group_id):
        y = b.batchnorm2d(x, id=f"{prefix}.norm1")
        y = b.relu(y, id=f"{prefix}.relu1")
        y = b.conv2d(y, BN_SIZE * GROWTH, 1, id=f"{prefix}.conv1", bias=False)
        y = b.batchnorm2d(y, id=f"{prefix}.norm2")
        y = b.relu(y, id=f"{prefix}.relu2")
        y = b.conv2d(y, GROWTH, 3, padding=1, id=f"{prefix}.conv2", bias=False)
        return b.concat(x, y, id=f"{prefix}.cat")


def transition(b: DesignBuilder, x: str, channels: int, index: int) -> str:
    """BN-ReLU-1×1 conv halving the channels, then a 2×2 average pool halving the map."""
    name = f"features.transition{index}"
    with b.group(f"transition{index}", kind="transition"):
        x = b.batchnorm2d(x, id=f"{name}.norm")
        x = b.relu(x, id=f"{name}.relu")
        x = b.conv2d(x, channels, 1, id=f"{name}.conv", bias=False)
        return b.avgpool2d(x, 2, 2, id=f"{name}.pool")


def densenet121(classes: int = 1000) -> Graph:
    b = DesignBuilder("DenseNet-121", DESCRIPTION)
    x = b.input([3, 224, 224])
    with b.group("stem", kind="stem"):
        x = b.conv2d(x, INIT_FEATURES, 7, stride=2, padding=3, id="features.conv0", bias=False)
        x = b.batchnorm2d(x, id="features.norm0")
        x = b.relu(x, id="features.relu0")
        x = b.maxpool2d(x, 3, 2, padding=1, id="features.pool0")
    channels = INIT_FEATURES
    for i, layers in enumerate(BLOCKS, start=1):
        with b.group(f"denseblock{i}", kind="dense block"):
            for j in range(1, layers + 1):
                x = dense_layer(b, x, i, j)
        channels += layers * GROWTH
        if i < len(BLOCKS):
            channels //= 2
            x = transition(b, x, channels, i)
    with b.group("head", kind="classifier"):
        x = b.batchnorm2d(x, id="features.norm5")
        x = b.relu(x, id="relu5")
        x = b.adaptive_avgpool2d(x, 1, id="avgpool")
        x = b.flatten(x, id="flatten")
        x = b.linear(x, classes, id="classifier")
    b.output(x)
    return b.build()


DESCRIPTION = (
    "Huang, Liu, van der Maaten & Weinberger, 'Densely Connected Convolutional Networks' "
    "(CVPR 2017), as torchvision.models.densenet121 builds it. Input 3×224×224, 1000 classes. "
    "Inside each of the four dense blocks (6, 12, 24 and 16 layers) every layer receives the "
    "concatenation of all earlier feature maps of the block and adds k = 32 new channels "
    "(growth rate), after a 1×1 'bottleneck' to 4k channels (DenseNet-BC). Transitions "
    "halve channels (compression 0.5) and the map (2×2 average pool). Pre-activation order: "
    "BN-ReLU-conv. Features are reused instead of relearned: 7,978,856 parameters, fewer "
    "than a third of ResNet-50's, for 2.83 billion multiply-accumulates."
)
