"""Palette: the layer catalog by category, with a search box.

Drag an entry onto the canvas (MIME application/x-designer-layer, payload = the layer type),
or double-click it / press Enter to ask for it after the selected node (``layer_requested``).
Categories and colours come from designer.layers.registry, so a new LayerSpec shows up here
without touching this file.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from ...layers import registry
from ...layers.registry import CATEGORIES
from ...layers.spec import LayerSpec

LAYER_MIME = "application/x-designer-layer"
TYPE_ROLE = Qt.ItemDataRole.UserRole + 1


def swatch(color: str, size: int = 14, ratio: float = 1.0) -> QIcon:
    """A small rounded colour square (drawn at the screen's pixel ratio: sharp on high DPI)."""
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(color).darker(130))
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    painter.end()
    return QIcon(pixmap)


def tooltip(spec: LayerSpec) -> str:
    """The spec's doc and its parameters with their defaults, as rich text."""
    rows = "".join(
        f"<br>&nbsp;&nbsp;<b>{p.name}</b> = {p.default!r}" + (f" — {p.doc}" if p.doc else "")
        for p in spec.params
    )
    return f"<b>{spec.type}</b> <i>({spec.category})</i><br>{spec.doc}{rows}"


class LayerTree(QTreeWidget):
    """The catalog tree; only layer entries drag, carrying their type name."""

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt name)
        return [LAYER_MIME]

    def mimeData(self, items) -> QMimeData:  # noqa: N802
        mime = QMimeData()
        types = [i.data(0, TYPE_ROLE) for i in items if i.data(0, TYPE_ROLE)]
        if types:
            mime.setData(LAYER_MIME, types[0].encode("utf-8"))
            mime.setText(types[0])
        return mime


class PalettePanel(QWidget):
    """Search box above the catalog tree. ``layer_requested(type)``: add after the selection."""

    layer_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search layers (e.g. conv, pool, norm)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.tree = LayerTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setIconSize(QSize(14, 14))
        self.tree.itemActivated.connect(self._on_tree_item_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._populate()

    def _populate(self) -> None:
        ratio = self.devicePixelRatioF()
        for category, specs in registry.by_category().items():
            if not specs:
                continue
            head = QTreeWidgetItem(self.tree, [category.capitalize()])
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            icon = swatch(CATEGORIES[category], ratio=ratio)
            for spec in specs:
                item = QTreeWidgetItem(head, [spec.type])
                item.setData(0, TYPE_ROLE, spec.type)
                item.setIcon(0, icon)
                item.setToolTip(0, tooltip(spec))
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
            head.setExpanded(True)

    def layer_items(self) -> list[QTreeWidgetItem]:
        items = []
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            items += [head.child(j) for j in range(head.childCount())]
        return items

    def visible_types(self) -> list[str]:
        """Layer types the search leaves visible, in palette order."""
        return [i.data(0, TYPE_ROLE) for i in self.layer_items()
                if not i.isHidden() and not i.parent().isHidden()]

    def _on_search_text_changed(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            shown = 0
            for j in range(head.childCount()):
                item = head.child(j)
                spec = registry.get(item.data(0, TYPE_ROLE))
                haystack = f"{spec.type} {spec.category} {spec.doc}".lower()
                match = not needle or needle in haystack
                item.setHidden(not match)
                shown += match
            head.setHidden(shown == 0)
            head.setExpanded(True)
        first = next((i for i in self.layer_items() if not i.isHidden()), None)
        if needle and first is not None:
            self.tree.setCurrentItem(first)

    def _on_search_return_pressed(self) -> None:
        current = self.tree.currentItem()
        if current is not None and current.data(0, TYPE_ROLE) and not current.isHidden():
            self.layer_requested.emit(current.data(0, TYPE_ROLE))

    def _on_tree_item_activated(self, item: QTreeWidgetItem, column: int) -> None:
        layer_type = item.data(0, TYPE_ROLE)
        if layer_type:
            self.layer_requested.emit(layer_type)
