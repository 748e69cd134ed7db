"""Plain (chain-shaped) ImageNet networks: AlexNet, ZFNet, VGG-16 and VGG-19.

AlexNet and the VGGs mirror torchvision's models layer for layer, in torchvision's module
order (features, adaptive average pool, flatten, classifier), so that pretrained weights map
onto them one to one.
"""

from __future__ import annotations

from ..core.builder import DesignBuilder
from ..core.graph import Graph

#: torchvision's VGG configurations: channels per 3×3 conv, one list per block (a pool after each).
VGG_BLOCKS = {
    16: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
    19: [[64, 64], [128, 128], [256] * 4, [512] * 4, [512] * 4],
}


def alexnet(classes: int = 1000) -> Graph:
    b = DesignBuilder(
        "AlexNet",
        "Krizhevsky, Sutskever & Hinton, 'ImageNet Classification with Deep Convolutional "
        "Neural Networks' (NIPS 2012), as torchvision.models.alexnet builds it: the one-GPU "
        "variant of 'One weird trick…' (Krizhevsky 2014) with 64/192/384/256/256 filters, no "
        "local response normalisation and no grouped convolutions. Input 3×224×224, 1000 "
        "classes. 61,100,840 parameters, 96% of them in the three fully connected layers; "
        "714 million multiply-accumulates, 92% of them in the five convolutions. The adaptive "
        "average pool to 6×6 lets other input sizes reach the same 9,216 features.",
    )
    x = b.input([3, 224, 224])
    with b.group("features", kind="feature extractor", collapsed=False):
        x = b.conv2d(x, 64, 11, stride=4, padding=2, id="conv1")
        x = b.relu(x, id="relu1")
        x = b.maxpool2d(x, 3, 2, id="pool1")
        x = b.conv2d(x, 192, 5, padding=2, id="conv2")
        x = b.relu(x, id="relu2")
        x = b.maxpool2d(x, 3, 2, id="pool2")
        for i, channels in zip((3, 4, 5), (384, 256, 256)):
            x = b.conv2d(x, channels, 3, padding=1, id=f"conv{i}")
            x = b.relu(x, id=f"relu{i}")
        x = b.maxpool2d(x, 3, 2, id="pool5")
    x = b.adaptive_avgpool2d(x, 6, id="avgpool")
    x = b.flatten(x, id="flatten")
    with b.group("classifier", kind="classifier", collapsed=False):
        x = b.dropout(x, id="drop6")
        x = b.linear(x, 4096, id="fc6")
        x = b.relu(x, id="relu6")
        x = b.dropout(x, id="drop7")
        x = b.linear(x, 4096, id="fc7")
        x = b.relu(x, id="relu7")
        x = b.linear(x, classes, id="fc8")
    b.output(x)
    return b.build()


def zfnet(classes: int = 1000) -> Graph:
    b = DesignBuilder(
        "ZFNet",
        "Zeiler & Fergus, 'Visualizing and Understanding Convolutional Networks' (ECCV 2014), "
        "the ILSVRC 2013 winner: AlexNet re-tuned after looking at its filters with a "
        "deconvnet. The first layer uses 7×7 filters at stride 2 instead of 11×11 at stride 4 "
        "(AlexNet's first filters were aliased and partly dead), and conv3-conv5 are wider "
        "(384/384/256). Input 3×224×224, 1000 classes; the feature maps follow the paper's "
        "figure 3 (110 → 55 → 26 → 13 → 6) using padding 1 on conv1 and the first two pools. "
        "Local response normalisation stands in for the paper's contrast normalisation. "
        "62,357,608 parameters. Not a torchvision model.",
    )
    x = b.input([3, 224, 224])
    with b.group("features", kind="feature extractor", collapsed=False):
        x = b.conv2d(x, 96, 7, stride=2, padding=1, id="conv1")
        x = b.relu(x, id="relu1")
        x = b.maxpool2d(x, 3, 2, padding=1, id="pool1")
        x = b.local_response_norm(x, 5, id="norm1")
        x = b.conv2d(x, 256, 5, stride=2, id="conv2")
        x = b.relu(x, id="relu2")
        x = b.maxpool2d(x, 3, 2, padding=1, id="pool2")
        x = b.local_response_norm(x, 5, id="norm2")
        for i, channels in zip((3, 4, 5), (384, 384, 256)):
            x = b.conv2d(x, channels, 3, padding=1, id=f"conv{i}")
            x = b.relu(x, id=f"relu{i}")
        x = b.maxpool2d(x, 3, 2, id="pool5")
    x = b.flatten(x, id="flatten")
    with b.group("classifier", kind="classifier", collapsed=False):
        x = b.linear(x, 4096, id="fc6")
        x = b.relu(x, id="relu6")
        x = b.dropout(x, id="drop6")
        x = b.linear(x, 4096, id="fc7")
        x = b.relu(x, id="relu7")
        x = b.dropout(x, id="drop7")
        x = b.linear(x, classes, id="fc8")
    b.output(x)
    return b.build()


def vgg(depth: int, classes: int = 1000) -> Graph:
    """VGG-16 or VGG-19 (configurations D and E, without batch norm) as torchvision builds them."""
    blocks = VGG_BLOCKS[depth]
    b = DesignBuilder(f"VGG-{depth}", _VGG_TEXT[depth])
    x = b.input([3, 224, 224])
    for block, widths in enumerate(blocks, start=1):
        with b.group(f"block{block}", kind="VGG block"):
            for i, channels in enumerate(widths, start=1):
                x = b.conv2d(x, channels, 3, padding=1, id=f"conv{block}_{i}")
                x = b.relu(x, id=f"relu{block}_{i}")
            x = b.maxpool2d(x, 2, id=f"pool{block}")
    x = b.adaptive_avgpool2d(x, 7, id="avgpool")
    x = b.flatten(x, id="flatten")
    with b.group("classifier", kind="classifier", collapsed=False):
        for i in (6, 7):
            x = b.linear(x, 4096, id=f"fc{i}")
            x = b.relu(x, id=f"relu{i}")
            x = b.dropout(x, id=f"drop{i}")
        x = b.linear(x, classes, id="fc8")
    b.output(x)
    return b.build()


_VGG_COMMON = (
    "Simonyan & Zisserman, 'Very Deep Convolutional Networks for Large-Scale Image "
    "Recognition' (ICLR 2015), as torchvision.models.vgg{d} builds it (no batch norm). "
    "Input 3×224×224, 1000 classes. Only 3×3 convolutions (padding 1) and 2×2 max pools: "
    "two stacked 3×3 convs see 5×5 with fewer weights and an extra ReLU. Five blocks halve "
    "the map 224 → 7 while channels double 64 → 512; an adaptive average pool keeps 7×7 for "
    "other input sizes before the 4096-4096-1000 classifier with dropout."
)
_VGG_TEXT = {
    16: _VGG_COMMON.format(d=16) + " Configuration D, 13 conv + 3 FC layers: 138,357,544 "
    "parameters (74% in fc6 alone) and 15.5 billion multiply-accumulates.",
    19: _VGG_COMMON.format(d=19) + " Configuration E, 16 conv + 3 FC layers: 143,667,240 "
    "parameters and 19.6 billion multiply-accumulates.",
}


def vgg16(classes: int = 1000) -> Graph:
    return vgg(16, classes)


def vgg19(classes: int = 1000) -> Graph:
    return vgg(19, classes)
