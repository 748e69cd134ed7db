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


def test_edges_pasted_out_of_view_are_routed_when_idle_or_when_the_view_goes_there(qtbot):
    from designer.core import clipboard

    graph = serialize.load(find("googlenet"))
    graph.groups = {}  # (a paste into blocks rebuilds the scene, which routes it at once)
    apply_layout(graph, layered_layout(graph))
    view = GraphView(Document(graph))
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    scene = view.graph_scene
    scene.flush()
    payload = clipboard.copy_nodes(graph, list(graph.nodes))
    far = scene.content_rect().right() + 5000.0
    ids = view._paste_payload(payload, (far, 0.0))
    scene.flush_some(50)  # a pass after the paste (of at most 50 routes): nothing of it is in view
    pasted = [e for e in scene.edge_items.values() if e.src.key in ids and e.dst.key in ids]
    assert len(pasted) > 50 and scene.routing_pending()
    assert not any(e.routed for e in pasted)
    box = scene.nodes[ids[len(ids) // 2]]
    view.centerOn(box)  # the view goes there: what it shows is routed first
    scene.flush_some(50)
    assert all(e.routed for e in scene.edges_of(box))
    assert not all(e.routed for e in pasted)
    qtbot.waitUntil(lambda: not scene.routing_pending(), timeout=60_000)  # the rest in idle passes
    assert all(e.routed for e in pasted)
