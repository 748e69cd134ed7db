"""DesignShape gives what runs.structure(to_dict(graph)) gives, after any edit, without
describing the whole design again per edit."""

from designer.core import edits
from designer.core.graph import Edge, Node
from designer.core.serialize import load, to_dict
from designer.gui.training_panel.design_shape import DesignShape
from designer.gui.training_panel.runs import structure
from designer.zoo import find


def test_the_shape_follows_every_kind_of_edit():
    graph = load(find("lenet5"))
    shape = DesignShape()
    assert shape.of(graph) == structure(to_dict(graph))
    first = shape.of(graph)
    assert shape.of(graph) is first  # nothing changed: the same tuple, nothing rebuilt
    graph.set_params("conv1", dict(graph.nodes["conv1"].params, out_channels=7))
    assert shape.of(graph) == structure(to_dict(graph)) != first
    graph.set_params("conv1", dict(graph.nodes["conv1"].params, out_channels=6))
    assert shape.of(graph) == first  # edited back
    graph.move_node("conv1", (500.0, 20.0))
    assert shape.of(graph) == first  # positions are not the network
    edits.RemoveEdge(Edge("fc3", "output")).apply(graph)
    assert shape.of(graph) == structure(to_dict(graph))
    graph.add_node(Node("extra", "ReLU", {}))
    graph.add_edge(Edge("fc3", "extra"))
    graph.add_edge(Edge("extra", "output"))
    assert shape.of(graph) == structure(to_dict(graph))
    other = load(find("resnet18"))
    assert shape.of(other) == structure(to_dict(other))  # another design altogether

