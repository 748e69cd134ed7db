"""Structural validation: endpoints, cycles, reachability and input counts.

Returns the issues and a topological order of the nodes outside cycles; it never raises on
a bad design, so that random edits always yield issues rather than exceptions. The common
path is one linear pass (Kahn's algorithm and two breadth-first sweeps over the Graph's own
adjacency); when there is a cycle the design becomes a networkx DiGraph, whose strongly
connected components name every loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field


from ..core.graph import Graph
from ..layers import registry
from .issues import Issue, error, warning


@dataclass
class Structure:
    order: list[str]
    issues: list[Issue] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    #: Nodes whose result reaches the Output (what the compiler emits), in order.
    live: set[str] = field(default_factory=set)
    unreachable: set[str] = field(default_factory=set)
    in_cycle: set[str] = field(default_factory=set)


def to_networkx(graph: Graph):
    """The design as a networkx DiGraph (node attribute ``type``, edge attribute ``ports``).

    networkx is imported here, not at module level: it costs ~0.2 s of the window's start-up
    and the common path (no cycle) never needs it.
    """
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from((n.id, {"type": n.type}) for n in graph.nodes.values())
    for e in graph.edges:
        if g.has_edge(e.src, e.dst):
            g.edges[e.src, e.dst]["ports"].append(e.port)
        else:
            g.add_edge(e.src, e.dst, ports=[e.port])
    return g


def check_structure(graph: Graph) -> Structure:
    st = Structure([])
    nodes = graph.nodes
    st.inputs = [n.id for n in nodes.values() if n.type == "Input"]
    st.outputs = [n.id for n in nodes.values() if n.type == "Output"]
    issues = st.issues

    if nodes and not st.inputs:
        issues.append(error("no-input", "The design has no Input node; add one from the palette "
                            "(Input/Output) and connect it to the first layer."))
    if nodes and not st.outputs:
        issues.append(error("no-output", "The design has no Output node; add one and connect the "
                            "last layer to it."))
    if len(st.outputs) > 1:
        issues.append(error("multiple-outputs", f"The design has {len(st.outputs)} Output nodes "
                            f"({', '.join(st.outputs)}); keep one.", nodes=st.outputs))

    st.order = _topological_order(graph)
    if len(st.order) < len(nodes):
        _check_cycles(graph, st)
    _check_degrees(graph, st)
    _check_reachability(graph, st)
    return st


def _topological_order(graph: Graph) -> list[str]:
    """Kahn's algorithm in file order; nodes on or behind a cycle are left out."""
    incoming, outgoing = graph.adjacency()
    indegree = {nid: len(edges) for nid, edges in incoming.items()}
    ready = [nid for nid, d in indegree.items() if d == 0]
    ready.reverse()
    order = []
    while ready:
        nid = ready.pop()
        order.append(nid)
        for edge in reversed(outgoing[nid]):
            dst = edge.dst
            indegree[dst] -= 1
            if indegree[dst] == 0:
                ready.append(dst)
    return order


def _check_cycles(graph: Graph, st: Structure) -> None:
    import networkx as nx

    g = to_networkx(graph)
    for component in nx.strongly_connected_components(g):
        if len(component) < 2:
            continue
        cycle = [u for u, _ in nx.find_cycle(g.subgraph(component))]
        st.in_cycle |= component
        loop = " → ".join(cycle + [cycle[0]])
        # Every node of the knot carries the issue, also those off the loop named here.
        rest = sorted(component.difference(cycle))
        st.issues.append(error(
            "cycle", f"These layers form a loop ({loop}); a network must flow one way: "
            f"delete one of the edges.", node_id=cycle[0], nodes=cycle + rest))
    st.order = list(nx.topological_sort(g.subgraph(n for n in g if n not in st.in_cycle)))


def _sweep(starts: list[str], edges: dict, forward: bool) -> set[str]:
    """Every node reachable from ``starts`` along (forward) or against the edges."""
    seen = set(starts)
    stack = list(starts)
    while stack:
        for edge in edges[stack.pop()]:
            nxt = edge.dst if forward else edge.src
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _check_degrees(graph: Graph, st: Structure) -> None:
    incoming, outgoing = graph.adjacency()
    for node in graph.nodes.values():
        spec = registry.get(node.type)
        if spec is None:
            continue
        n_in = len(incoming[node.id])
        n_out = len(outgoing[node.id])
        if spec.inputs == 0 and n_in:
            st.issues.append(error("input-has-inputs", f"Input {node.id} has incoming edges; an "
                                   f"Input only feeds layers: delete those edges.", node.id))
        elif spec.inputs == 1 and n_in > 1:
            srcs = ", ".join(graph.predecessors(node.id))
            st.issues.append(error("too-many-inputs", f"{node.type} {node.id} takes one input but "
                                   f"has {n_in} ({srcs}); merge them first with Add or Concat.",
                                   node.id))
        elif spec.inputs is None and n_in < 2 and spec.torch_kind != "opaque":
            st.issues.append(error("merge-inputs", f"{node.type} {node.id} merges two or more "
                                   f"inputs but has {n_in}; connect another branch or delete it.",
                                   node.id))
        elif spec.inputs in (1, None) and n_in == 0:
            st.issues.append(error("missing-input", f"{node.type} {node.id} has no input; connect "
                                   f"the previous layer to it.", node.id))
        if not spec.has_output and n_out:
            st.issues.append(error("output-has-outputs", f"Output {node.id} feeds other layers; the "
                                   f"Output must be last: delete its outgoing edges.", node.id))


def _check_reachability(graph: Graph, st: Structure) -> None:
    incoming, outgoing = graph.adjacency()
    from_inputs = _sweep(st.inputs, outgoing, forward=True)
    to_output = _sweep(st.outputs, incoming, forward=False)
    st.live = to_output
    for node_id in graph.nodes:
        if node_id in st.in_cycle:
            continue
        if node_id not in from_inputs:
            st.unreachable.add(node_id)
            # Nodes with no inputs at all already got missing-input; with no Input at all,
            # no-input says it once rather than once per layer.
            if graph.in_degree(node_id) and st.inputs:
                st.issues.append(error("unreachable", f"{node_id} cannot be reached from any "
                                       f"Input; connect its branch to the network.", node_id))
        elif node_id not in to_output and st.outputs:
            kind = graph.nodes[node_id].type
            if kind == "Input":
                st.issues.append(error("dead-end", f"Input {node_id} never reaches the Output; "
                                       f"connect it or delete it.", node_id))
            elif kind != "Output":
                st.issues.append(warning("dead-end", f"{kind} {node_id}'s result never reaches "
                                         f"the Output, so it is left out of the model; connect it "
                                         f"or delete it.", node_id))
