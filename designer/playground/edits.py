"""The edits a Playground's controls make to the design, each one undo step (pure).

``set_activation`` changes every hidden activation of the design to one type (Softmax and
LogSoftmax, which are outputs, stay); ``set_features`` switches input features on or off in
the InputFeatures node, adding one right after the Input when the design has none.
"""

from __future__ import annotations

from ..core.edits import Compound, Edit, SetParams, insert_on_edge, replace_design
from ..core.graph import Graph, Node
from ..layers import registry
from ..layers.features import FEATURES

#: Activations the Playground offers, as in TensorFlow Playground (plus a few of torch's).
ACTIVATIONS = ("ReLU", "Tanh", "Sigmoid", "LeakyReLU", "ELU", "GELU", "SiLU")
_KEEP = {"Softmax", "LogSoftmax"}


class PlaygroundEditError(ValueError):
    """The design cannot take the change; the message says why and what to do."""


def hidden_activations(graph: Graph) -> list[str]:
    """Ids of the activation nodes a Playground's activation control changes."""
    out = []
    for node in graph.nodes.values():
        spec = registry.get(node.type)
        if spec is not None and spec.category == "activation" and node.type not in _KEEP:
            out.append(node.id)
    return out


def set_activation(graph: Graph, layer_type: str) -> Edit:
    """One edit that gives every hidden activation the type ``layer_type`` (default params)."""
    if layer_type not in ACTIVATIONS:
        raise PlaygroundEditError(f"activation {layer_type!r} is not offered; choose one of "
                                  f"{', '.join(ACTIVATIONS)}")
    targets = hidden_activations(graph)
    if not targets:
        raise PlaygroundEditError("the design has no activation layers to change; add one after "
                                  "a hidden Linear layer")
    changed = graph.copy()
    for nid in targets:
        node = changed.nodes[nid]
        node.type, node.params = layer_type, {}
    edit = replace_design(graph, changed)
    edit.text = f"Set activation to {layer_type}"
    return edit


def features_node(graph: Graph) -> str | None:
    return next((n.id for n in graph.nodes.values() if n.type == "InputFeatures"), None)


def set_features(graph: Graph, chosen: dict[str, bool], frequency: float | None = None) -> Edit:
    """One edit that switches the input features named in ``chosen`` on or off."""
    unknown = sorted(set(chosen) - set(FEATURES))
    if unknown:
        raise PlaygroundEditError(f"unknown input feature {unknown[0]!r}; the features are "
                                  f"{', '.join(FEATURES)}")
    nid = features_node(graph)
    params = dict(graph.node(nid).params) if nid else {}
    params.update(chosen)
    if frequency is not None:
        params["frequency"] = frequency
    spec = registry.get("InputFeatures")
    if not any(spec.resolve(params)[name] for name in FEATURES):
        raise PlaygroundEditError("at least one input feature must stay on")
    if nid is not None:
        return SetParams(nid, params)
    inputs = [n.id for n in graph.nodes.values() if n.type == "Input"]
    if len(inputs) != 1 or len(graph.out_edges(inputs[0])) != 1:
        raise PlaygroundEditError("input features need a design with one Input feeding one layer")
    edge = graph.out_edges(inputs[0])[0]
    x, y = graph.node(inputs[0]).position
    node = Node(_free_id(graph, "features"), "InputFeatures", params, (x, y + 60.0))
    edit = insert_on_edge(graph, edge, node)
    return Compound(edit.edits, text="Add input features")


def _free_id(graph: Graph, stem: str) -> str:
    candidate, n = stem, 1
    while candidate in graph.nodes:
        n += 1
        candidate = f"{stem}{n}"
    return candidate
