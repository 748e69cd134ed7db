"""The canvas's "frozen" badge: a small lock in the header of every layer with weights (and
every block) whose weights the design's training settings freeze for transfer learning; a
layer without weights (ReLU, pooling, Input) has nothing to keep and shows none.

Frozen boxes are also drawn muted (a paler, greyer header and a dashed frame), so a frozen
backbone reads at a glance. The scene holds one set, ``frozen_keys`` (node ids and group ids); boxes look their key up
while painting, so no item carries extra state or child items and a new or rebuilt box shows
the badge at once. ``FreezeBadges`` recomputes the set after each analysis (every edit, undo
and redo included) and repaints only the boxes whose badge came or went; with nothing frozen
(the usual case) that costs one dictionary lookup.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from ...core.trainable import frozen_groups, frozen_nodes

#: Header room the lock takes.
LOCK_W = 13.0
#: How far a frozen box's header colour goes toward the box's body colour (muted, still tinted).
MUTE = 0.5


@lru_cache(maxsize=None)
def muted(header: str, body: str) -> str:
    """A frozen box's header colour: ``header`` half way to the theme's ``body`` colour and
    greyed (its title ink is chosen for it by style.text_on, so it stays readable)."""
    a, b = QColor(header), QColor(body)
    mix = [round(x + (y - x) * MUTE) for x, y in ((a.red(), b.red()), (a.green(), b.green()),
                                                   (a.blue(), b.blue()))]
    grey = sum(mix) / 3
    return QColor(*(round(v + (grey - v) * 0.4) for v in mix)).name()


def paint_lock(painter: QPainter, centre: QPointF, ink) -> None:
    """A padlock about 8 px wide centred on ``centre`` (body and shackle), in ``ink``."""
    painter.setPen(QPen(ink, 1.3))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    x, y = centre.x(), centre.y()
    painter.drawArc(QRectF(x - 2.6, y - 5.2, 5.2, 6.0), 0, 180 * 16)
    painter.setBrush(ink)
    painter.drawRoundedRect(QRectF(x - 4.0, y - 1.6, 8.0, 6.0), 1.2, 1.2)


class FreezeBadges:
    """Keeps ``scene.frozen_keys`` in step with the document (see the module docstring)."""

    def __init__(self, scene) -> None:
        self.scene = scene
        scene.frozen_keys = frozenset()
        self._source: tuple | None = None
        document = scene.document
        document.analysis_changed.connect(self.sync)
        document.graph_replaced.connect(self.sync)
        self.sync()

    def sync(self, *_args) -> None:
        document = self.scene.document
        graph = document.graph
        freeze = (graph.training or {}).get("freeze") or ()
        if not freeze:
            keys: frozenset[str] = frozenset()
            self._source = None
        else:
            analysis = document.analysis
            source = (id(graph), tuple(freeze), analysis.token, len(graph.nodes), len(graph.groups))
            if source == self._source:
                return
            self._source = source
            nodes = frozen_nodes(graph)
            infos = analysis.nodes
            weighted = {n for n, info in infos.items() if info.params}
            keys = (nodes & weighted) | frozen_groups(graph, nodes, weighted)
        old = self.scene.frozen_keys
        if keys == old:
            return
        self.scene.frozen_keys = keys
        for key in old ^ keys:
            box = self.scene.box(key)
            if box is not None:
                box.update()
            frame = self.scene.frames.get(key)
            if frame is not None:
                frame.plate.update()
