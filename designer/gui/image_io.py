"""Images and SVGs from Qt, written through the one atomic writer.

``QImage.save(path)`` writes in place: on a full disk it destroys the existing file (libpng
"Write Error") and on a read-only one it fails quietly. Here the picture is encoded in
memory and then written by ``designer.core.atomic_write``, so the old file survives any
failure and the caller gets a WriteError naming the path and the cause.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QPixmap

from ..core.atomic_write import WriteError, write_bytes

FORMATS = {".png": "PNG", ".jpg": "JPG", ".jpeg": "JPG", ".bmp": "BMP"}


def image_format(path: str | Path) -> str:
    """The Qt image format of ``path``'s extension (PNG for any other extension)."""
    return FORMATS.get(Path(path).suffix.lower(), "PNG")


def encode(image: QImage | QPixmap, fmt: str = "PNG") -> bytes:
    """The image's file bytes, encoded in memory."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = image.save(buffer, fmt)
    buffer.close()
    if not ok or data.isEmpty():
        raise ValueError(f"the {image.width()}×{image.height()} picture could not be encoded as "
                         f"{fmt} (too large for memory?)")
    return bytes(data.data())


def save_image(image: QImage | QPixmap, path: str | Path) -> Path:
    """Write ``image`` atomically in the format of ``path``'s extension; WriteError (an
    OSError naming the path and the cause) on failure."""
    fmt = image_format(path)
    try:
        if image.isNull():
            raise ValueError("the picture could not be drawn (too large for memory?)")
        data = encode(image, fmt)
    except ValueError as exc:
        raise WriteError(path, str(exc)) from None
    write_bytes(path, data)
    return Path(path)


class SvgBuffer:
    """An in-memory target for QSvgGenerator: ``generator.setOutputDevice(buf.device)``,
    paint, then ``buf.save(path)``."""

    def __init__(self) -> None:
        self.data = QByteArray()
        self.device = QBuffer(self.data)
        self.device.open(QIODevice.OpenModeFlag.WriteOnly)

    def save(self, path: str | Path) -> Path:
        self.device.close()
        write_bytes(path, bytes(self.data.data()))
        return Path(path)
