"""A closed design's canvas items go with their last reference, without the cyclic
collector (core.heap sets large designs aside from it: an item in a reference cycle would
stay until the next full pass)."""

import gc
import weakref

from designer.core.graph import Edge, Graph, Node
from designer.gui.canvas import GraphView
from designer.gui.document import Document


def chain(n: int, name: str) -> Graph:
    g = Graph(name)
    g.add_node(Node(f"{name}_in", "Input", {"shape": [1, 8, 8]}))
    prev = f"{name}_in"
    for i in range(n):
        g.add_node(Node(f"{name}{i}", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}))
        g.add_edge(Edge(prev, f"{name}{i}"))
        prev = f"{name}{i}"
    return g


def test_the_items_of_a_replaced_design_are_freed_by_reference_counting(qtbot):
    doc = Document()
    view = GraphView(doc)
    qtbot.addWidget(view)
    view.show()
    doc.replace_graph(chain(30, "first"))
    scene = view.graph_scene
    scene.flush()
    assert len(scene.edge_items) == 30 and all(e.routed for e in scene.edge_items.values())
    edges = [weakref.ref(e) for e in scene.edge_items.values()]
    boxes = [weakref.ref(b) for b in scene.nodes.values()]
    gc.collect()
    gc.disable()
    try:
        doc.replace_graph(chain(3, "second"))
        scene.flush()
        alive = [r() for r in edges + boxes if r() is not None]
        assert not alive, f"{len(alive)} items of the closed design are still alive: {alive[:3]}"
    finally:
        gc.enable()
