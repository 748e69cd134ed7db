"""Structural validation with networkx: endpoints, cycles, reachability and input counts.

Returns the issues and a topological order of the nodes outside cycles; it never raises on
a bad design, so that random edits always yield issues rather than exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from ..core.graph import Graph
from ..layers import registry
from .issues import Issue, error, warning


@dataclass
class Structure:
    digraph: nx.DiGraph
    order: list[str]
    issues: list[Issue] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    #: Nodes whose result reaches the Output (what the compiler emits), in order.
    live: set[str] = field(default_factory=set)
    unreachable: set[str] = field(default_factory=set)
    in_cycle: set[str] = field(default_factory=set)


def to_networkx(graph: Graph) -> nx.DiGraph:
    """The design as a networkx DiGraph (node attribute ``type``, edge attribute ``ports``)."""
    g = nx.DiGraph()
    g.add_nodes_from((n.id, {"type": n.type}) for n in graph.nodes.values())
    for e in graph.edges:
        if g.has_edge(e.src, e.dst):
            g.edges[e.src, e.dst]["ports"].append(e.port)
        else:
            g.add_edge(e.src, e.dst, ports=[e.port])
    return g


def check_structure(graph: Graph) -> Structure:
    g = to_networkx(graph)
    st = Structure(g, [])
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

    _check_cycles(g, st)
    _check_degrees(graph, st)
    _check_reachability(graph, g, st)
    return st


def _check_cycles(g: nx.DiGraph, st: Structure) -> None:
    try:
        st.order = list(nx.topological_sort(g))
        return
    except nx.NetworkXUnfeasible:
        pass
    for component in nx.strongly_connected_components(g):
        if len(component) < 2:
            continue
        cycle = [u for u, _ in nx.find_cycle(g.subgraph(component))]
        st.in_cycle |= component
        loop = " → ".join(cycle + [cycle[0]])
        st.issues.append(error(
            "cycle", f"These layers form a loop ({loop}); a network must flow one way: "
            f"delete one of the edges.", node_id=cycle[0], nodes=cycle))
    st.order = list(nx.topological_sort(g.subgraph(n for n in g if n not in st.in_cycle)))


def _check_degrees(graph: Graph, st: Structure) -> None:
    for node in graph.nodes.values():
        spec = registry.get(node.type)
        n_in = len(graph.in_edges(node.id))
        n_out = len(graph.out_edges(node.id))
        if spec is None:
            continue
        if spec.inputs == 0 and n_in:
            st.issues.append(error("input-has-inputs", f"Input {node.id} has incoming edges; an "
                                   f"Input only feeds layers: delete those edges.", node.id))
        elif spec.inputs == 1 and n_in > 1:
            srcs = ", ".join(graph.predecessors(node.id))
            st.issues.append(error("too-many-inputs", f"{node.type} {node.id} takes one input but "
                                   f"has {n_in} ({srcs}); merge them first with Add or Concat.",
                                   node.id))
        elif spec.inputs is None and n_in < 2:
            st.issues.append(error("merge-inputs", f"{node.type} {node.id} merges two or more "
                                   f"inputs but has {n_in}; connect another branch or delete it.",
                                   node.id))
        elif spec.inputs == 1 and n_in == 0:
            st.issues.append(error("missing-input", f"{node.type} {node.id} has no input; connect "
                                   f"the previous layer to it.", node.id))
        if not spec.has_output and n_out:
            st.issues.append(error("output-has-outputs", f"Output {node.id} feeds other layers; the "
                                   f"Output must be last: delete its outgoing edges.", node.id))


def _check_reachability(graph: Graph, g: nx.DiGraph, st: Structure) -> None:
    from_inputs: set[str] = set(st.inputs)
    for node_id in st.inputs:
        from_inputs |= nx.descendants(g, node_id)
    to_output: set[str] = set(st.outputs)
    for node_id in st.outputs:
        to_output |= nx.ancestors(g, node_id)
    st.live = to_output
    for node_id in graph.nodes:
        if node_id in st.in_cycle:
            continue
        if node_id not in from_inputs:
            st.unreachable.add(node_id)
            if graph.in_edges(node_id):  # nodes with no inputs at all already got missing-input
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
