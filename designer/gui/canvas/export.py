"""Export the whole canvas as a PNG (twice the scene resolution, for sharp slides) or SVG."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage, QPainter

from ..image_io import SvgBuffer, save_image
from .style import colour

MARGIN = 30.0
MAX_SIDE = 16000


def render_scene(scene, path: Path, scale: float = 2.0) -> Path:
    """Render every item of ``scene`` to ``path`` atomically; raises OSError (WriteError,
    naming the path and the cause) when it cannot be written."""
    scene.flush()
    rect = scene.itemsBoundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
    if rect.isEmpty():
        rect = QRectF(0, 0, 200, 120)
    selected = scene.selectedItems()
    for item in selected:  # export the design, not the selection
        item.setSelected(False)
    try:
        if path.suffix.lower() == ".svg":
            _svg(scene, rect, path)
        else:
            _png(scene, rect, path, scale)
    finally:
        for item in selected:
            item.setSelected(True)
    return path


def _png(scene, rect: QRectF, path: Path, scale: float) -> None:
    scale = min(scale, MAX_SIDE / max(rect.width(), rect.height()))
    image = QImage(max(1, round(rect.width() * scale)), max(1, round(rect.height() * scale)),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(colour(scene.theme.background))
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(image.rect()), rect)
    painter.end()
    save_image(image, path)


def _svg(scene, rect: QRectF, path: Path) -> None:
    from PySide6.QtSvg import QSvgGenerator

    generator = QSvgGenerator()
    buffer = SvgBuffer()
    generator.setOutputDevice(buffer.device)
    generator.setSize(QSize(round(rect.width()), round(rect.height())))
    generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
    generator.setTitle(scene.document.graph.name)
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError(f"could not draw the SVG for {path}")
    painter.fillRect(QRectF(0, 0, rect.width(), rect.height()), colour(scene.theme.background))
    scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
    painter.end()
    buffer.save(path)
