"""The canvas commands the window's menus call: add layers, delete, the clipboard, groups
and auto layout. Each builds one core edit (``commands``) and pushes it, so each is one
undo step; refusals come back as a status message."""

from __future__ import annotations

import atexit

from PySide6.QtCore import QMimeData, QPointF
from PySide6.QtGui import QGuiApplication

from ...core import clipboard
from . import commands
from .edge_item import EdgeItem
from .node_item import NodeItem

NODES_MIME = "application/x-designer-nodes"


class CanvasCommands:
    """Mixin of GraphView (it uses ``document``, ``graph_scene`` and ``status_message``)."""

    _pastes = 0

    def _insert_on(self, edge: EdgeItem, layer_type: str, pos: QPointF) -> str | None:
        result: list[str] = []

        def build():
            edit, nid = commands.insert_into(self.document.graph, edge.edges, layer_type, (pos.x(), pos.y()))
            result.append(nid)
            return edit

        if self.graph_scene.push_or_report(build):
            self.document.set_selection(result)
            return result[0]
        return None

    # ================================================================ adding layers
    def add_layer(self, layer_type: str, scene_pos: QPointF | None = None) -> str | None:
        """Add a layer at ``scene_pos`` (default: the middle of the view); returns its id."""
        if scene_pos is None:
            scene_pos = self.mapToScene(self.viewport().rect().center())
        result: list[str] = []

        def build():
            edit, nid = commands.add_node(self.document.graph, layer_type, (scene_pos.x(), scene_pos.y()))
            result.append(nid)
            return edit

        if self.graph_scene.push_or_report(build):
            self.document.set_selection(result)
            return result[0]
        return None

    def add_layer_after_selection(self, layer_type: str) -> str | None:
        """Add after the (last) selected layer and wire it in before that layer's successors;
        with nothing selected, add below the design."""
        graph = self.document.graph
        selected = [n for n in self.document.selection if n in graph.nodes]
        if not selected:
            bottom = max((n.position[1] for n in graph.nodes.values()), default=-110.0)
            return self.add_layer(layer_type, QPointF(0.0, bottom + 110.0))
        result: list[str] = []

        def build():
            edit, nid = commands.add_after(graph, selected[-1], layer_type)
            result.append(nid)
            return edit

        if self.graph_scene.push_or_report(build):
            self.document.set_selection(result)
            self.center_on(result[0])
            return result[0]
        return None

    # ================================================================ editing the selection
    def delete_selection(self) -> bool:
        scene = self.graph_scene
        edit = commands.delete(self.document.graph, scene.selected_node_ids(), scene.selected_edges())
        if edit is None:
            self.status_message.emit("Nothing selected to delete")
            return False
        return self.document.push(edit)

    def select_all(self) -> None:
        """Select every box: one selection change for the whole gesture."""
        scene = self.graph_scene
        scene.begin_batch()
        try:
            for box in scene.boxes():
                if not box.isSelected():
                    box.setSelected(True)
        finally:
            scene.end_batch()

    def copy_selection(self) -> bool:
        ids = self.graph_scene.selected_node_ids()
        if not ids:
            self.status_message.emit("Select layers to copy")
            return False
        payload = clipboard.copy_nodes(self.document.graph, ids)
        mime = QMimeData()
        text = clipboard.dumps(payload)
        mime.setData(NODES_MIME, text.encode("utf-8"))
        mime.setText(text)
        QGuiApplication.clipboard().setMimeData(mime)
        _release_clipboard_at_exit()
        self._pastes = 0
        self.status_message.emit(f"Copied {len(ids)} layer{'s' if len(ids) != 1 else ''}")
        return True

    def cut_selection(self) -> bool:
        return self.copy_selection() and self.delete_selection()

    def paste(self) -> list[str]:
        """Paste the clipboard's layers (with their inner edges and groups) as new layers."""
        mime = QGuiApplication.clipboard().mimeData()
        raw = bytes(mime.data(NODES_MIME)).decode("utf-8") if mime and mime.hasFormat(NODES_MIME) else (
            mime.text() if mime else "")
        try:
            payload = clipboard.loads(raw)
        except ValueError:
            self.status_message.emit("The clipboard holds no layers to paste")
            return []
        self._pastes += 1
        return self._paste_payload(payload, self._paste_offset(payload))

    def _paste_offset(self, payload) -> tuple[float, float]:
        cursor = self.viewport().mapFromGlobal(self.cursor().pos())
        if self.viewport().rect().contains(cursor) and self.underMouse():
            at = self.mapToScene(cursor)
            cx, cy = clipboard.centre(payload)
            return (at.x() - cx, at.y() - cy)
        return (40.0 * self._pastes, 40.0 * self._pastes)

    def _paste_payload(self, payload, offset) -> list[str]:
        edit, ids = clipboard.paste_edit(self.document.graph, payload, offset)
        if self.document.push(edit):
            self.document.set_selection(ids)
            return ids
        return []

    def duplicate_selection(self) -> list[str]:
        ids = self.graph_scene.selected_node_ids()
        if not ids:
            self.status_message.emit("Select layers to duplicate")
            return []
        payload = clipboard.copy_nodes(self.document.graph, ids)
        left, _top, right, _bottom = clipboard.bounds(payload)
        return self._paste_payload(payload, (right - left + 220.0, 0.0))

    # ================================================================ groups and layout
    def group_selection(self, name: str | None = None, kind: str = "") -> str | None:
        scene = self.graph_scene
        groups = scene.selected_group_ids()
        inside = {m for g in groups for m in scene.members_of(g)}
        nodes = [i.key for i in scene.selectedItems() if isinstance(i, NodeItem) and i.key not in inside]
        result: list[str] = []

        def build():
            edit, gid = commands.group(self.document.graph, nodes, groups, name, kind)
            result.append(gid)
            return edit

        return result[0] if scene.push_or_report(build) else None

    def ungroup_selection(self) -> bool:
        scene = self.graph_scene
        graph = self.document.graph
        groups = scene.selected_group_ids()
        if not groups:
            owners = [graph.group_of(n) for n in scene.selected_node_ids()]
            groups = list(dict.fromkeys(g.id for g in owners if g is not None))
        return scene.push_or_report(lambda: commands.ungroup(graph, groups))

    def toggle_group(self, group_id: str) -> bool:
        return self.graph_scene.request_toggle(group_id)

    def auto_layout(self) -> bool:
        done = self.graph_scene.push_or_report(lambda: commands.auto_layout(self.document.graph))
        if done:
            self.fit_to_view()
        return done


_exit_hook_installed = False


def _release_clipboard_at_exit() -> None:
    """Clear our clipboard data while Python still runs: Qt's clipboard is a C++ global that
    would otherwise delete the Python-made QMimeData after the interpreter is gone (segfault
    at exit)."""
    global _exit_hook_installed
    if _exit_hook_installed:
        return
    _exit_hook_installed = True

    def release() -> None:
        if QGuiApplication.instance() is not None:
            QGuiApplication.clipboard().clear()

    atexit.register(release)
