"""The scene's item upkeep in bulk: items of removed nodes and edges leave the scene once at
the end of a document batch, with Qt's spatial index switched off while thousands of items
come or go, and are kept aside for their return (undo of a delete, redo of a paste), so
that showing them again costs no new Qt items, ports, texts or routes."""

from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsScene

#: From this many items added or removed at once, Qt's BSP index is switched off meanwhile
#: and rebuilt once after: removing an item from the tree costs ~50 µs, rebuilding it ~2.
BULK_ITEMS = 400
#: Items of removed nodes / edges kept for their return; beyond these, removed items go.
SPARE_BOXES = 20_000
SPARE_EDGES = 40_000

_BSP = QGraphicsScene.ItemIndexMethod.BspTreeIndex
_NONE = QGraphicsScene.ItemIndexMethod.NoIndex


class SceneItems:
    """Mixin of GraphScene (it uses the scene's batch counter and item tables)."""

    def _init_items(self) -> None:
        self._doomed: dict = {}  # items whose removal waits for the batch's end, in order
        self._spare: dict = {}  # node id → the box of a removed node
        self._spare_edges: dict = {}  # edge key → the EdgeItem of a removed connection
        self._fitted_index = False  # whether the scene's rectangle was set by fit_index

    def _drop(self, item) -> None:
        """Take ``item`` out of the scene: now, or with the others at the batch's end."""
        if self._batch:
            self._doomed[item] = None
        elif item.scene() is self:
            self.removeItem(item)

    def _take_back(self, item) -> bool:
        """``item`` returns: True if it is still in the scene (its removal was pending)."""
        return self._doomed.pop(item, False) is None

    def _drop_doomed(self) -> None:
        doomed, self._doomed = self._doomed, {}
        for item in doomed:
            if item.scene() is self:
                self.removeItem(item)

    @contextmanager
    def _index_paused(self, count: int):
        """Switch Qt's BSP index off while ``count`` items come or go (when that is many)."""
        if count < BULK_ITEMS or self.itemIndexMethod() != _BSP:
            yield
            return
        self.setItemIndexMethod(_NONE)
        try:
            yield
        finally:
            self.setItemIndexMethod(_BSP)
            self.fit_index(force=True)

    def fit_index(self, force: bool = False) -> None:
        """Give Qt's BSP index the area to partition: the scene's own rectangle (the view
        keeps its own), the content with room around it. A new index (after a bulk change)
        starts from an empty area and would put every item in one leaf: each paint and hit
        test would then look at all items. Resizing re-indexes, so it is done only when the
        content leaves the area (or ``force``)."""
        if self.itemIndexMethod() != _BSP:
            return  # fitted when the index is back
        content = self.content_rect()
        if content.isEmpty():
            content = QRectF(-200, -200, 400, 400)
        if force or not self._fitted_index or not self.sceneRect().contains(content):
            px, py = content.width() * 0.25 + 2000.0, content.height() * 0.25 + 2000.0
            area = content.adjusted(-px, -py, px, py)
            if area == self.sceneRect():
                self.setSceneRect(QRectF())  # the same area again: still tell the new index
            self.setSceneRect(area)
            self._fitted_index = True

    def _keep_spare(self, item) -> None:
        """Keep a removed box for its node's return (undo of a delete, a group rebuild):
        making boxes and ports is most of the cost of showing 1,000 nodes again."""
        if len(self._spare) < SPARE_BOXES:
            self._spare[item.key] = item

    def _keep_spare_edge(self, item) -> None:
        if len(self._spare_edges) < SPARE_EDGES:
            self._spare_edges[item.key] = item

    def _spare_edge(self, key, src, dst):
        """The EdgeItem kept for ``key`` if it still joins the boxes ``src`` and ``dst``."""
        item = self._spare_edges.pop(key, None)
        if item is None or item.src is not src or item.dst is not dst:
            return None
        return item

    def _forget_spares(self) -> None:
        self._spare.clear()
        self._spare_edges.clear()
