"""What decides the trained model (``runs.structure``) of the design on the canvas, for
telling whether a run still describes it, without re-describing the whole design per edit.

``structure(to_dict(graph))`` serialises and sorts every node and edge: about 8 ms at 1,000
nodes, paid on every edit when it ran per analysis. ``DesignShape.of(graph)`` gives the very
same tuple, computed only when asked, with each node's description kept until its type or
parameters change (``Graph.set_params`` gives a node a new dict) and the id order and edges
kept until a node or edge comes or goes (the graph's structure token).
"""

from __future__ import annotations

from ...core.graph import Graph


class DesignShape:
    """A cache of one design's structure; ask ``of(graph)`` whenever it is needed."""

    def __init__(self) -> None:
        self._graph: Graph | None = None
        self._token: object = None
        self._order: list[str] = []
        self._edges: tuple = ()
        self._nodes: dict[str, tuple] = {}  # id -> (params dict seen, type, description)
        self._value: tuple | None = None

    def of(self, graph: Graph) -> tuple:
        """``runs.structure(serialize.to_dict(graph))``, from what changed since the last call."""
        if graph is not self._graph or graph.structure_token is not self._token:
            if graph is not self._graph:
                self._nodes = {}
            self._graph, self._token = graph, graph.structure_token
            self._order = sorted(graph.nodes)
            self._edges = tuple(sorted((e.src, e.dst, e.port or 0) for e in graph.edges))
            self._value = None
        memo, nodes, value = self._nodes, graph.nodes, []
        same = self._value is not None
        for nid in self._order:
            node = nodes[nid]
            hit = memo.get(nid)
            if hit is None or hit[0] is not node.params or hit[1] != node.type:
                hit = memo[nid] = (node.params, node.type,
                                   (nid, node.type, repr(sorted(node.params.items()))))
                same = False
            value.append(hit[2])
        if not same:
            self._value = (tuple(value), self._edges)
        return self._value
