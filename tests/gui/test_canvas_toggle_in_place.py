"""Expanding and collapsing a block on the canvas: view state (no undo entry, not modified),
made in place without a global layout, the frame holding exactly its members."""

from __future__ import annotations

from designer.core import layout, serialize
from designer.gui.canvas import GraphView, commands
from designer.gui.document import Document
from designer.zoo import find


def test_toggling_a_block_runs_no_global_layout_and_gives_the_room_back(qtbot, monkeypatch):
    graph = serialize.load(find("resnet50"))
    start = {n: node.position for n, node in graph.nodes.items()}
    view = GraphView(Document(graph))
    qtbot.addWidget(view)
    scene = view.graph_scene
    scene.flush()

    def no_layout(*args, **kwargs):
        raise AssertionError("a toggle must not lay out the whole design")

    monkeypatch.setattr(commands, "layered_layout", no_layout)
    monkeypatch.setattr(layout, "layered_layout", no_layout)
    assert view.toggle_group("layer3")
    scene.flush()
    assert "layer3" in scene.frames and "layer3" not in scene.group_nodes
    frame = scene.frames["layer3"].mapRectToScene(scene.frames["layer3"].frame_rect())
    members = set(scene.members_of("layer3"))
    for key, box in {**scene.nodes, **scene.group_nodes}.items():
        inside = key in members if key in scene.nodes else set(scene.members_of(key)) <= members
        assert frame.contains(box.sceneBoundingRect()) if inside else not frame.intersects(box.sceneBoundingRect()), key
    top = min(start[m][1] for m in members)
    for nid in [n for n in graph.nodes if start[n][1] < top]:
        assert graph.nodes[nid].position == start[nid]  # above the block: untouched
    doc = view.document
    assert doc.undo_stack.count() == 0 and not doc.modified
    assert view.toggle_group("layer3")
    assert {n: node.position for n, node in graph.nodes.items()} == start
    assert doc.undo_stack.count() == 0 and not doc.modified
