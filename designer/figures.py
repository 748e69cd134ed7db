"""``designer figure``: the viewers' figures rendered headless, for reports.

    designer figure FILE {filters,activations,augmentations,confusion,health}
                    [--checkpoint CKPT] [--dataset NAME] [--layer ID] [--sample N] -o OUT.png
    designer figure FILE explain [--sample N | --image PATH] [--method saliency,ig,...] -o OUT.png
                    (designer/explain_figure.py)

The probe runs on this thread (there is no window, so no GUI thread to protect) with the
same ``designer.training.probes`` computations as the window, and the picture is drawn by
the same ``draw_*`` function as the dock, into an offscreen Qt figure. No matplotlib.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

KINDS = ("filters", "activations", "augmentations", "confusion", "health", "explain")
REQUEST = {"filters": "filters", "activations": "activations", "augmentations": "augmentations",
           "confusion": "predictions", "health": "health"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="design file (.json), example name, or a checkpoint (.pt)")
    p.add_argument("kind", choices=KINDS, help="which figure")
    p.add_argument("--checkpoint", help="trained weights (.pt from `designer train`); default: the "
                                        "design's initial random weights")
    p.add_argument("--dataset", help="dataset for the samples (default: the checkpoint's, or the "
                                     "design's training settings)")
    p.add_argument("--layer", help="layer id: the convolution for filters (default: the first), "
                                   "or one layer's maps for activations (default: every layer)")
    p.add_argument("--sample", type=int, default=0, help="validation sample for activations and explain (default 0)")
    p.add_argument("--size", default="1400x900", help="image size WxH (default 1400x900)")
    # explain (designer/explain_figure.py):
    p.add_argument("--image", help="explain: an image file to explain instead of a validation sample")
    p.add_argument("--method", default="saliency,ig,guided,gradcam",
                   help="explain: comma list of saliency, ig, guided, gradcam, occlusion, fgsm, pgd, "
                        "maximise, counterfactual (default: the four attribution maps)")
    p.add_argument("--target", type=int, help="explain: the class to explain (default: the predicted one)")
    p.add_argument("-o", "--output", required=True, help="PNG file to write")


def run(args) -> int:
    from .cli import EXIT_OK, UserError, load_design
    from .core.atomic_write import write_message
    from .export_guard import check_figure_memory

    checkpoint = args.checkpoint
    if checkpoint is None and args.file.endswith(".pt"):
        checkpoint, graph = args.file, None  # a checkpoint holds its own design
    else:
        graph = load_design(args.file)
    size = _size(args.size, UserError)
    try:
        graph = _trained_design(graph, checkpoint)
        if args.kind == "explain":
            from . import explain_figure

            data = explain_figure.compute(graph, args.method, checkpoint, args.dataset, args.sample,
                                          args.image, args.layer, args.target)
        else:
            check_figure_memory(graph, args.kind)
            data = compute(graph, args.kind, checkpoint, args.dataset, args.layer, args.sample)
    except ValueError as exc:  # CheckpointError, NotEnoughMemory and the probes' own
        raise UserError(str(exc)) from None
    try:
        if args.kind == "explain":
            written = explain_figure.render(data, args.output, size)
        else:
            written = render(args.kind, data, args.output, size, args.layer)
    except OSError as exc:  # WriteError: "cannot write PATH: the disk is full"
        raise UserError(write_message(exc, args.output)) from None
    print(f"wrote {written}")
    return EXIT_OK


def _size(text: str, error) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise error(f"--size must look like 1400x900, got {text!r}") from None
    if not (200 <= w <= 8000 and 150 <= h <= 8000):
        raise error(f"--size must be between 200x150 and 8000x8000, got {text}")
    return w, h


def compute(graph, kind: str, checkpoint: str | None = None, dataset: str | None = None,
            layer: str | None = None, sample: int = 0) -> dict:
    """The probe result behind a figure (ValueError with a plain reason if it cannot be made)."""
    from .analysis import analyze
    from .gui.viewers.backend import ModelBackend, ModelSpec
    from .gui.viewers.common import conv_nodes, layer_nodes
    from .training.probes import ProbeRequest

    analysis = analyze(graph)
    spec = ModelSpec.of_graph(graph, checkpoint or "")
    if dataset:
        spec = ModelSpec(spec.design, spec.checkpoint, json.dumps({"name": dataset}), spec.seed)
    params: dict = {}
    if kind == "filters":
        convs = conv_nodes(analysis)
        if layer is None and not convs:
            raise ValueError("the design has no convolution layer, so it has no filters to show")
        params["node_id"] = layer or convs[0]
        if params["node_id"] not in convs:
            raise ValueError(f"{layer!r} is not a convolution of the design; choose one of {', '.join(convs)}")
    elif kind == "activations":
        if layer and layer not in layer_nodes(analysis):
            raise ValueError(f"the design has no layer {layer!r}")
        params = {"sample": sample, "node_id": layer, "max_maps": 64 if layer else 16}
    elif kind == "augmentations":
        from .gui.viewers.augmentations import augment_steps

        params = {"steps": augment_steps(graph), "count": 6, "draws": 5}
    result = ModelBackend().run(spec, ProbeRequest(REQUEST[kind], params))
    if result.error:
        raise ValueError(result.error)
    return result.data


def _trained_design(graph, checkpoint: str | None):
    """The design the figure shows: the checkpoint's own when there is one (its weights fit
    only it), with a note on stderr when it differs from the design given."""
    if not checkpoint:
        return graph
    import sys

    from .training.checkpoint import design_of, load_checkpoint, same_design

    data = load_checkpoint(checkpoint)
    if graph is not None and not same_design(graph, data):
        print(f"note: {checkpoint} was trained from a different version of the design (adapted "
              f"to its data?); showing the design stored in the checkpoint", file=sys.stderr)
    return design_of(data)


def render(kind: str, data: dict, out: str | Path, size: tuple[int, int] = (1400, 900),
           layer: str | None = None) -> Path:
    """Draw ``data`` (a probe result) as the ``kind`` figure and write it as PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from .gui.viewers.figure import Figure

    figure = Figure()
    figure.resize(*size)
    _draw(kind, figure, data, layer)
    figure.show()
    app.processEvents()
    try:
        return figure.export_png(out, size[0])
    finally:
        figure.close()
        figure.deleteLater()


def _draw(kind: str, figure, data: dict, layer: str | None) -> None:
    from .gui.viewers import activations, augmentations, filters, health, predictions

    if kind == "filters":
        filters.draw_filters(figure, data["weight"], data["node_id"])
    elif kind == "activations":
        activations.draw_activations(figure, data, layer)
    elif kind == "augmentations":
        augmentations.draw_augmentations(figure, data)
    elif kind == "confusion":
        predictions.draw_predictions(figure, data)
    elif kind == "health":
        health.draw_health(figure, health.snapshot_history(data))
