"""ResNet-18 and ResNet-50, mirroring torchvision's models.

The ids of layers with weights are torchvision's module names (``layer2.0.downsample.0``), so
torchvision's state_dicts load into these designs by name.
"""

from __future__ import annotations

from ..core.builder import DesignBuilder
from ..core.graph import Graph

STAGE_WIDTHS = (64, 128, 256, 512)


def _stem(b: DesignBuilder) -> str:
    """7×7/2 conv, BN, ReLU and a 3×3/2 max pool: 224 → 56."""
    x = b.input([3, 224, 224])
    with b.group("stem", kind="stem"):
        x = b.conv2d(x, 64, 7, stride=2, padding=3, id="conv1", bias=False)
        x = b.batchnorm2d(x, id="bn1")
        x = b.relu(x, id="relu")
        x = b.maxpool2d(x, 3, 2, padding=1, id="maxpool")
    return x


def _head(b: DesignBuilder, x: str, classes: int) -> None:
    with b.group("head", kind="classifier"):
        x = b.adaptive_avgpool2d(x, 1, id="avgpool")
        x = b.flatten(x, id="flatten")
        x = b.linear(x, classes, id="fc")
    b.output(x)


def _shortcut(b: DesignBuilder, x: str, channels: int, stride: int, prefix: str, needed: bool):
    """The identity, or a 1×1 conv + BN projection when the shape changes."""
    if not needed:
        return x
    return b.conv_bn(x, channels, 1, stride, prefix=f"{prefix}.downsample", act=None,
                     names=("0", "1", ""))


def basic_block(b: DesignBuilder, x: str, planes: int, stride: int, prefix: str, project: bool):
    """Two 3×3 conv-BN layers plus the shortcut, then ReLU (He et al. 2016, fig. 2)."""
    with b.group(prefix, kind="residual block"):
        y = b.conv_bn(x, planes, 3, stride, 1, prefix=prefix, names=("conv1", "bn1", "relu1"))
        y = b.conv_bn(y, planes, 3, 1, 1, prefix=prefix, act=None, names=("conv2", "bn2", ""))
        shortcut = _shortcut(b, x, planes, stride, prefix, project)
        y = b.add_(y, shortcut, id=f"{prefix}.add")
        return b.relu(y, id=f"{prefix}.relu2")


def bottleneck(b: DesignBuilder, x: str, planes: int, stride: int, prefix: str, project: bool):
    """1×1 reduce, 3×3 (carrying the stride: torchvision's 'ResNet v1.5'), 1×1 expand ×4."""
    with b.group(prefix, kind="bottleneck"):
        y = b.conv_bn(x, planes, 1, prefix=prefix, names=("conv1", "bn1", "relu1"))
        y = b.conv_bn(y, planes, 3, stride, 1, prefix=prefix, names=("conv2", "bn2", "relu2"))
        y = b.conv_bn(y, planes * 4, 1, prefix=prefix, act=None, names=("conv3", "bn3", ""))
        shortcut = _shortcut(b, x, planes * 4, stride, prefix, project)
        y = b.add_(y, shortcut, id=f"{prefix}.add")
        return b.relu(y, id=f"{prefix}.relu3")


def resnet(name: str, block, depths: tuple[int, ...], description: str, classes=1000) -> Graph:
    """Stem, four stages of ``block`` (depths per stage), global average pool and fc."""
    expansion = 4 if block is bottleneck else 1
    b = DesignBuilder(name, description)
    x = _stem(b)
    channels = 64
    for stage, (planes, depth) in enumerate(zip(STAGE_WIDTHS, depths), start=1):
        with b.group(f"layer{stage}", kind="stage"):
            for i in range(depth):
                stride = 2 if stage > 1 and i == 0 else 1
                project = i == 0 and (stride != 1 or channels != planes * expansion)
                x = block(b, x, planes, stride, f"layer{stage}.{i}", project)
                channels = planes * expansion
    _head(b, x, classes)
    return b.build()


_PAPER = (
    "He, Zhang, Ren & Sun, 'Deep Residual Learning for Image Recognition' (CVPR 2016), as "
    "torchvision.models.{fn} builds it. Input 3×224×224, 1000 classes. "
)


def resnet18(classes: int = 1000) -> Graph:
    return resnet("ResNet-18", basic_block, (2, 2, 2, 2), _PAPER.format(fn="resnet18") + (
        "A 7×7/2 stem and max pool, then four stages of two basic residual blocks (two 3×3 "
        "conv-BN layers each) at 64/128/256/512 channels; each block adds its input back "
        "(identity shortcut), so gradients reach early layers undiminished. The first block "
        "of stages 2-4 halves the map with stride 2 and projects the shortcut with a 1×1 "
        "conv + BN. Global average pooling replaces VGG's big fully connected layers: "
        "11,689,512 parameters and 1.81 billion multiply-accumulates."), classes)


def resnet50(classes: int = 1000) -> Graph:
    return resnet("ResNet-50", bottleneck, (3, 4, 6, 3), _PAPER.format(fn="resnet50") + (
        "Sixteen bottleneck blocks (1×1 reduce, 3×3, 1×1 expand ×4) in stages of 3/4/6/3, "
        "so a 3×3 conv runs on a quarter of the channels. torchvision puts the stride of a "
        "downsampling block on the 3×3 conv ('ResNet v1.5'; the paper put it on the first "
        "1×1), which costs a little more compute and is more accurate. 25,557,032 parameters "
        "and 4.09 billion multiply-accumulates."), classes)
