""""Replace the head": the one transfer-learning step that turns a pretrained classifier into
one for your classes. The last classifier layer (the Linear, or Conv2d, that sets the width of
the Output, found by walking back over activations, dropout, flattening and pooling) gets the
new number of outputs, and its weights start fresh: the design's training settings list it in
``fresh_layers``, so that loading pretrained weights or a checkpoint leaves it at its new
initialisation even where the file holds a tensor of the same shape. Every other layer (and
so every other pretrained tensor) is kept; the head is made trainable if it was frozen.

One undoable edit (``ReplaceHead``); pure, like every core edit.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .edits import Edit
from .graph import Graph
from .trainable import with_trainable

#: Layers that pass their input's width through unchanged, walked over to find the head.
PASS_THROUGH = frozenset({
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softplus",
    "Softmax", "LogSoftmax", "Dropout", "Dropout2d", "Identity", "BatchNorm1d", "Flatten",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d"})
#: The classifier layers a head can be, and the parameter that sets their number of outputs.
WIDTH_PARAM = {"Linear": "out_features", "Conv2d": "out_channels"}
#: More classes than this is surely a typing mistake (ImageNet-21k has 21,843).
MAX_CLASSES = 100_000


class HeadError(ValueError):
    """The design has no head to replace, or the number of classes is not usable."""


def find_head(graph: Graph) -> str | None:
    """The last classifier layer: the Linear or Conv2d feeding the design's one Output through
    width-keeping layers only; None when there is no such layer."""
    outputs = [nid for nid, node in graph.nodes.items() if node.type == "Output"]
    if len(outputs) != 1:
        return None
    node, seen = outputs[0], set()
    while node not in seen:
        seen.add(node)
        preds = graph.predecessors(node)
        if len(preds) != 1:
            return None
        node = preds[0]
        kind = graph.nodes[node].type
        if kind in WIDTH_PARAM:
            return node
        if kind not in PASS_THROUGH:
            return None
    return None


def head_width(graph: Graph, node_id: str) -> Any:
    """The head's current number of outputs as stored (None when left at the default)."""
    node = graph.node(node_id)
    return node.params.get(WIDTH_PARAM[node.type])


def check_classes(classes: Any) -> int:
    if isinstance(classes, bool) or not isinstance(classes, int) or not 1 <= classes <= MAX_CLASSES:
        raise HeadError(f"the new head needs a whole number of classes from 1 to {MAX_CLASSES:,}, "
                        f"got {classes!r}")
    return classes


@dataclass
class ReplaceHead(Edit):
    """Give the head ``node_id`` ``classes`` outputs and fresh weights (see the module doc)."""

    node_id: str
    classes: int
    text: str = "Replace the head"
    _old: tuple[dict, dict] | None = field(default=None, repr=False)

    def apply(self, graph: Graph) -> None:
        node = graph.node(self.node_id)
        if node.type not in WIDTH_PARAM:
            raise HeadError(f"{self.node_id} is a {node.type}; the head to replace is a "
                            f"{' or '.join(WIDTH_PARAM)}")
        check_classes(self.classes)
        self._old = (dict(node.params), copy.deepcopy(graph.training))
        training = with_trainable(graph, graph.training, [self.node_id], True)
        fresh = list(training.get("fresh_layers", []))
        training["fresh_layers"] = fresh + ([self.node_id] if self.node_id not in fresh else [])
        graph.training = training
        graph.set_params(self.node_id, {**node.params, WIDTH_PARAM[node.type]: self.classes})

    def revert(self, graph: Graph) -> None:
        params, training = self._old
        graph.training = copy.deepcopy(training)
        graph.set_params(self.node_id, params)


def replace_head(graph: Graph, classes: int, node_id: str | None = None) -> ReplaceHead:
    """The edit replacing ``node_id`` (default: the design's head) by a ``classes``-way head;
    HeadError with what to do when there is none."""
    check_classes(classes)
    head = node_id or find_head(graph)
    if head is None:
        raise HeadError("the design has no classifier head to replace: its Output should follow "
                        "a Linear (or Conv2d), with only activations, dropout, flattening or "
                        "pooling between them")
    if head not in graph.nodes or graph.nodes[head].type not in WIDTH_PARAM:
        kind = graph.nodes[head].type if head in graph.nodes else "missing node"
        raise HeadError(f"{head} ({kind}) cannot be a head: choose a Linear or Conv2d layer")
    return ReplaceHead(head, classes, text=f"Replace the head ({head} → {classes} classes)")
