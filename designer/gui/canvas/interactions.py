"""Gestures on the canvas: the rules for a new connection and the drag that draws it.

``connection_error`` is pure (it reads the graph and the layer catalog); ``ConnectGesture``
holds the temporary state of one drag from a port: the rubber edge, which ports are
offered, and which one the mouse is over. It never touches the model: the scene turns its
result into one AddEdge edit.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsPathItem

from ...core.graph import Edge, Graph
from ...layers import registry
from .edge_item import route_path
from .geometry import direct
from .port_item import IDLE, IN, OFFERED, OUT, TARGET, Port
from .style import colour

SNAP = 26.0


def connection_error(graph: Graph, src: str, dst: str, port: int | None = None) -> str | None:
    """Why ``src`` cannot feed input ``port`` of ``dst`` (None when it can)."""
    if src not in graph.nodes or dst not in graph.nodes:
        return "that layer no longer exists"
    if src == dst:
        return f"{src} cannot feed itself"
    src_spec, dst_spec = registry.get(graph.nodes[src].type), registry.get(graph.nodes[dst].type)
    if src_spec is not None and not src_spec.has_output:
        return f"{src} is the Output: nothing comes out of it"
    if dst_spec is not None and dst_spec.inputs == 0:
        return f"{dst} is an Input: it takes no input"
    taken = graph.in_edges(dst)
    if dst_spec is not None and dst_spec.inputs == 1 and taken:
        return (f"{dst} already has an input ({taken[0].src}); a {dst_spec.type} takes one: "
                f"delete that edge first, or merge both with Add or Concat")
    if port is not None and any(e.port == port for e in taken):
        return f"input {port} of {dst} is already connected"
    if _reaches(graph, dst, src):
        return f"that would make a loop: {dst} already feeds {src}"
    return None


def _reaches(graph: Graph, start: str, goal: str) -> bool:
    seen, stack = {start}, [start]
    while stack:
        for nxt in graph.successors(stack.pop()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def port_error(graph: Graph, origin: Port, other: Port) -> str | None:
    """Why a drag from ``origin`` may not end on ``other`` (None when it may)."""
    if other.direction == origin.direction:
        return "connect an output (bottom) to an input (top)"
    out, inp = (origin, other) if origin.direction == OUT else (other, origin)
    if inp.node_id is None:
        return "expand the block to connect to a layer inside it"
    if out.node_id is None:
        return "this block has several outputs: expand it to choose one"
    if inp.connected:
        error = connection_error(graph, out.node_id, inp.node_id, None)
        return error or f"input {inp.port} of {inp.node_id} is already connected"
    return connection_error(graph, out.node_id, inp.node_id, inp.port)


class ConnectGesture:
    """One drag from a port; ``finish`` returns (edge or None, message)."""

    def __init__(self, scene, origin: Port) -> None:
        self.scene = scene
        self.origin = origin
        self.target: Port | None = None
        graph = scene.document.graph
        self.offered = [p for p in scene.all_ports()
                        if p is not origin and port_error(graph, origin, p) is None]
        for port in self.offered:
            port.set_state(OFFERED)
        self.rubber = QGraphicsPathItem()
        pen = QPen(colour(scene.theme.selection), 2.0, Qt.PenStyle.DashLine)
        self.rubber.setPen(pen)
        self.rubber.setZValue(10)
        scene.addItem(self.rubber)

    def move(self, pos: QPointF) -> None:
        target = self._nearest(pos)
        if target is not self.target:
            if self.target is not None:
                self.target.set_state(OFFERED)
            if target is not None:
                target.set_state(TARGET)
            self.target = target
        end = target.scenePos() if target is not None else pos
        start = self.origin.scenePos()
        if self.origin.direction == IN:
            start, end = end, start
        self.rubber.setPath(route_path(direct((start.x(), start.y()), (end.x(), end.y()))))

    def _nearest(self, pos: QPointF) -> Port | None:
        best, best_d = None, SNAP
        for port in self.offered:
            d = (port.scenePos() - pos).manhattanLength()
            if d < best_d:
                best, best_d = port, d
        if best is None:  # over a box: its nearest offered port
            box = self.scene.box_at(pos)
            ports = [p for p in self.offered if box is not None and p.box is box]
            if ports:
                best = min(ports, key=lambda p: (p.scenePos() - pos).manhattanLength())
        return best

    def finish(self, pos: QPointF) -> tuple[Edge | None, str]:
        self.move(pos)
        target = self.target
        self.cancel()
        if target is not None:
            out, inp = (self.origin, target) if self.origin.direction == OUT else (target, self.origin)
            return Edge(out.node_id, inp.node_id, inp.port), ""
        other = self.scene.port_at(pos)
        if other is not None and other is not self.origin:
            return None, f"Cannot connect: {port_error(self.scene.document.graph, self.origin, other)}"
        box = self.scene.box_at(pos)
        if box is not None and box is not self.origin.box:
            return None, self._box_reason(box)
        return None, "Connection cancelled"

    def _box_reason(self, box) -> str:
        graph = self.scene.document.graph
        ports = box.in_ports if self.origin.direction == OUT else box.out_ports
        reasons = [port_error(graph, self.origin, p) for p in ports.values()]
        reasons = [r for r in reasons if r]
        if reasons:
            return f"Cannot connect: {reasons[0]}"
        node = getattr(box, "node_id", box.key)
        if self.origin.direction == OUT:
            spec = registry.get(graph.nodes[node].type) if node in graph.nodes else None
            if spec is not None and spec.inputs == 0:
                return f"Cannot connect: {node} is an Input: it takes no input"
        return f"Cannot connect: {node} has no free {'input' if self.origin.direction == OUT else 'output'}"

    def cancel(self) -> None:
        for port in self.offered:
            port.set_state(IDLE)
        if self.rubber.scene() is not None:
            self.scene.removeItem(self.rubber)


__all__ = ["ConnectGesture", "connection_error", "port_error", "IN", "OUT"]
