"""Canvas gestures end in one undoable edit: drops from the palette, drags between ports,
insertion on an edge, moving, deleting; and the canvas follows the analysis."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest

from designer.core import serialize
from designer.core.builder import DesignBuilder
from designer.core.edits import SetParams
from designer.core.graph import Edge
from designer.gui.canvas import LAYER_MIME, GraphView
from designer.gui.canvas.port_item import IN, OUT
from designer.gui.document import Document


def small_design():
    b = DesignBuilder("small")
    x = b.input([1, 28, 28])
    x = b.conv2d(x, 8, 3, id="conv1")
    x = b.relu(x, id="relu1")
    x = b.flatten(x, id="flatten")
    x = b.linear(x, 10, id="fc")
    b.output(x)
    return b.build()


@pytest.fixture
def view(qtbot):
    doc = Document(small_design())
    view = GraphView(doc)
    qtbot.addWidget(view)
    view.resize(900, 1000)
    view.show()
    qtbot.waitExposed(view)
    view.fit_to_view()
    return view


def port_point(view, node_id, direction, key=0) -> QPoint:
    box = view.graph_scene.box(node_id)
    ports = box.in_ports if direction == IN else box.out_ports
    return view.mapFromScene(ports[key].scenePos())


def drag(view, start: QPoint, end: QPoint, steps: int = 4) -> None:
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, steps + 1):
        QTest.mouseMove(vp, start + (end - start) * (i / steps))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def drop_layer(view, layer_type: str, at: QPoint) -> None:
    mime = QMimeData()
    mime.setData(LAYER_MIME, layer_type.encode("utf-8"))
    event = QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)


def empty_point(view) -> QPoint:
    """A viewport point with nothing under it (to the right of the design)."""
    rect = view.graph_scene.itemsBoundingRect()
    return view.mapFromScene(QPointF(rect.right() + 150, rect.center().y()))


def test_palette_drop_creates_the_layer_at_the_drop_point(view):
    doc = view.document
    at = empty_point(view)
    drop_layer(view, "BatchNorm2d", at)
    added = [n for n in doc.graph.nodes if doc.graph.nodes[n].type == "BatchNorm2d"]
    assert added == ["bn1"]
    scene_at = view.mapToScene(at)
    x, y = doc.graph.nodes["bn1"].position
    assert abs(x - scene_at.x()) < 1 and abs(y - scene_at.y()) < 1
    assert "bn1" in view.graph_scene.nodes and doc.selection == ["bn1"]
    assert doc.undo_stack.count() == 1


def test_dragging_from_an_output_port_to_an_input_port_connects(view, qtbot):
    doc = view.document
    drop_layer(view, "Dropout", empty_point(view))
    drag(view, port_point(view, "relu1", OUT), port_point(view, "drop1", IN))
    assert Edge("relu1", "drop1", 0) in doc.graph.edges
    assert doc.undo_stack.undoText().startswith("Connect")
    qtbot.waitUntil(lambda: any(e.edges == [Edge("relu1", "drop1", 0)]
                                for e in view.graph_scene.edge_items.values()))
    doc.undo_stack.undo()
    assert Edge("relu1", "drop1", 0) not in doc.graph.edges


def test_an_incompatible_target_is_not_offered_and_the_drop_is_refused(view, qtbot):
    doc = view.document
    before = serialize.to_dict(doc.graph)
    messages = []
    view.status_message.connect(messages.append)
    # relu1 already has an input: it is not offered as a target for flatten's output
    drag(view, port_point(view, "flatten", OUT), port_point(view, "relu1", IN))
    assert serialize.to_dict(doc.graph) == before
    assert messages and "already has an input" in messages[-1]
    # Input nodes have no input port at all
    assert view.graph_scene.box("input").in_ports == {}
    input_centre = view.mapFromScene(view.graph_scene.box("input").scenePos())
    drag(view, port_point(view, "fc", OUT), input_centre)
    assert serialize.to_dict(doc.graph) == before
    assert "Input" in messages[-1]
    # a loop: fc's output back into conv1 (which feeds fc) is refused
    doc.push(__import__("designer.core.edits", fromlist=["RemoveEdge"]).RemoveEdge(Edge("input", "conv1")))
    before = serialize.to_dict(doc.graph)
    drag(view, port_point(view, "fc", OUT), port_point(view, "conv1", IN))
    assert serialize.to_dict(doc.graph) == before
    assert "loop" in messages[-1]


def test_dropping_an_edge_on_empty_space_cancels(view):
    doc = view.document
    before = (serialize.to_dict(doc.graph), doc.undo_stack.count())
    messages = []
    view.status_message.connect(messages.append)
    drag(view, port_point(view, "conv1", OUT), empty_point(view))
    assert (serialize.to_dict(doc.graph), doc.undo_stack.count()) == before
    assert messages[-1] == "Connection cancelled"
    assert not any(type(i).__name__ == "QGraphicsPathItem" for i in view.graph_scene.items())


def test_dropping_a_layer_on_an_edge_inserts_it(view, qtbot):
    doc = view.document
    view.graph_scene.flush()
    item = next(e for e in view.graph_scene.edge_items.values() if e.edges == [Edge("conv1", "relu1")])
    x, y = item.route.label_at
    drop_layer(view, "BatchNorm2d", view.mapFromScene(QPointF(x, y)))
    assert Edge("conv1", "bn1") in doc.graph.edges and Edge("bn1", "relu1") in doc.graph.edges
    assert Edge("conv1", "relu1") not in doc.graph.edges
    assert doc.undo_stack.count() == 1 and doc.undo_stack.undoText() == "Insert BatchNorm2d"
    doc.undo_stack.undo()
    assert Edge("conv1", "relu1") in doc.graph.edges and "bn1" not in doc.graph.nodes


def test_delete_then_undo_restores_the_exact_design(view):
    doc = view.document
    before = serialize.to_dict(doc.graph)
    view.graph_scene.box("relu1").setSelected(True)
    view.graph_scene.box("flatten").setSelected(True)
    edge = next(e for e in view.graph_scene.edge_items.values() if e.edges == [Edge("fc", "output")])
    edge.setSelected(True)
    assert view.delete_selection()
    assert "relu1" not in doc.graph.nodes and Edge("fc", "output") not in doc.graph.edges
    assert "relu1" not in view.graph_scene.nodes
    doc.undo_stack.undo()
    assert serialize.to_dict(doc.graph) == before
    assert set(view.graph_scene.nodes) == set(doc.graph.nodes)
    assert len(view.graph_scene.edge_items) == len(doc.graph.edges)


def test_moving_nodes_with_the_mouse_is_one_undo_step(view):
    doc = view.document
    scene = view.graph_scene
    scene.box("relu1").setSelected(True)
    scene.box("flatten").setSelected(True)
    old = {n: doc.graph.nodes[n].position for n in ("relu1", "flatten")}
    start = view.mapFromScene(scene.box("relu1").scenePos() + QPointF(-40, 0))
    drag(view, start, start + QPoint(60, 30), steps=6)
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.undoText() == "Move 2 layers"
    for n in old:
        assert doc.graph.nodes[n].position != old[n]
        assert scene.box(n).pos() == QPointF(*doc.graph.nodes[n].position)
    doc.undo_stack.undo()
    assert {n: doc.graph.nodes[n].position for n in old} == old
    assert scene.box("relu1").pos() == QPointF(*old["relu1"])


def test_the_canvas_follows_parameter_changes(view, qtbot):
    doc = view.document
    item = view.graph_scene.nodes["conv1"]
    assert item.text.line2 == "→ 8×26×26"
    doc.push(SetParams("conv1", {"out_channels": 16, "kernel_size": 5}))
    qtbot.waitUntil(lambda: item.text.line2 == "→ 16×24×24")
    assert item.text.line1 == "5×5, 16, s1"
    assert item.text.extra == "416 params"
    label = next(e for e in view.graph_scene.edge_items.values() if e.edges == [Edge("conv1", "relu1")]).label
    assert label.text == "16×24×24"


def test_a_mistake_turns_the_node_red_with_its_reason(view, qtbot):
    doc = view.document
    doc.push(SetParams("conv1", {"out_channels": 8, "kernel_size": 40}))
    item = view.graph_scene.nodes["conv1"]
    qtbot.waitUntil(lambda: item.text.status == "error")
    assert item.text.issue and "40" in item.text.issue
    assert "Error" in item.toolTip()
    assert view.graph_scene.nodes["fc"].text.status == "unknown"
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: item.text.status == "ok")
    assert item.text.issue == ""


def test_selection_is_shared_with_the_document(view, qtbot):
    doc = view.document
    view.graph_scene.box("conv1").setSelected(True)
    assert doc.selection == ["conv1"]
    doc.set_selection(["fc", "relu1"])
    selected = {i.key for i in view.graph_scene.selectedItems()}
    assert selected == {"fc", "relu1"}


def test_adding_after_the_selection_wires_the_new_layer_in(view):
    doc = view.document
    doc.set_selection(["conv1"])
    nid = view.add_layer_after_selection("BatchNorm2d")
    assert nid == "bn1"
    assert Edge("conv1", "bn1") in doc.graph.edges and Edge("bn1", "relu1") in doc.graph.edges
    assert doc.graph.nodes["relu1"].position[1] > doc.graph.nodes["bn1"].position[1]
    assert doc.selection == ["bn1"] and doc.undo_stack.count() == 1
    doc.set_selection(["output"])
    assert view.add_layer_after_selection("ReLU") is None


def test_the_canvas_follows_a_replaced_graph_and_lets_go_when_destroyed(qtbot):
    doc = Document(small_design())
    view = GraphView(doc)
    qtbot.addWidget(view)
    doc.replace_graph(serialize.load(__import__("designer.zoo", fromlist=["find"]).find("lenet5")))
    assert set(view.graph_scene.nodes) == set(doc.graph.nodes)
    assert "pool2" in view.graph_scene.nodes
    scene = view.graph_scene
    view.deleteLater()
    qtbot.waitUntil(lambda: not scene._binding)
    doc.push(SetParams("conv1", {"out_channels": 4, "kernel_size": 5}))  # nobody to crash
    assert doc.graph.nodes["conv1"].params["out_channels"] == 4


def test_middle_button_and_space_drag_pan_the_view(view, qtbot):
    view.zoom_by(2.0)
    vp = view.viewport()
    centre = view.mapToScene(vp.rect().center())
    start = vp.rect().center()
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(vp, start + QPoint(-80, -60))
    QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, start + QPoint(-80, -60))
    moved = view.mapToScene(vp.rect().center()) - centre
    assert abs(moved.x() - 80 / view.zoom) < 2 and abs(moved.y() - 60 / view.zoom) < 2
    assert view.document.undo_stack.count() == 0
    QTest.keyPress(view, Qt.Key.Key_Space)
    before = view.mapToScene(vp.rect().center())
    drag(view, start, start + QPoint(40, 40))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    after = view.mapToScene(vp.rect().center())
    assert abs((before - after).x() - 40 / view.zoom) < 2
    assert view.document.undo_stack.count() == 0  # panning moved nothing


def test_rubber_band_selects_nodes_and_delete_key_removes_them(view):
    doc = view.document
    scene = view.graph_scene
    top = view.mapFromScene(scene.box("relu1").scenePos() + QPointF(-120, -45))
    bottom = view.mapFromScene(scene.box("flatten").scenePos() + QPointF(120, 45))
    drag(view, top, bottom, steps=5)
    assert doc.selection == ["relu1", "flatten"]
    assert not [i for i in scene.selectedItems() if i.__class__.__name__ == "EdgeItem"
                and (i.src.key, i.dst.key) != ("relu1", "flatten")]
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert "relu1" not in doc.graph.nodes and "flatten" not in doc.graph.nodes
    assert doc.undo_stack.count() == 1


def test_a_merge_offers_one_port_per_input_plus_a_free_one(qtbot):
    b = DesignBuilder("merge")
    x = b.input([4, 8, 8])
    l = b.conv2d(x, 4, 1, id="left")
    r = b.conv2d(x, 4, 1, id="right")
    b.conv2d(x, 4, 1, id="more")
    cat = b.concat(l, r, id="cat")
    b.output(b.flatten(cat, id="flat"))
    doc = Document(b.build())
    view = GraphView(doc)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    view.fit_to_view()
    box = view.graph_scene.box("cat")
    assert list(box.in_ports) == [0, 1, 2]
    assert [p.connected for p in box.in_ports.values()] == [True, True, False]
    xs = [p.scenePos().x() for p in box.in_ports.values()]
    assert xs == sorted(xs)  # port order, left to right, is the concatenation order
    drag(view, port_point(view, "more", OUT), port_point(view, "cat", IN, 2))
    assert Edge("more", "cat", 2) in doc.graph.edges
    assert list(box.in_ports) == [0, 1, 2, 3]
    qtbot.waitUntil(lambda: box.text.line2 == "→ 12×8×8")


def test_double_clicking_a_layer_activates_it(view, qtbot):
    centre = view.mapFromScene(view.graph_scene.box("conv1").scenePos() + QPointF(-30, 5))
    with qtbot.waitSignal(view.node_activated) as blocker:
        QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    assert blocker.args == ["conv1"]
