"""The node-graph canvas: GraphView (zoom, pan, drops, commands) over GraphScene (the
mirror of the document's Graph). See docs in each module; the public entry is GraphView."""

from .view import LAYER_MIME, NODES_MIME, GraphView

__all__ = ["GraphView", "LAYER_MIME", "NODES_MIME"]
