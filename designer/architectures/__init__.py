"""Reference architectures written with the builder API; ``python -m designer.architectures``
writes them to examples/ as JSON (the committed example zoo)."""

from __future__ import annotations

from typing import Callable

from ..core.graph import Graph
from . import classic, densenet, inception, mobile, plain, resnet, teaching

#: example file stem -> builder. Each entry is one file in examples/.
ARCHITECTURES: dict[str, Callable[[], Graph]] = {
    "lenet5": classic.lenet5,
    "digits_mlp": classic.digits_mlp,
    "digits_cnn": classic.digits_cnn,
    "tiny_vgg": classic.tiny_vgg,
    "shapes_cnn": teaching.shapes_cnn,
    "textures_cnn": teaching.textures_cnn,
    "alexnet": plain.alexnet,
    "zfnet": plain.zfnet,
    "vgg16": plain.vgg16,
    "vgg19": plain.vgg19,
    "resnet18": resnet.resnet18,
    "resnet50": resnet.resnet50,
    "googlenet": inception.googlenet,
    "densenet121": densenet.densenet121,
    "squeezenet1_1": mobile.squeezenet1_1,
    "mobilenet_v2": mobile.mobilenet_v2,
}

#: Examples that mirror a torchvision model exactly: stem -> (torchvision builder name, kwargs).
TORCHVISION_MIRRORS: dict[str, tuple[str, dict]] = {
    "alexnet": ("alexnet", {}),
    "vgg16": ("vgg16", {}),
    "vgg19": ("vgg19", {}),
    "resnet18": ("resnet18", {}),
    "resnet50": ("resnet50", {}),
    "googlenet": ("googlenet", {"aux_logits": False, "init_weights": False}),
    "densenet121": ("densenet121", {}),
    "squeezenet1_1": ("squeezenet1_1", {}),
    "mobilenet_v2": ("mobilenet_v2", {}),
}
