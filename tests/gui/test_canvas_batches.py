"""Large edits reach the canvas as one change per gesture: one selection hand-over for
Ctrl+A, items made once for a paste or an undo, the same scene after undo as before."""

import pytest
from PySide6.QtCore import Qt

from designer.core import clipboard, serialize
from designer.core.layout import apply_layout, layered_layout
from designer.gui.canvas import GraphView
from designer.gui.document import Document
from designer.zoo import find


def _expanded(name):
    graph = serialize.load(find(name))
    for group in graph.groups.values():
        group.collapsed = False
    apply_layout(graph, layered_layout(graph))
    return graph


@pytest.fixture
def view(qtbot):
    view = GraphView(Document(_expanded("googlenet")))
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def _scene_state(view):
    scene = view.graph_scene
    scene.flush()
    return (sorted(scene.nodes), sorted(scene.frames), sorted(map(str, scene.edge_items)),
            {k: (b.pos().x(), b.pos().y()) for k, b in scene.nodes.items()})


def test_select_all_is_one_selection_change(qtbot, view):
    doc = view.document
    changes = []
    doc.selection_changed.connect(changes.append)
    qtbot.keyClick(view.viewport(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(changes) == 1 and len(changes[0]) == len(doc.graph.nodes)


def test_delete_all_and_undo_restore_the_same_scene(qtbot, view):
    doc = view.document
    before = _scene_state(view)
    view.select_all()
    changes = []
    doc.selection_changed.connect(changes.append)
    view.delete_selection()
    doc.refresh_now()
    assert not view.graph_scene.nodes and not view.graph_scene.edge_items
    assert len(changes) == 1 and changes[0] == []
    doc.undo_stack.undo()
    doc.refresh_now()
    assert _scene_state(view) == before
    doc.undo_stack.redo()
    doc.undo_stack.undo()
    assert _scene_state(view) == before


def test_paste_and_undo_of_a_block(qtbot, view):
    doc = view.document
    before = _scene_state(view)
    ids = list(doc.graph.nodes)[:60]
    pasted = view._paste_payload(clipboard.copy_nodes(doc.graph, ids), (2500.0, 0.0))
    doc.refresh_now()
    scene = view.graph_scene
    assert len(pasted) == 60 and all(n in scene.nodes or scene.owner_of(n) for n in pasted)
    assert doc.selection == pasted
    inner = [e for e in doc.graph.edges if e.src in set(pasted) and e.dst in set(pasted)]
    assert inner and all(any(e in item.edges for item in scene.edge_items.values()) for e in inner)
    doc.undo_stack.undo()
    doc.refresh_now()
    assert _scene_state(view) == before


def test_many_new_edges_are_routed_over_several_passes(qtbot):
    from designer.core.builder import DesignBuilder

    b = DesignBuilder("chain")
    x = b.input([3, 16, 16])
    for _ in range(30):
        x = b.relu(b.conv2d(x, 4, 3, padding=1))
    b.output(b.linear(b.flatten(x), 10))
    view = GraphView(Document(b.build()))
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    scene = view.graph_scene
    scene.flush()
    complete = {key: item.route.segments for key, item in scene.edge_items.items()}
    view.select_all()
    view.delete_selection()
    view.document.undo_stack.undo()  # the same edges between the same boxes: nothing to route
    assert not scene.routing_pending()
    assert {key: item.route.segments for key, item in scene.edge_items.items()} == complete
    view.select_all()
    view.delete_selection()
    scene._route_cache.clear()
    scene._spare_edges.clear()
    view.document.undo_stack.undo()  # every edge comes back as a new item and needs a route
    scene.flush_some(20)
    assert scene.routing_pending()  # one pass routed 20; the rest wait
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert all(item.isVisible() for item in scene.edge_items.values() if shown.contains(item.ends()[0]))
    qtbot.waitUntil(lambda: not scene.routing_pending(), timeout=60_000)  # the next passes
    assert {key: item.route.segments for key, item in scene.edge_items.items()} == complete


def _mouse(widget, kind, pos, buttons):
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    QApplication.sendEvent(widget, QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)),
                                               button, buttons, Qt.KeyboardModifier.NoModifier))


def test_dragging_selected_boxes_moves_their_edges_and_is_one_undo_step(qtbot, view):
    from PySide6.QtCore import QEvent, QPoint

    from designer.gui.canvas.port_item import IN, OUT

    doc, scene = view.document, view.graph_scene
    view.select_all()
    box = next(b for b in scene.nodes.values()
               if view.viewport().rect().adjusted(60, 60, -60, -60).contains(view.mapFromScene(b.pos())))
    start = view.mapFromScene(box.pos())
    before = doc.graph.nodes[box.key].position
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _mouse(view.viewport(), QEvent.Type.MouseButtonPress, start, left)
    for step in (10, 20, 30):
        _mouse(view.viewport(), QEvent.Type.MouseMove, start + QPoint(step, step), left)
    _mouse(view.viewport(), QEvent.Type.MouseButtonRelease, start + QPoint(30, 30), none)
    scene.flush()
    assert doc.undo_stack.count() == 1 and doc.undo_stack.text(0).startswith("Move")
    moved = doc.graph.nodes[box.key].position
    assert moved != before and (box.pos().x(), box.pos().y()) == moved
    for item in scene.edge_items.values():  # every edge starts and ends at its boxes' ports
        p, q = item.src.port_scene_pos(OUT, item.src_port), item.dst.port_scene_pos(IN, item.dst_port)
        assert item.route.start == (p.x(), p.y()) and item.route.end == (q.x(), q.y())
    doc.undo_stack.undo()
    scene.flush()
    assert doc.graph.nodes[box.key].position == before == (box.pos().x(), box.pos().y())
