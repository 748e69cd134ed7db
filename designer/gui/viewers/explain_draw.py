"""Drawing the Explain view's pictures (the dock and ``designer figure … explain`` share them).

Every panel says what it shows: the method, the class it explains, the layer, and for
Integrated Gradients its convergence delta; maps sit side by side over a row of the same
maps overlaid on the image (the map's magnitude as a heat colour, the picture in grey under
it). Inputs are [C, H, W] images in 0..1 or vectors.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from .figure import DIVERGING, MUTED, Figure, image_item, label_axis
from .tiling import images_hwc

HEAT = "CET-L4"  # black - red - yellow: more evidence is brighter (no white: the background is white)
TITLES = {"saliency": "saliency |∂score/∂x|", "ig": "Integrated Gradients", "guided": "Guided Backprop",
          "gradcam": "Grad-CAM"}
SIGNED = {"ig", "guided"}


def name(data: dict, index) -> str:
    classes = tuple(data.get("classes") or ())
    return classes[index] if index is not None and 0 <= index < len(classes) else str(index)


def picture(image: np.ndarray) -> np.ndarray:
    """[C, H, W] → [H, W] grey or [H, W, 3] colour; a vector → a one-row strip."""
    image = np.asarray(image, np.float32)
    if image.ndim == 1:
        return image[None]
    return images_hwc(image[None])[0]


def overlay(image: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """The map's magnitude in heat colours over the picture in grey: [H, W, 3] in 0..1."""
    base = picture(image)
    grey = base.mean(-1) if base.ndim == 3 else base
    magnitude = np.abs(np.asarray(heat, np.float32))
    top = float(np.nanmax(magnitude)) if magnitude.size else 0.0
    weight = magnitude / top if top > 0 else magnitude
    colours = pg.colormap.get(HEAT).map(weight.ravel(), mode="float")[:, :3].reshape(*weight.shape, 3)
    alpha = np.clip(weight, 0, 1)[..., None] * 0.75
    return (grey[..., None] * (1 - alpha) + colours * alpha).astype(np.float32)


def _heat(figure: Figure, values: np.ndarray, row: int, col: int, title: str, signed: bool, label: str) -> None:
    values = np.asarray(values, np.float32)
    values = values[None] if values.ndim == 1 else values
    top = float(np.nanmax(np.abs(values))) if values.size else 1.0
    top = top or 1.0
    levels = (-top, top) if signed else (0.0, top)
    figure.image_panel(values, row, col, title=title, levels=levels, cmap=DIVERGING if signed else HEAT,
                       colorbar=label)


def _image(figure: Figure, image: np.ndarray, row: int, col: int, title: str) -> None:
    figure.image_panel(picture(image), row, col, title=title, levels=(0.0, 1.0))


def wrap(text: str, width: int = 100) -> str:
    """A long note broken into lines (a label in the layout does not wrap; a wide one would
    stretch the figure beyond its panels)."""
    import textwrap

    return "<br/>".join(textwrap.wrap(text, width)) or text


def _headline(figure: Figure, data: dict, text: str, cols: int) -> None:
    figure.note(f"<b>{text}</b> — {data.get('subject', '')}, predicted {name(data, data.get('predicted'))} "
                f"({_top(data)})", 0, 0, colspan=cols, size="10pt")


def _top(data: dict, key: str = "top3") -> str:
    return ", ".join(f"{name(data, c)} {p:.0%}" for c, p in data.get(key) or ())


def draw_attributions(figure: Figure, data: dict) -> None:
    """Input, then each map with its colour bar; below, each map over the input."""
    figure.reset()
    maps = data.get("maps", {})
    target = name(data, data.get("target"))
    _headline(figure, data, f"Attribution maps for class {target}", 2 + 2 * len(maps))
    _image(figure, data["input"], 1, 0, "input")
    for i, (method, values) in enumerate(maps.items()):
        col = 2 + 2 * i
        _heat(figure, values, 1, col, _map_title(data, method, target), method in SIGNED, "attribution")
        if np.asarray(values).ndim == 2:
            figure.image_panel(overlay(data["input"], values), 2, col, title=f"{TITLES[method]} over the image")
    if data.get("gradcam_error"):
        figure.note(wrap(data["gradcam_error"]), 3, 0, colspan=2 + 2 * len(maps), color=MUTED)


def _map_title(data: dict, method: str, target: str) -> str:
    title = f"{TITLES[method]}<br/>class {target}"
    if method == "gradcam":
        title += f", layer {data.get('layer')}" + _zero_note(data["maps"]["gradcam"])
    if method == "ig" and data.get("ig"):
        ig = data["ig"]
        title += f", δ = {ig['delta']:.2g} ({abs(ig['delta']) / max(abs(ig['gap']), 1e-12):.1%})"
    return title


