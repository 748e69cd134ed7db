"""Small ImageNet networks for mobile devices: SqueezeNet 1.1 and MobileNetV2 (torchvision's)."""

from __future__ import annotations

from ..core.builder import DesignBuilder
from ..core.graph import Graph

#: SqueezeNet 1.1 Fire modules: name -> (squeeze, expand 1×1, expand 3×3).
FIRES = {
    "fire2": (16, 64, 64), "fire3": (16, 64, 64),
    "fire4": (32, 128, 128), "fire5": (32, 128, 128),
    "fire6": (48, 192, 192), "fire7": (48, 192, 192),
    "fire8": (64, 256, 256), "fire9": (64, 256, 256),
}
#: Max pools (3×3/2, ceil mode) before these Fire modules.
POOL_BEFORE = {"fire4": "pool3", "fire6": "pool5"}
#: Ids of a conv → BN → ReLU6 unit under its prefix.
CONV_BN_RELU6 = ("conv", "bn", "relu6")

#: MobileNetV2 bottleneck stages: (expansion t, channels c, repeats n, first stride s).
MOBILENET_V2_STAGES = (
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
    (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
)


def fire(b: DesignBuilder, x: str, name: str, widths: tuple[int, int, int]) -> str:
    """Squeeze with 1×1 convs, then expand with parallel 1×1 and 3×3 convs, concatenated."""
    squeeze, e1, e3 = widths
    with b.group(name, kind="Fire module"):
        s = b.conv2d(x, squeeze, 1, id=f"{name}.squeeze")
        s = b.relu(s, id=f"{name}.squeeze_activation")
        left = b.conv2d(s, e1, 1, id=f"{name}.expand1x1")
        left = b.relu(left, id=f"{name}.expand1x1_activation")
        right = b.conv2d(s, e3, 3, padding=1, id=f"{name}.expand3x3")
        right = b.relu(right, id=f"{name}.expand3x3_activation")
        return b.concat(left, right, id=f"{name}.cat")


def squeezenet1_1(classes: int = 1000) -> Graph:
    b = DesignBuilder("SqueezeNet 1.1", SQUEEZENET_TEXT)
    x = b.input([3, 224, 224])
    with b.group("stem", kind="stem"):
        x = b.conv2d(x, 64, 3, stride=2, id="conv1")
        x = b.relu(x, id="relu1")
        x = b.maxpool2d(x, 3, 2, ceil_mode=True, id="pool1")
    for name, widths in FIRES.items():
        if name in POOL_BEFORE:
            x = b.maxpool2d(x, 3, 2, ceil_mode=True, id=POOL_BEFORE[name])
        x = fire(b, x, name, widths)
    with b.group("classifier", kind="classifier"):
        x = b.dropout(x, id="drop")
        x = b.conv2d(x, classes, 1, id="conv10")
        x = b.relu(x, id="relu10")
        x = b.adaptive_avgpool2d(x, 1, id="avgpool")
        x = b.flatten(x, id="flatten")
    b.output(x)
    return b.build()


def inverted_residual(
    b: DesignBuilder, x: str, name: str, c_in: int, t: int, c_out: int, stride: int
) -> str:
    """1×1 expand (×t, ReLU6), 3×3 depthwise (ReLU6), 1×1 linear projection; the input is
    added back when the shapes match."""
    with b.group(name, kind="inverted residual"):
        y = x
        if t != 1:
            y = b.conv_bn(y, c_in * t, 1, prefix=f"{name}.expand", act="ReLU6", names=CONV_BN_RELU6)
        y = b.conv_bn(y, c_in * t, 3, stride, 1, prefix=f"{name}.dw", act="ReLU6",
                      names=CONV_BN_RELU6, groups="depthwise")
        y = b.conv_bn(y, c_out, 1, prefix=f"{name}.project", act=None)
        if stride == 1 and c_in == c_out:
            y = b.add_(x, y, id=f"{name}.add")
        return y


def mobilenet_v2(classes: int = 1000) -> Graph:
    b = DesignBuilder("MobileNetV2", MOBILENET_V2_TEXT)
    x = b.input([3, 224, 224])
    with b.group("stem", kind="stem"):
        x = b.conv_bn(x, 32, 3, 2, 1, prefix="features.0", act="ReLU6", names=CONV_BN_RELU6)
    c_in, index = 32, 1
    for stage, (t, c, n, s) in enumerate(MOBILENET_V2_STAGES, start=1):
        with b.group(f"stage{stage}", kind="bottleneck stage"):
            for i in range(n):
                x = inverted_residual(b, x, f"features.{index}", c_in, t, c, s if i == 0 else 1)
                c_in, index = c, index + 1
    with b.group("head", kind="classifier"):
        x = b.conv_bn(x, 1280, 1, prefix=f"features.{index}", act="ReLU6", names=CONV_BN_RELU6)
        x = b.adaptive_avgpool2d(x, 1, id="avgpool")
        x = b.flatten(x, id="flatten")
        x = b.dropout(x, 0.2, id="dropout")
        x = b.linear(x, classes, id="classifier")
    b.output(x)
    return b.build()


SQUEEZENET_TEXT = (
    "Iandola et al., 'SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and "
    "<0.5MB model size' (2016); version 1.1 from the SqueezeNet repository, as "
    "torchvision.models.squeezenet1_1 builds it. Input 3×224×224, 1000 classes. Eight Fire "
    "modules each squeeze the channels with 1×1 convs, then expand with parallel 1×1 and "
    "3×3 convs that are concatenated. There are no fully connected layers: a 1×1 conv makes "
    "one map per class and global average pooling turns them into scores. Version 1.1 starts "
    "with a 3×3/2 conv of 64 filters and pools earlier than 1.0, for 2.4× less compute at "
    "the same accuracy: 1,235,496 parameters, 349 million multiply-accumulates. Max pools use "
    "ceil_mode=True as in torchvision."
)

MOBILENET_V2_TEXT = (
    "Sandler, Howard, Zhu, Zhmoginov & Chen, 'MobileNetV2: Inverted Residuals and Linear "
    "Bottlenecks' (CVPR 2018), as torchvision.models.mobilenet_v2 builds it (width 1.0). "
    "Input 3×224×224, 1000 classes. Seventeen inverted residual blocks in seven stages "
    "(expansion t, channels, repeats, stride from the paper's table 2): a 1×1 conv expands "
    "the channels 6×, a 3×3 depthwise conv filters each channel on its own, and a 1×1 conv "
    "projects back down with no activation (a linear bottleneck, since ReLU would destroy "
    "information in few channels); blocks with equal input and output shapes add their "
    "input. Every conv is followed by batch norm and ReLU6. Ids follow torchvision's "
    "features.N numbering. 3,504,872 parameters and 301 million multiply-accumulates."
)
