"""The examples on the canvas, as saved and with every block expanded: every edge is drawn
(or hidden inside a collapsed block), no edge passes through a box, no label covers one."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF

from designer.core import serialize
from designer.core.layout import apply_layout, layered_layout
from designer.gui.canvas import GraphView
from designer.gui.canvas.geometry import inside
from designer.gui.document import Document
from designer.zoo import find

EXAMPLES = ["lenet5", "vgg16", "resnet18", "resnet50", "googlenet", "densenet121"]


def scene_for(qtbot, name: str, expanded: bool):
    graph = serialize.load(find(name))
    if expanded:
        for group in graph.groups.values():
            group.collapsed = False
        apply_layout(graph, layered_layout(graph))
    view = GraphView(Document(graph))
    qtbot.addWidget(view)
    view.graph_scene.flush()
    return graph, view


@pytest.mark.parametrize("expanded", [False, True], ids=["as-saved", "expanded"])
@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_draw_every_edge_around_the_boxes(qtbot, name, expanded):
    graph, view = scene_for(qtbot, name, expanded)
    scene = view.graph_scene
    drawn = [e for item in scene.edge_items.values() for e in item.edges]
    hidden = [e for e in graph.edges if scene.owner_of(e.src) == scene.owner_of(e.dst)]
    assert sorted(map(repr, drawn + hidden)) == sorted(map(repr, graph.edges))
    boxes = scene.boxes()
    rects = {b.key: b.scene_rect() for b in boxes}
    for item in scene.edge_items.values():
        points = item.route.points(24)
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        near = {k: r for k, r in rects.items() if r[0] < max(xs) and r[2] > min(xs)
                and r[1] < max(ys) and r[3] > min(ys) and k not in (item.src.key, item.dst.key)}
        for key, rect in near.items():
            assert not any(inside(p, rect, -1.0) for p in points), f"{item.key} crosses {key}"
        label = item.label.sceneBoundingRect()
        for key in scene.items(label):
            assert not (hasattr(key, "scene_rect") and label.intersects(QRectF(*_xywh(key.scene_rect())))), \
                f"label of {item.key} on {key.key}"


def _xywh(rect):
    left, top, right, bottom = rect
    return left, top, right - left, bottom - top


@pytest.mark.parametrize("name", ["resnet50", "densenet121", "googlenet"])
def test_large_examples_read_as_a_dozen_blocks(qtbot, name):
    graph, view = scene_for(qtbot, name, expanded=False)
    scene = view.graph_scene
    assert len(graph.nodes) > 150
    assert len(scene.boxes()) <= 20
    assert all(b.text.extra.endswith("params") for b in scene.group_nodes.values())
