"""Groups on the canvas (collapse, expand, nesting), the clipboard, layout, zoom and export."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent

from designer.core import serialize
from designer.core.builder import DesignBuilder
from designer.core.graph import Edge
from designer.gui.canvas import GraphView
from designer.gui.document import Document


def residual_design(collapsed: bool = True):
    b = DesignBuilder("res")
    x = b.input([3, 16, 16])
    x = b.conv2d(x, 8, 3, padding=1, id="stem")
    for i in range(2):
        with b.group(f"block{i}", kind="residual block", collapsed=collapsed):
            y = b.conv2d(x, 8, 3, padding=1, id=f"b{i}conv1")
            y = b.relu(y, id=f"b{i}relu")
            y = b.conv2d(y, 8, 3, padding=1, id=f"b{i}conv2")
            x = b.add_(y, x, id=f"b{i}add")
    x = b.flatten(x, id="flatten")
    b.output(b.linear(x, 10, id="fc"))
    return b.build()


@pytest.fixture
def make_view(qtbot):
    def make(graph):
        view = GraphView(Document(graph))
        qtbot.addWidget(view)
        view.resize(900, 900)
        view.show()
        qtbot.waitExposed(view)
        view.fit_to_view()
        return view

    return make


def test_a_collapsed_group_is_one_node_with_its_parameter_total(make_view):
    view = make_view(residual_design())
    scene = view.graph_scene
    assert set(scene.group_nodes) == {"block0", "block1"}
    assert "b0conv1" not in scene.nodes and "stem" in scene.nodes
    analysis = view.document.refresh_now()
    total = sum(analysis.nodes[n].params for n in ("b0conv1", "b0relu", "b0conv2", "b0add"))
    assert total == 2 * (8 * 8 * 9 + 8)
    box = scene.group_nodes["block0"]
    assert box.text.extra == f"{total:,} params"
    assert box.text.line1 == "8×16×16 → 8×16×16"
    # the two edges from stem into block0 (conv1 and the skip into add) are one edge on screen
    into = [e for e in scene.edge_items.values() if e.dst is box]
    assert len(into) == 1 and {e.dst for e in into[0].edges} == {"b0conv1", "b0add"}
    assert [e.src.key for e in scene.edge_items.values() if e.dst is scene.group_nodes["block1"]] == ["block0"]


def test_expand_and_collapse_are_view_state_and_lay_the_design_out(make_view, qtbot):
    view = make_view(residual_design())
    doc = view.document
    scene = view.graph_scene
    before = serialize.to_dict(doc.graph)
    assert view.toggle_group("block0")
    assert not doc.graph.groups["block0"].collapsed
    assert "block0" in scene.frames and "b0conv1" in scene.nodes and "block0" not in scene.group_nodes
    scene.flush()
    frame = scene.frames["block0"].mapRectToScene(scene.frames["block0"].frame_rect())
    for nid in ("b0conv1", "b0relu", "b0conv2", "b0add"):
        assert frame.contains(scene.nodes[nid].sceneBoundingRect())
    for nid in ("stem", "flatten", "fc"):  # the frame holds only its members
        assert not frame.intersects(scene.nodes[nid].sceneBoundingRect())
    assert doc.undo_stack.count() == 0 and not doc.modified  # view state: no undo entry, not modified
    assert view.toggle_group("block0")
    assert doc.graph.groups["block0"].collapsed and doc.undo_stack.count() == 0 and not doc.modified
    assert serialize.to_dict(doc.graph)["groups"] == before["groups"]
    assert "block0" in scene.group_nodes and "b0conv1" not in scene.nodes


def test_grouping_a_selection_makes_a_named_block_that_can_nest(make_view):
    view = make_view(residual_design(collapsed=False))
    doc = view.document
    scene = view.graph_scene
    for nid in ("b0conv1", "b0relu"):
        scene.box(nid).setSelected(True)
    gid = view.group_selection("pair", kind="conv pair")
    group = doc.graph.groups[gid]
    assert (group.name, group.nodes, group.parent, group.kind) == ("pair", ["b0conv1", "b0relu"], "block0", "conv pair")
    assert "b0conv1" not in doc.graph.groups["block0"].nodes
    assert gid in scene.frames
    view.toggle_group(gid)
    assert gid in scene.group_nodes and "b0conv1" not in scene.nodes
    scene.clearSelection()
    scene.group_nodes[gid].setSelected(True)
    assert view.ungroup_selection()
    assert gid not in doc.graph.groups
    assert doc.graph.groups["block0"].nodes[-2:] == ["b0conv1", "b0relu"]
    saved = serialize.loads(serialize.dumps(doc.graph))
    assert saved.groups.keys() == doc.graph.groups.keys()


def test_copy_paste_and_duplicate_keep_inner_edges(make_view, qtbot):
    view = make_view(residual_design(collapsed=False))
    doc = view.document
    scene = view.graph_scene
    for nid in ("b0conv1", "b0relu", "b0conv2"):
        scene.box(nid).setSelected(True)
    assert view.copy_selection()
    new = view.paste()
    assert len(new) == 3 and not set(new) & {"b0conv1", "b0relu", "b0conv2"}
    graph = doc.graph
    inner = [e for e in graph.edges if e.src in new and e.dst in new]
    assert len(inner) == 2 and not [e for e in graph.edges if (e.src in new) != (e.dst in new)]
    assert doc.selection == sorted(new, key=list(graph.nodes).index)
    assert doc.undo_stack.undoText() == "Paste 3 layers"
    dup = view.duplicate_selection()
    assert len(dup) == 3 and len([e for e in graph.edges if e.src in dup and e.dst in dup]) == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert serialize.to_dict(graph) == serialize.to_dict(residual_design(collapsed=False))


def test_copying_a_whole_block_copies_the_group(make_view):
    view = make_view(residual_design())
    scene = view.graph_scene
    scene.group_nodes["block1"].setSelected(True)
    new = view.duplicate_selection()
    graph = view.document.graph
    assert len(new) == 4
    copies = [g for g in graph.groups.values() if set(g.nodes) == set(new)]
    assert len(copies) == 1 and copies[0].collapsed and copies[0].kind == "residual block"
    assert copies[0].id in scene.group_nodes


def test_auto_layout_is_one_undoable_step(make_view):
    graph = residual_design(collapsed=False)
    for i, node in enumerate(graph.nodes.values()):
        node.position = (float(i * 37 % 200), float(i * 53 % 300))
    view = make_view(graph)
    doc = view.document
    before = serialize.to_dict(doc.graph)
    assert view.auto_layout()
    assert doc.undo_stack.count() == 1 and doc.undo_stack.undoText() == "Auto layout"
    ys = [doc.graph.nodes[n].position[1] for n in ("input", "stem", "b0conv1", "b0relu", "fc")]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)
    assert not view.auto_layout()  # already laid out: nothing to do, nothing pushed
    doc.undo_stack.undo()
    assert serialize.to_dict(doc.graph) == before


def test_deleting_every_member_drops_the_group_and_undo_restores_it(make_view):
    view = make_view(residual_design())
    doc = view.document
    before = serialize.to_dict(doc.graph)
    view.graph_scene.group_nodes["block0"].setSelected(True)
    assert view.delete_selection()
    assert "block0" not in doc.graph.groups and "b0conv1" not in doc.graph.nodes
    doc.undo_stack.undo()
    assert serialize.to_dict(doc.graph) == before
    assert "block0" in view.graph_scene.group_nodes


def test_wheel_zoom_keeps_the_point_under_the_cursor(make_view):
    view = make_view(residual_design())
    vp = view.viewport()
    for at, delta in ((QPoint(200, 150), 120), (QPoint(650, 700), -240), (QPoint(420, 380), 360)):
        fixed = view.mapToScene(at)
        zoom = view.zoom
        event = QWheelEvent(QPointF(at), QPointF(vp.mapToGlobal(at)), QPoint(0, 0), QPoint(0, delta),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                            Qt.ScrollPhase.NoScrollPhase, False)
        view.wheelEvent(event)
        assert (view.zoom > zoom) == (delta > 0)
        after = view.mapToScene(at)
        assert abs(after.x() - fixed.x()) <= 1.5 / view.zoom
        assert abs(after.y() - fixed.y()) <= 1.5 / view.zoom


def test_fit_center_and_export(make_view, tmp_path):
    view = make_view(residual_design())
    view.zoom_by(3.0)
    view.fit_to_view()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(view.graph_scene.itemsBoundingRect())
    view.center_on("b0relu")  # hidden in block0: centres on the block
    centre = view.mapToScene(view.viewport().rect().center())
    assert (centre - view.graph_scene.group_nodes["block0"].scenePos()).manhattanLength() < 3 / view.zoom
    png = view.render_to_image(tmp_path / "design.png")
    image = QImage(str(png))
    assert image.width() > 300 and image.height() > 600
    svg = view.render_to_image(tmp_path / "design.svg")
    assert "<svg" in svg.read_text()


def test_dark_theme_changes_the_palette(make_view):
    view = make_view(residual_design())
    view.set_dark(True)
    assert view.graph_scene.theme.dark
    assert view.graph_scene.backgroundBrush().color().lightness() < 80


def test_removing_the_last_edge_into_a_group_updates_its_ports(make_view):
    view = make_view(residual_design())
    doc = view.document
    from designer.core.edits import RemoveEdge

    doc.push(RemoveEdge(Edge("stem", "b0conv1")))
    box = view.graph_scene.group_nodes["block0"]
    assert list(box.in_ports) == ["stem"]  # the skip edge still enters the block
    doc.push(RemoveEdge(Edge("stem", "b0add", 1)))
    assert list(box.in_ports) == []
    assert not [e for e in view.graph_scene.edge_items.values() if e.dst is box]


def test_dragging_a_frame_title_moves_the_whole_block_in_one_step(make_view, qtbot):
    from PySide6.QtTest import QTest

    view = make_view(residual_design(collapsed=False))
    doc = view.document
    scene = view.graph_scene
    scene.flush()
    frame = scene.frames["block1"]
    title = frame.mapRectToScene(frame.title_rect())
    start = view.mapFromScene(QPointF(title.center().x(), title.center().y()))
    before = {n: doc.graph.nodes[n].position for n in scene.members_of("block1")}
    others = {n: doc.graph.nodes[n].position for n in ("stem", "fc")}
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, 5):
        QTest.mouseMove(vp, start + QPoint(30 * i, 10 * i))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(120, 40))
    assert doc.undo_stack.count() == 1
    dx = doc.graph.nodes["b1add"].position[0] - before["b1add"][0]
    dy = doc.graph.nodes["b1add"].position[1] - before["b1add"][1]
    assert abs(dx - 120 / view.zoom) < 2 and abs(dy - 40 / view.zoom) < 2
    for n, (x, y) in before.items():
        assert doc.graph.nodes[n].position == pytest.approx((x + dx, y + dy))
    assert {n: doc.graph.nodes[n].position for n in others} == others
    doc.undo_stack.undo()
    assert {n: doc.graph.nodes[n].position for n in before} == before


def test_picking_a_hidden_layer_selects_its_block_but_delete_removes_only_that_layer(make_view):
    view = make_view(residual_design())
    doc = view.document
    doc.set_selection(["b0relu"])
    assert view.graph_scene.group_nodes["block0"].isSelected()
    assert view.graph_scene.selected_node_ids() == ["b0relu"]
    assert view.delete_selection()
    assert "b0relu" not in doc.graph.nodes and "b0conv1" in doc.graph.nodes
    view.graph_scene.clearSelection()
    view.graph_scene.group_nodes["block1"].setSelected(True)  # a click selects the whole block
    assert view.graph_scene.selected_node_ids() == ["b1conv1", "b1relu", "b1conv2", "b1add"]


def test_layers_inside_an_expanded_block_show_ids_without_the_block_prefix(make_view):
    graph = residual_design(collapsed=False)
    from designer.core.edits import RenameNode

    RenameNode("b0relu", "net.block0.relu").apply(graph)
    view = make_view(graph)
    assert view.graph_scene.nodes["net.block0.relu"].text.title == "relu"
    assert view.graph_scene.nodes["stem"].text.title == "stem"
    assert "net.block0.relu" in view.graph_scene.nodes["net.block0.relu"].toolTip()


def test_connecting_from_a_collapsed_block_uses_its_output_layer(make_view):
    from PySide6.QtTest import QTest

    view = make_view(residual_design())
    doc = view.document
    scene = view.graph_scene
    rect = scene.content_rect()
    nid = view.add_layer("Dropout", QPointF(rect.right() + 150, rect.center().y()))
    messages = []
    view.status_message.connect(messages.append)

    def drag(a, b):
        vp = view.viewport()
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
        QTest.mouseMove(vp, (a + b) / 2)
        QTest.mouseMove(vp, b)
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)

    out = scene.group_nodes["block1"].out_ports["b1add"]
    drag(view.mapFromScene(out.scenePos()), view.mapFromScene(scene.nodes[nid].in_ports[0].scenePos()))
    assert Edge("b1add", nid, 0) in doc.graph.edges
    into = scene.group_nodes["block0"].in_ports["stem"]
    drag(view.mapFromScene(scene.nodes[nid].out_ports[0].scenePos()), view.mapFromScene(into.scenePos()))
    assert "expand the block" in messages[-1]


def test_a_group_parent_loop_still_draws(make_view):
    graph = residual_design(collapsed=False)
    from designer.core.graph import Group

    graph.groups["inner"] = Group("inner", "inner", ["b0relu"], collapsed=False, parent="block0")
    graph.groups["block0"].nodes.remove("b0relu")
    graph.groups["block0"].parent = "inner"
    view = make_view(graph)
    assert set(view.graph_scene.frames) == {"block0", "inner", "block1"}
    assert view.auto_layout() in (True, False)
