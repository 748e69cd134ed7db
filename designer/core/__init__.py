"""The design model (pure Python): graph, edits, file format, layout and the builder API."""

from .graph import Edge, Graph, GraphError, Group, Node

__all__ = ["Edge", "Graph", "GraphError", "Group", "Node"]
