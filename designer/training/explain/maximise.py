"""What each filter wants to see: the preferred stimulus of a layer's channels.

Two answers side by side, as in the Deep Visualization Toolbox:

* activation maximisation (Erhan et al. 2009; Yosinski et al. 2015; Olah et al. 2017) —
  start from noise and follow the gradient that raises the channel's mean activation, with
  the usual regularisers so that the result is an image rather than high-frequency noise:
  random jitter (a shift of a few pixels each step), a light Gaussian blur every few steps,
  and the pixel range. Captum has no feature-visualisation module in its release, so this
  is written here, with plain autograd (the parameters' gradients are never touched);
* the nine validation samples that excite the channel most, each cropped to the channel's
  receptive field around its strongest position (the receptive field and the stride in
  input pixels, "jump", come from the design's analysis).
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from ..probes.events import ProbeError
from ..probes.model import Chunker, device_of, node_modules
from ..probes.requests import Samples
from .subject import Subject

STEPS = 96
STEPS_PER_UNIT = 2  # a unit stays short on a large network (pacing, progress, cancel)
LEARNING_RATE = 0.05  # pixel change per step, relative to the mean gradient
BLUR_EVERY = 8
TOP = 9
NOISE = 0.1  # standard deviation of the start noise (pixels)
GATES = ("ReLU", "ReLU6", "LeakyReLU", "ELU", "GELU", "SiLU", "Hardswish", "Sigmoid", "Tanh")
MAX_SAMPLES = 2000  # validation samples searched for the top patches


def _layer_output(model, layer: str):
    module = node_modules(model).get(layer)
    if module is None:
        raise ProbeError(f"the model has no layer {layer!r}: choose a layer of the trained design")
    return module


class _Reached(Exception):
    """Raised by the capture hook: the layer's output is all we need, so the rest of the
    network does not run (deep networks, early layers)."""


def _capture(module):
    """A forward hook that keeps the module's output and stops the forward pass there;
    returns (store, handle). Run the network with ``_upto``."""
    store: dict = {}

    def hook(_m, args, out):
        store["in"], store["out"] = (args[0] if args else None), out
        raise _Reached

    return store, module.register_forward_hook(hook)


def _upto(net, x) -> None:
    """Run ``net`` on ``x`` as far as the captured layer."""
    try:
        net(x)
    except _Reached:
        pass


def _blur(x):
    import torch

    kernel = torch.tensor([0.25, 0.5, 0.25], device=x.device, dtype=x.dtype)
    k2 = (kernel[:, None] * kernel[None, :]).expand(x.shape[1], 1, 3, 3)
    return torch.nn.functional.conv2d(torch.nn.functional.pad(x, (1, 1, 1, 1), mode="replicate"),
                                      k2, groups=x.shape[1])


def channel_means(out, channels: Sequence[int]):
    """Mean activation of channel ``channels[i]`` for batch item i: [len(channels)]."""
    import torch

    index = torch.as_tensor(list(channels), device=out.device)
    picked = out[torch.arange(len(channels), device=out.device), index]
    return picked.reshape(len(channels), -1).mean(1)


def maximise(subject: Subject, model, layer: str, channels: Sequence[int], steps: int = STEPS,
             seed: int = 0) -> Iterator:
    """Yields (steps done, steps) every few steps; returns (``yield from``) {"images": [k, C,
    H, W] in 0..1, "start"/"end": each channel's mean activation at the start noise and the
    result}."""
    import torch

    if not subject.is_image:
        raise ProbeError("preferred stimuli are images: this network takes a vector input")
    module = _layer_output(model, layer)
    lo, hi = subject.bounds
    lo, hi = (lo, hi) if subject.pixels else (-3.0, 3.0)
    generator = torch.Generator().manual_seed(seed)
    shape = (len(channels), *subject.x.shape[1:])
    centre = subject.mean if subject.mean is not None else 0.0  # noise around the data's mean
    noise = (centre + NOISE * torch.randn(shape, generator=generator)).clamp(lo, hi).to(subject.x.device)
    x = noise.clone().requires_grad_(True)
    jitter = max(1, min(shape[-2:]) // 16)
    # An activation that is zero at the start (a dead ReLU on grey noise) has no gradient:
    # climb its input instead, which raises the output as soon as it turns positive.
    objective = "in" if type(module).__name__ in GATES else "out"
    store, handle = _capture(module)
    try:
        with torch.no_grad():
            _upto(subject.net, noise[:1])
        count = int(store["out"].shape[1])
        if any(not 0 <= c < count for c in channels):
            raise ProbeError(f"{layer} has {count} channels (0 to {count - 1}); asked for {list(channels)}")
        start = _measure(subject, store, noise, channels)
        for step in range(1, steps + 1):
            dy, dx = (int(v) for v in torch.randint(-jitter, jitter + 1, (2,), generator=generator))
            _upto(subject.net, torch.roll(x, (dy, dx), (2, 3)))
            loss = -channel_means(store[objective], channels).sum()
            (grad,) = torch.autograd.grad(loss, x)
            with torch.no_grad():  # normalised gradient ascent, each image on its own scale
                scale = grad.abs().reshape(len(channels), -1).mean(1).clamp_min(1e-12)
                x -= LEARNING_RATE * grad / scale.view(-1, *([1] * (x.dim() - 1)))
                if step % BLUR_EVERY == 0:
                    x.copy_(_blur(x))
                x.clamp_(lo, hi)
            if step % STEPS_PER_UNIT == 0 or step == steps:
                yield step, steps
        end = _measure(subject, store, x.detach(), channels)
    finally:
        handle.remove()
    images = x.detach().float().cpu().numpy()
    if not subject.pixels:
        images = (images - images.min()) / max(float(images.max() - images.min()), 1e-12)
    return {"images": images.astype(np.float32), "start": start, "end": end}


def _measure(subject: Subject, store: dict, x, channels) -> np.ndarray:
    import torch

    with torch.no_grad():
        _upto(subject.net, x)
        return channel_means(store["out"], channels).float().cpu().numpy().astype(np.float64)


def top_patches(model, samples: Samples, layer: str, channels: Sequence[int], field: Sequence[int] | None,
                jump: Sequence[int] | None, chunker: Chunker | None = None) -> Iterator:
    """Yields (samples done, samples) per chunk; returns (``yield from``) {"patches": [k, TOP,
    C, R, R'] (NaN outside the image), "values": [k, TOP] activations, "samples": [k, TOP]
    indices}. Without a receptive field the whole image is the patch."""
    import torch

    from ..probes.model import inference

    module = _layer_output(model, layer)
    total = min(len(samples), MAX_SAMPLES)
    best_v = np.full((len(channels), 0), -np.inf)
    best_i = np.zeros((len(channels), 0), np.int64)
    best_p = np.zeros((len(channels), 0, 2), np.int64)
    store, handle = _capture(module)
    chunker = chunker or Chunker(most=32)
    done, out_hw, device = 0, None, device_of(model)
    try:
        while done < total:
            n = min(chunker.size(), total - done)
            with chunker.timed(n), inference(model):
                _upto(model, samples.model_input(slice(done, done + n)).to(device))
            out = store["out"][:, list(channels)].float()
            out_hw = tuple(out.shape[-2:])
            flat = out.reshape(n, len(channels), -1)
            values, where = flat.max(2)
            pos = np.stack([(where // out_hw[1]).cpu().numpy(), (where % out_hw[1]).cpu().numpy()], -1)
            best_v = np.concatenate([best_v, values.T.cpu().numpy()], 1)
            best_i = np.concatenate([best_i, np.broadcast_to(np.arange(done, done + n), (len(channels), n))], 1)
            best_p = np.concatenate([best_p, pos.transpose(1, 0, 2)], 1)
            keep = np.argsort(-best_v, 1, kind="stable")[:, :TOP]
            best_v, best_i = np.take_along_axis(best_v, keep, 1), np.take_along_axis(best_i, keep, 1)
            best_p = np.take_along_axis(best_p, keep[..., None], 1)
            done += n
            yield done, total
    finally:
        handle.remove()
    if total == 0:
        raise ProbeError("there are no validation samples to search: choose a dataset first")
    images = samples.display(sorted(set(best_i.ravel().tolist())))
    lookup = {idx: k for k, idx in enumerate(sorted(set(best_i.ravel().tolist())))}
    patches = np.stack([np.stack([crop(images[lookup[int(i)]], tuple(p), out_hw, field, jump)
                                  for i, p in zip(best_i[c], best_p[c])]) for c in range(len(channels))])
    return {"patches": patches, "values": best_v.astype(np.float32), "samples": best_i,
            "field": list(field) if field else None}


def crop(image: np.ndarray, pos: tuple[int, int], out_hw, field, jump) -> np.ndarray:
    """The receptive field of output position ``pos`` in ``image`` [C, H, W]: centred at
    offset + pos × jump per axis, where the offset spreads the output grid evenly over the
    input (exact for symmetric padding); NaN where the field leaves the image."""
    if not field or not jump:
        return image.astype(np.float32)
    channels, height, width = image.shape
    out = np.full((channels, int(field[0]), int(field[1])), np.nan, np.float32)
    corner = []
    for axis, size in enumerate((height, width)):
        offset = (size - (out_hw[axis] - 1) * jump[axis] - 1) / 2
        centre = offset + pos[axis] * jump[axis]
        corner.append(int(round(centre - (field[axis] - 1) / 2)))
    top, left = corner
    y0, y1 = max(top, 0), min(top + int(field[0]), height)
    x0, x1 = max(left, 0), min(left + int(field[1]), width)
    if y1 > y0 and x1 > x0:
        out[:, y0 - top:y1 - top, x0 - left:x1 - left] = image[:, y0:y1, x0:x1]
    return out
