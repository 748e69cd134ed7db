"""What an explanation is about: one input, the network seen from that input's space, and
the class to explain.

Attributions, occlusion and adversarial examples are computed in *pixel space* whenever the
data allow it: images in [0, 1] as people see them, with the dataset's normalisation (and
the flattening of a design that takes vectors) folded into the network (``PixelNet``). So a
map lands on the picture shown, an adversarial ε is in pixel units (ε = 8/255 is "eight grey
levels"), and a perturbed image stays a valid image. Without a DataBundle (tensors prepared
for the model, as some tests hand the probes) the model's own input space is used.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from ..probes.events import ProbeError
from ..probes.model import device_of, node_modules
from ..probes.requests import Samples, display_images, samples_of


def pixel_net(model, finish=None):
    """``model`` behind ``finish`` (normalise, flatten) as one nn.Module, so that captum can
    hook the model's layers and differentiate with respect to pixels."""
    import torch

    class PixelNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, x):
            return self.model(finish(x) if finish is not None else x)

    return PixelNet()


@dataclass
class Subject:
    """One input to explain. ``x`` [1, ...] is on the model's device, in pixel space when
    ``pixels`` (bounded to [0, 1]); ``shown`` is the picture of it ([C, H, W] in 0..1, or a
    vector); ``net(x)`` gives the logits."""

    x: Any
    shown: np.ndarray
    net: Any
    label: int | None
    index: int | None
    pixels: bool
    classes: tuple[str, ...]
    mean: Any = None  # the data's mean input [1, C, 1, 1] in this space (None: zero)

    @property
    def is_image(self) -> bool:
        return self.x.dim() == 4

    @property
    def bounds(self) -> tuple[float, float]:
        return (0.0, 1.0) if self.pixels else (-float("inf"), float("inf"))

    def picture(self, x) -> np.ndarray:
        """An input like ``x`` [1, ...] (e.g. perturbed) as a picture on the same scale as
        ``shown``: pixels as they are; model-space values stretched by the original's range."""
        values = x[0].detach().float().cpu().numpy()
        if self.pixels:
            return values.copy()
        original = self.x.detach().float().cpu().numpy()
        lo, hi = float(original.min()), float(original.max())
        return ((values - lo) / (hi - lo if hi > lo else 1.0)).astype(np.float32)

    def name(self, index: int) -> str:
        """A class's name (its number when the data have no names)."""
        return self.classes[index] if 0 <= index < len(self.classes) else str(index)

    def describe(self) -> str:
        what = f"sample {self.index}" if self.index is not None else "image file"
        return what + (f" (true: {self.name(self.label)})" if self.label is not None else "")


def subject_of(model, params: dict, data: Any, classes: Sequence[str], bundle: Any) -> Subject:
    """The input a request names: ``image`` ([C, H, W] in 0..1, converted like the training
    data) or validation ``sample`` N."""
    source = data if data is not None else bundle
    bundle = bundle if bundle is not None else (None if isinstance(data, (tuple, list)) else data)
    device = device_of(model)
    finish = bundle.finisher(device) if bundle is not None else None
    names = tuple(classes) or (tuple(bundle.classes) if bundle is not None else ())
    if params.get("image") is not None:
        if source is None:
            raise ProbeError("choose a dataset first: an image file is prepared like its images")
        _, shown = Samples(source, bundle).fit_image(params["image"])
        x = _as_tensor(shown)[None]
        return Subject(x.to(device), shown, pixel_net(model, finish), None, None, True, names, _mean(bundle))
    found = samples_of(source, "explain", bundle)
    index = int(params.get("sample", 0))
    if not 0 <= index < len(found):
        raise ProbeError(f"sample {index} does not exist: the validation set has {len(found)} "
                         f"samples (0 to {len(found) - 1})")
    label = int(found.labels(index))
    if bundle is not None:  # unnormalised values: pixels in [0, 1] for images
        x = bundle.val_x[index:index + 1].float()
        pixels = bundle.is_image
        shown = x[0].cpu().numpy().copy() if pixels else display_images(x)[0]
        return Subject(x.to(device), shown, pixel_net(model, finish), label, index, pixels, names, _mean(bundle))
    x = found.model_input(slice(index, index + 1)).float()
    return Subject(x.to(device), display_images(x)[0], pixel_net(model), label, index, False, names)


def _mean(bundle):
    """The training data's mean image [1, C, 1, 1] (unnormalised), where it is an image."""
    if bundle is None or not bundle.is_image:
        return None
    return bundle.mean.reshape(1, -1, 1, 1).float()


def _as_tensor(values: np.ndarray):
    import torch

    return torch.as_tensor(np.asarray(values, np.float32))


@contextmanager
def explaining(model) -> Iterator[None]:
    """Eval mode (batch statistics and dropout frozen) with gradients on, for one unit of
    explanation work; the previous mode comes back afterwards. Gradients are taken with
    respect to the input only (torch.autograd.grad), so the parameters' .grad of a run in
    progress is left as it was."""
    import torch

    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            yield
    finally:
        model.train(was_training)


def probabilities(net, x) -> np.ndarray:
    """Softmax of the logits for each input of the batch x: [N, classes] float64."""
    import torch

    with torch.no_grad():
        logits = net(x).float()
    if logits.dim() != 2 or logits.shape[1] < 2:
        raise ProbeError(f"the network gives {tuple(logits.shape[1:])} outputs per input, not class "
                         f"scores: explanations need a classifier")
    return torch.softmax(logits, 1).cpu().double().numpy()


def top_classes(probs: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
    """The k most probable classes of one probability vector: [(class, probability)]."""
    order = np.argsort(-probs, kind="stable")[:k]
    return [(int(i), float(probs[i])) for i in order]


def target_of(params: dict, probs: np.ndarray) -> int:
    """The class to explain: the request's ``target`` or the predicted one."""
    target = params.get("target")
    if target is None or int(target) < 0:
        return int(np.argmax(probs))
    if int(target) >= len(probs):
        raise ProbeError(f"class {target} does not exist: the network has {len(probs)} classes "
                         f"(0 to {len(probs) - 1})")
    return int(target)


def spatial_layers(model, net, x) -> list[str]:
    """Layers of ``model`` (node ids, in the order they run) whose output is a spatial map
    [N, C, H, W] with more than one position, when ``net`` runs on ``x``: where Grad-CAM can
    look and whose channels have a preferred stimulus."""
    import torch

    from ..probes.model import forward_hooks, inference

    order: list[str] = []

    def record(nid, out):
        if isinstance(out, torch.Tensor) and out.dim() == 4 and out.shape[-1] * out.shape[-2] > 1:
            order.append(nid)

    with inference(model), forward_hooks(node_modules(model), record):
        net(x)
    return list(dict.fromkeys(order))
