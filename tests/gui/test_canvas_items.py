"""The canvas items in bulk: Qt's index still finds items after thousands came and went,
edges are shown only once routed, labels are drawn by their edge, and a deleted design
comes back on undo with the same items."""

import pytest
from PySide6.QtWidgets import QGraphicsScene

from designer.core import serialize
from designer.core.graph import Edge
from designer.core.layout import apply_layout, layered_layout
from designer.gui.canvas import GraphView
from designer.gui.canvas.edge_item import EdgeItem
from designer.gui.canvas.geometry import direct
from designer.gui.canvas.node_item import NodeItem
from designer.gui.canvas.scene_items import BULK_ITEMS
from designer.gui.document import Document
from designer.zoo import find


@pytest.fixture
def view(qtbot):
    graph = serialize.load(find("googlenet"))
    for group in graph.groups.values():
        group.collapsed = False
    apply_layout(graph, layered_layout(graph))
    view = GraphView(Document(graph))
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_the_index_finds_items_after_a_bulk_delete_and_its_undo(view):
    scene = view.graph_scene
    assert len(scene.nodes) + len(scene.edge_items) >= BULK_ITEMS  # the bulk path is taken
    boxes = dict(scene.nodes)
    view.select_all()
    view.delete_selection()
    assert not scene.nodes and not [i for i in scene.items() if isinstance(i, (NodeItem, EdgeItem))]
    view.document.undo_stack.undo()
    scene.flush()
    assert scene.itemIndexMethod() == QGraphicsScene.ItemIndexMethod.BspTreeIndex
    assert scene.sceneRect().contains(scene.content_rect())
    assert all(scene.nodes[k] is box for k, box in boxes.items())  # the same boxes came back
    for box in list(scene.nodes.values())[::7]:
        assert box in scene.items(box.sceneBoundingRect().center())


def test_an_edge_is_shown_once_routed_and_draws_its_label(view):
    scene = view.graph_scene
    src, dst = list(scene.nodes.values())[:2]
    item = EdgeItem(("a", 0, "b", 0), [Edge("a", "b")], src, 0, dst, 0)
    scene.addItem(item)
    item.set_label("8×4×4", "a → b")
    assert not item.isVisible() and not item.label.isVisible()  # no route yet: nowhere to draw
    item.set_route(direct((0.0, 0.0), (40.0, 200.0)))
    assert item.isVisible() and item.label.isVisible()
    assert item.sceneBoundingRect().contains(item.label.sceneBoundingRect())
    item.shift(100.0, 50.0)  # moved with its boxes: the drawn path stays, the item moves
    assert item.route.start == (100.0, 50.0) and item.route.end == (140.0, 250.0)
    assert item.sceneBoundingRect().contains(item.label.sceneBoundingRect())
    scene.removeItem(item)
