"""Replace the head (core.head): the last classifier layer is found through width-keeping
layers, gets the new number of classes and is listed to start fresh, in one undoable edit."""

from __future__ import annotations

import pytest

from designer.analysis import analyze
from designer.core import serialize
from designer.core.builder import DesignBuilder
from designer.core.head import HeadError, ReplaceHead, find_head, replace_head
from designer.zoo import find


def _classifier(tail=("relu",)):
    b = DesignBuilder("net")
    x = b.input([3, 8, 8])
    x = b.conv2d(x, 4, 3, id="conv")
    x = b.add("AdaptiveAvgPool2d", x, id="pool", output_size=1)
    x = b.flatten(x, id="flat")
    x = b.linear(x, 10, id="fc")
    for i, kind in enumerate(tail):
        x = b.add({"relu": "ReLU", "drop": "Dropout", "soft": "Softmax"}[kind], x, id=f"t{i}")
    b.output(x)
    return b.build()


@pytest.mark.parametrize("tail, head", [
    ((), "fc"),
    (("relu",), "fc"),
    (("drop", "soft"), "fc"),
])
def test_find_head(tail, head):
    assert find_head(_classifier(tail)) == head


def test_no_head_without_a_classifier_layer():
    b = DesignBuilder("net")
    x = b.conv2d(b.input([3, 8, 8]), 4, 3, id="conv")
    b.output(b.flatten(b.add("MaxPool2d", x, id="pool", kernel_size=2)))
    graph = b.build()  # a max-pool changes the width: the conv is no classifier head
    assert find_head(graph) is None
    with pytest.raises(HeadError, match="no classifier head"):
        replace_head(graph, 5)


@pytest.mark.parametrize("classes", [0, -1, 2.5, True, "3", 10**6])
def test_bad_class_counts_are_refused(classes):
    with pytest.raises(HeadError, match="whole number of classes"):
        replace_head(_classifier(), classes)


def test_replace_the_head_and_undo():
    graph = _classifier()
    graph.training = {"freeze": ["conv", "fc"], "epochs": 2}
    before = serialize.to_dict(graph)
    edit = replace_head(graph, 5)
    assert isinstance(edit, ReplaceHead) and edit.node_id == "fc"
    edit.apply(graph)
    assert analyze(graph).output_shape == (5,)
    assert graph.training == {"freeze": ["conv"], "epochs": 2, "fresh_layers": ["fc"]}
    edit.revert(graph)
    assert serialize.to_dict(graph) == before


def test_resnet18_head():
    graph = serialize.load(find("resnet18")) if find("resnet18").exists() else None
    if graph is None:
        pytest.skip("no resnet18 example")
    head = find_head(graph)
    assert graph.nodes[head].type == "Linear"
    replace_head(graph, 3).apply(graph)
    assert analyze(graph).output_shape == (3,)


def test_the_replacement_is_saved_in_the_design_file(tmp_path):
    graph = _classifier()
    replace_head(graph, 4).apply(graph)
    serialize.save(graph, tmp_path / "net.json")
    again = serialize.load(tmp_path / "net.json")
    assert again.training["fresh_layers"] == ["fc"] and again.nodes["fc"].params["out_features"] == 4
