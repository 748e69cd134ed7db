"""Which nodes' outputs a Playground shows as maps, laid out by layer (pure).

TensorFlow Playground draws one column per layer: the input features, then each hidden
layer's neurons (after their activation). Here: the InputFeatures node (or the raw x₁, x₂,
as the pseudo node INPUTS),
then for every Linear except the last one the activation that follows it directly, or the
Linear itself when nothing follows. The last Linear is the output, drawn as the big map.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis import Analysis
from ..core.graph import Graph
from ..layers import registry

MAX_UNITS = 16  # maps per layer at most (the first ones)
INPUTS = "@inputs"  # the column of the raw inputs x₁, x₂ when the design has no InputFeatures


@dataclass(frozen=True)
class UnitLayer:
    """One column of unit maps: the node whose output is drawn, a title, its unit count."""

    node_id: str
    title: str
    units: int


def _is_activation(layer_type: str) -> bool:
    spec = registry.get(layer_type)
    return spec is not None and spec.category == "activation"


def unit_layers(graph: Graph, analysis: Analysis) -> list[UnitLayer]:
    """The columns a Playground shows for this design, input side first."""
    order = [nid for nid in analysis.order if nid in analysis.live]
    linears = [nid for nid in order if analysis.nodes[nid].type == "Linear"]
    out: list[UnitLayer] = []
    for nid in order:
        info = analysis.nodes[nid]
        if info.type == "InputFeatures" and info.output_shape:
            out.append(UnitLayer(nid, "features", min(info.output_shape[0], MAX_UNITS)))
    if not out and tuple(analysis.input_shape or ()) == (2,):
        out.append(UnitLayer(INPUTS, "inputs", 2))
    for depth, nid in enumerate(linears[:-1], start=1):
        shown = nid
        after = graph.successors(nid)
        if len(after) == 1 and _is_activation(graph.node(after[0]).type):
            shown = after[0]
        shape = analysis.nodes[shown].output_shape
        if shape and len(shape) == 1:
            out.append(UnitLayer(shown, f"hidden {depth}", min(shape[0], MAX_UNITS)))
    return out