def draw_counterfactual(figure: Figure, data: dict) -> None:
    """Grad-CAM for each of the top classes over the same image: where it looks when it
    thinks each of them."""
    figure.reset()
    at = f" at {data['layer']}" if data.get("layer") else ""
    _headline(figure, data, f"Counterfactual Grad-CAM{at}", 8)
    _image(figure, data["input"], 1, 0, "input")
    if data.get("counterfactual_error"):
        figure.note(wrap(data["counterfactual_error"], 70), 1, 2, colspan=6, color=MUTED)
        return
    for i, ((cls, prob), cam) in enumerate(zip(data["cam_classes"], data["cams"])):
        figure.image_panel(overlay(data["input"], cam), 1, 2 + 2 * i,
                           title=f"where it looks when it thinks {name(data, cls)}<br/>(p = {prob:.1%})"
                                 + _zero_note(cam))


def _zero_note(cam) -> str:
    """Grad-CAM is rectified: a map of zeros means no positive evidence at that layer."""
    return "" if np.nanmax(np.asarray(cam)) > 0 else "<br/>zero everywhere: no evidence for it at this layer"


def draw_occlusion(figure: Figure, data: dict) -> None:
    """The input, the target's probability at each patch position, and the drop over the image."""
    figure.reset()
    target = name(data, data.get("target"))
    _headline(figure, data, f"Occlusion sensitivity for class {target}", 6)
    _image(figure, data["input"], 1, 0, "input")
    grid = np.asarray(data["probability"], np.float32)
    figure.image_panel(grid, 1, 2, title=f"P({target}) with a grey {data['patch']}×{data['patch']} patch at "
                                         f"each position<br/>(stride {data['stride']}; no patch: "
                                         f"{data['base']:.1%})", cmap=HEAT,
                       colorbar=f"P({target})")
    figure.image_panel(overlay(data["input"], np.clip(data["drop"], 0, None)), 1, 4,
                       title="where covering it lowers the probability")


def draw_adversarial(figure: Figure, data: dict) -> None:
    """Original | perturbation (amplified, with its scale) | perturbed, each with its top 3."""
    figure.reset()
    attack = data["attack"].upper()
    _headline(figure, data, f"{attack} adversarial example, ε = {data['epsilon']:.3g}", 6)
    _image(figure, data["original"], 1, 0, f"original<br/>{_top(data, 'top_original')}")
    delta = np.asarray(data["perturbation"], np.float32)
    top = float(np.abs(delta).max()) if delta.size else 0.0
    gain = 0.5 / top if top > 0 else 1.0
    figure.image_panel(picture(np.clip(0.5 + delta * gain, 0, 1)), 1, 2, levels=(0.0, 1.0),
                       title=f"perturbation ×{gain:.3g}<br/>(grey = 0; |δ| ≤ {top:.3g})")
    flipped = "prediction changed" if data["flipped"] else "prediction unchanged"
    _image(figure, data["perturbed"], 1, 4, f"perturbed: {flipped}<br/>{_top(data, 'top_perturbed')}")
    if data.get("sentence"):
        figure.note(wrap(f"Smallest ε found: {data['sentence']}"), 2, 0, colspan=6, size="11pt")


def draw_maximise(figure: Figure, data: dict) -> None:
    """One row per channel: the optimised image, then the top dataset patches cropped to its
    receptive field, each scaled to the row's height; the rows are named on the left."""
    figure.reset()
    field = data.get("field")
    where = f"its {field[0]}×{field[1]} receptive field" if field else "whole images"
    plot = figure.plot_panel(0, 0, f"What each filter of {data['layer']} wants to see: optimised from "
                                   f"noise (jitter + blur) | the validation samples that excite it most, "
                                   f"cropped to {where}", axes=False)
    plot.invertY(True)
    plot.setAspectLocked(True)
    images = images_hwc(data["images"])
    patches = data.get("patches")
    labels = []
    for i, ch in enumerate(data["channels"]):
        _place(plot, images[i], 0.0, i * 1.2)
        if patches is not None:
            for j, patch in enumerate(images_hwc(np.asarray(patches[i], np.float32))):
                _place(plot, patch, 1.3 + j * 1.05, i * 1.2)
        labels.append(f"ch {ch}: {data['start'][i]:.2g} → {data['end'][i]:.2g}")
    label_axis(plot, "left", labels, [i * 1.2 + 0.5 for i in range(len(labels))],
               title="channel: mean activation, noise → optimised")
    plot.autoRange(padding=0.02)


def _place(plot: pg.PlotItem, image: np.ndarray, x: float, y: float) -> None:
    """``image`` in a 1-unit-high box at (x, y), aspect kept."""
    from PySide6.QtCore import QRectF

    item = image_item(image, (0.0, 1.0))
    item.setRect(QRectF(x, y, image.shape[1] / image.shape[0], 1.0))
    plot.addItem(item)


DRAW = {"attributions": draw_attributions, "counterfactual": draw_counterfactual, "occlusion": draw_occlusion,
        "adversarial": draw_adversarial, "maximise": draw_maximise}


def draw_explanation(figure: Figure, data: dict) -> None:
    """Draw any explain result by its method."""
    DRAW[data["method"]](figure, data)
