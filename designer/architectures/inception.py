"""GoogLeNet (Inception v1) as torchvision builds it, without the auxiliary classifiers."""

from __future__ import annotations

from ..core.builder import DesignBuilder
from ..core.graph import Graph

#: Inception modules: name -> (1×1, 3×3 reduce, 3×3, "5×5" reduce, "5×5", pool projection).
MODULES = {
    "inception3a": (64, 96, 128, 16, 32, 32),
    "inception3b": (128, 128, 192, 32, 96, 64),
    "inception4a": (192, 96, 208, 16, 48, 64),
    "inception4b": (160, 112, 224, 24, 64, 64),
    "inception4c": (128, 128, 256, 24, 64, 64),
    "inception4d": (112, 144, 288, 32, 64, 64),
    "inception4e": (256, 160, 320, 32, 128, 128),
    "inception5a": (256, 160, 320, 32, 128, 128),
    "inception5b": (384, 192, 384, 48, 128, 128),
}
#: Max pools between the module groups (torchvision's maxpool3 and maxpool4).
POOL_AFTER = {"inception3b": ("maxpool3", 3), "inception4e": ("maxpool4", 2)}
BN_EPS = 0.001


def basic_conv(
    b: DesignBuilder, x: str, channels: int, kernel: int, prefix: str, stride=1, padding=0
) -> str:
    """torchvision's BasicConv2d: conv without bias, BatchNorm (eps 0.001), ReLU."""
    return b.conv_bn(x, channels, kernel, stride, padding, prefix=prefix, eps=BN_EPS)


def inception(b: DesignBuilder, x: str, name: str, widths: tuple[int, ...]) -> str:
    """Four parallel branches concatenated along channels (Szegedy et al. 2015, fig. 2b)."""
    c1, r3, c3, r5, c5, proj = widths
    with b.group(name, kind="Inception module"):
        branch1 = basic_conv(b, x, c1, 1, f"{name}.branch1")
        branch2 = basic_conv(b, x, r3, 1, f"{name}.branch2.0")
        branch2 = basic_conv(b, branch2, c3, 3, f"{name}.branch2.1", padding=1)
        branch3 = basic_conv(b, x, r5, 1, f"{name}.branch3.0")
        branch3 = basic_conv(b, branch3, c5, 3, f"{name}.branch3.1", padding=1)
        branch4 = b.maxpool2d(x, 3, 1, padding=1, ceil_mode=True, id=f"{name}.branch4.0")
        branch4 = basic_conv(b, branch4, proj, 1, f"{name}.branch4.1")
        return b.concat(branch1, branch2, branch3, branch4, id=f"{name}.cat")


def googlenet(classes: int = 1000) -> Graph:
    b = DesignBuilder("GoogLeNet", DESCRIPTION)
    x = b.input([3, 224, 224])
    with b.group("stem", kind="stem"):
        x = basic_conv(b, x, 64, 7, "conv1", stride=2, padding=3)
        x = b.maxpool2d(x, 3, 2, ceil_mode=True, id="maxpool1")
        x = basic_conv(b, x, 64, 1, "conv2")
        x = basic_conv(b, x, 192, 3, "conv3", padding=1)
        x = b.maxpool2d(x, 3, 2, ceil_mode=True, id="maxpool2")
    for name, widths in MODULES.items():
        x = inception(b, x, name, widths)
        if name in POOL_AFTER:
            pool, kernel = POOL_AFTER[name]
            x = b.maxpool2d(x, kernel, 2, ceil_mode=True, id=pool)
    with b.group("head", kind="classifier"):
        x = b.adaptive_avgpool2d(x, 1, id="avgpool")
        x = b.flatten(x, id="flatten")
        x = b.dropout(x, 0.2, id="dropout")
        x = b.linear(x, classes, id="fc")
    b.output(x)
    return b.build()


DESCRIPTION = (
    "Szegedy et al., 'Going Deeper with Convolutions' (CVPR 2015), the ILSVRC 2014 winner, as "
    "torchvision.models.googlenet builds it without the two auxiliary classifiers "
    "(aux_logits=False; they only help training). Input 3×224×224, 1000 classes. Nine "
    "Inception modules run a 1×1, a 3×3, a '5×5' and a pooling branch side by side and "
    "concatenate them; 1×1 'reduce' convolutions shrink the channels before the expensive "
    "ones. torchvision's version adds batch norm (eps 0.001, conv without bias) after every "
    "conv, uses max pools with ceil_mode=True, and keeps a 3×3 kernel in the '5×5' branch "
    "(a known quirk kept for its pretrained weights). Global average pooling and dropout "
    "0.2 before one Linear layer: 6,624,904 parameters and 1.50 billion multiply-accumulates, "
    "a twelfth of AlexNet's parameters."
)
