"""``designer figure FILE explain``: the Explain view's figures, headless.

    designer figure FILE explain --checkpoint CK --dataset NAME [--sample N | --image PATH]
                    [--method saliency,ig,guided,gradcam,occlusion,fgsm,pgd,maximise,counterfactual]
                    [--layer ID] [--target CLASS] -o OUT.png

Attribution methods share one figure; every other method is a figure of its own; several
figures are stacked top to bottom in the one PNG. The explanation runs on this thread with
the same code as the view (``designer.training.explain`` through the probes) and is drawn
by the same functions (``designer.gui.viewers.explain_draw``).
"""

from __future__ import annotations

import json

METHODS = ("saliency", "ig", "guided", "gradcam", "occlusion", "fgsm", "pgd", "maximise", "counterfactual")
ATTRIBUTIONS = ("saliency", "ig", "guided", "gradcam")


def requests_for(methods: str) -> list[dict]:
    """The explain requests (params without the input) that draw ``methods`` (comma list)."""
    chosen = [m.strip().lower() for m in methods.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in METHODS]
    if unknown or not chosen:
        raise ValueError(f"unknown method {', '.join(unknown) or '(none)'}; choose from {', '.join(METHODS)}")
    out: list[dict] = []
    which = [m for m in chosen if m in ATTRIBUTIONS]
    for method in dict.fromkeys(chosen):
        if method in ATTRIBUTIONS:
            if which:
                out.append({"method": "attributions", "which": which})
                which = []
        elif method in ("fgsm", "pgd"):
            out.append({"method": "adversarial", "attack": method, "epsilon": 0.1, "search": True})
        elif method == "occlusion":
            out.append({"method": "occlusion", "patch": 4, "stride": 2})
        else:
            out.append({"method": method})
    return out


def compute(graph, methods: str, checkpoint: str | None, dataset: str | None, sample: int,
            image_path: str | None, layer: str | None, target: int | None) -> list[dict]:
    """The explain results behind the figure (ValueError with a plain reason)."""
    from .analysis import analyze
    from .gui.viewers.backend import ModelBackend, ModelSpec
    from .gui.viewers.explain import receptive_fields
    from .training.probes import ProbeRequest

    spec = ModelSpec.of_graph(graph, checkpoint or "")
    if dataset:
        spec = ModelSpec(spec.design, spec.checkpoint, json.dumps({"name": dataset}), spec.seed)
    source: dict = {"sample": sample}
    if image_path:
        from .gui.viewers.activations import load_image_file

        source = {"image": load_image_file(image_path)}
    common = source | {"layer": layer, "target": target, "fields": receptive_fields(analyze(graph))}
    backend, results = ModelBackend(), []
    for params in requests_for(methods):
        result = backend.run(spec, ProbeRequest("explain", common | params))
        if result.error:
            raise ValueError(result.error)
        results.append(result.data)
    return results


def render(results: list[dict], out, size: tuple[int, int]):
    """Draw each result and write them stacked as one PNG."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from .gui.viewers.explain_draw import draw_explanation
    from .gui.viewers.figure import Figure

    pictures = []
    for data in results:
        figure = Figure()
        figure.resize(*size)
        draw_explanation(figure, data)
        figure.show()
        app.processEvents()
        pictures.append(figure.grab().toImage())
        figure.close()
        figure.deleteLater()
    width = max(p.width() for p in pictures)
    sheet = QImage(width, sum(p.height() for p in pictures), QImage.Format.Format_RGB32)
    sheet.fill(QColor("white"))
    painter = QPainter(sheet)
    y = 0
    for p in pictures:
        painter.drawImage(0, y, p)
        y += p.height()
    painter.end()
    return _save(sheet, out)


def _save(image, out):
    """Write the PNG through the one atomic writer (no half-written or destroyed file)."""
    from .gui.image_io import save_image

    return save_image(image, out)
