"""The first-hour trial of issue 9, step by step, with real input (see driver.py)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect

from driver import Driver

VGG16_PARAMS = "Params 138,357,544"


def _shape(d: Driver, node_id: str):
    node = d.window.document.refresh_now().nodes.get(node_id)
    return None if node is None else node.output_shape


def _drawn(d: Driver, node_id: str, text: str) -> bool:
    """Whether the node's box on the canvas shows ``text`` (a shape, a count)."""
    box = d.window.view.graph_scene.box(node_id)
    return box is not None and text in repr(box.text)


def _new_node(d: Driver, layer_type: str, before: set) -> str:
    graph = d.window.document.graph
    return d.wait(lambda: next((n for n in graph.nodes if n not in before and graph.nodes[n].type == layer_type),
                               None), f"a {layer_type} node on the canvas")


def build_small_cnn(d: Driver) -> None:
    """From an empty design, Input(1×28×28) → Conv2d(16, 3) → ReLU by drag and drop and
    port-to-port wires, the shapes appearing at each step."""
    d.shot("start")
    d.key("ctrl+n")
    doc = d.window.document
    d.wait(lambda: set(doc.graph.nodes) == {"input", "output"}, "File → New gives an Input and an Output")
    d.check(_shape(d, "input") == (1, 28, 28), "the Input is 1×28×28")
    d.shot("new-design")
    view, scene = d.window.view, d.window.view.graph_scene
    left, top, right, bottom = scene.box("input").scene_rect()
    before = set(doc.graph.nodes)
    d.drag(d.palette_item("Conv2d"), d.scene_point(QPointF(right + 90, top + 110)))
    conv = _new_node(d, "Conv2d", before)
    d.check(doc.graph.nodes[conv].params.get("out_channels", 16) == 16, "Conv2d(16, 3) by default")
    d.shot("conv-dropped")
    d.drag(d.port("input", "out"), d.port(conv, "in"))
    d.wait(lambda: any(e.src == "input" and e.dst == conv for e in doc.graph.edges), "a wire Input → Conv2d")
    d.wait(lambda: _shape(d, conv) == (16, 26, 26), "Conv2d's shape 16×26×26")
    d.wait(lambda: _drawn(d, conv, "16×26×26"), "the canvas shows 16×26×26 on the Conv2d")
    d.shot("conv-wired")
    left, top, right, bottom = scene.box(conv).scene_rect()
    before = set(doc.graph.nodes)
    d.drag(d.palette_item("ReLU"), d.scene_point(QPointF((left + right) / 2, bottom + 120)))
    relu = _new_node(d, "ReLU", before)
    d.shot("relu-dropped")
    d.drag(d.port(conv, "out"), d.port(relu, "in"))
    d.wait(lambda: any(e.src == conv and e.dst == relu for e in doc.graph.edges), "a wire Conv2d → ReLU")
    d.wait(lambda: _shape(d, relu) == (16, 26, 26), "ReLU's shape 16×26×26")
    d.wait(lambda: _drawn(d, relu, "16×26×26"), "the canvas shows 16×26×26 on the ReLU")
    d.check(d.window.document.undo_stack.count() >= 4, "every step is on the undo stack")
    d.shot("relu-wired")


def vgg16_layout_and_dark_theme(d: Driver) -> None:
    """Open VGG-16 and read its count; open the Summary; drag the separators; dark theme;
    reset the layout."""
    w = d.window
    d.menu("File", "Examples", "VGG-16")
    d.wait(lambda: w.design_status.params.text() == VGG16_PARAMS, f"the status bar reads {VGG16_PARAMS}")
    view = w.view
    d.wait(lambda: view.minimap.isVisible(), "the minimap of the long design")
    d.check(view.zoom * 12 >= 9, f"node titles readable after Fit (zoom {view.zoom:.2f})")
    d.shot("vgg16")
    d.click(d.at(w.pane_bar.buttons["dock_summary"]))
    summary = w.docks["dock_summary"]
    d.wait(lambda: summary.isVisible() and summary.height() >= 160, "the Summary pane open")
    table = w.summary.table
    d.wait(lambda: all(table.columnWidth(c) >= table.sizeHintForColumn(c) for c in range(4, 5)),
           "the MACs column fits its numbers")
    d.shot("summary")
    height = summary.height()
    x = w.view.geometry().center().x()
    gap = (w.view.geometry().bottom() + summary.geometry().top()) // 2
    d.drag(w.mapToGlobal(QPoint(x, gap)), w.mapToGlobal(QPoint(x, gap - 150)))
    d.wait(lambda: summary.height() >= height + 100, f"dragging the separator up grows the Summary "
           f"(was {height}, now {summary.height()})")
    right = w.docks["dock_inspector"]
    width = right.width()
    y = w.view.geometry().center().y()
    gap = (w.view.geometry().right() + right.geometry().left()) // 2
    d.drag(w.mapToGlobal(QPoint(gap, y)), w.mapToGlobal(QPoint(gap - 120, y)))
    d.wait(lambda: right.width() >= width + 80, f"dragging the separator left widens the Inspector "
           f"(was {width}, now {right.width()})")
    left = w.docks["dock_palette"]
    width = left.width()
    gap = (left.geometry().right() + w.view.geometry().left()) // 2
    d.drag(w.mapToGlobal(QPoint(gap, y)), w.mapToGlobal(QPoint(gap + 100, y)))
    d.wait(lambda: left.width() >= width + 60, f"dragging the separator right widens the Layers "
           f"(was {width}, now {left.width()})")
    d.shot("separators-dragged")
    d.menu("View", "Theme", "Dark")
    d.wait(lambda: w.theme is not None and w.theme.dark, "the dark theme")
    d.pump(0.5)
    d.shot("dark")
    _check_table_contrast(d, table)
    d.menu("View", "Reset Layout")
    d.pump(0.3)
    share = w.view.width() * w.view.height() / (w.width() * w.height())
    d.check(share >= 0.55 and not summary.isVisible(), f"Reset Layout gives the canvas {share:.0%}")
    d.shot("reset-layout")


def _check_table_contrast(d: Driver, table) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from contrast import WCAG_AA, text_contrast

    model = table.model()
    for row in range(3):
        for col in (0, 3):
            rect = table.visualRect(model.index(row, col)).adjusted(2, 2, -2, -2)
            top_left = table.viewport().mapToGlobal(rect.topLeft())
            value, background, ink = text_contrast(d.screen_region(QRect(top_left, rect.size())))
            d.check(value >= WCAG_AA, f"summary cell {row},{col}: {ink} on {background} = {value:.2f}")


def _points(curve) -> int:
    x, _y = curve.getData()
    return 0 if x is None else len(x)


def _train_two_epochs(d: Driver) -> None:
    """Set 2 epochs in the Training panel with the keyboard, click Train, wait for the end."""
    w = d.window
    ui = w.training
    d.tab("Training")
    d.wait(lambda: ui.dock.isVisible() and not ui.dock.visibleRegion().isEmpty(), "the Training panel")
    tabs = ui.panel.tabs
    run_tab = next(i for i in range(tabs.count()) if tabs.tabText(i) == "Run")
    d.click(d.at(tabs.tabBar(), tabs.tabBar().tabRect(run_tab).center()))
    epochs = ui.panel.run_form.epochs
    d.wait(lambda: epochs.isVisible(), "the epochs field")
    d.click(d.at(epochs))
    d.key("ctrl+a")
    d.type("2")
    d.key("Tab")
    d.wait(lambda: ui.session.config.epochs == 2, "2 epochs in the training settings")
    d.shot("two-epochs")
    d.click(d.at(ui.panel.train_button))
    d.wait(lambda: ui.session.state != "idle", "the run starts")
    d.wait(lambda: ui.curves_dock.isVisible(), "the Training curves pane opens")
    d.wait(lambda: ui.session.state == "idle", "the run ends", timeout=150)


def train_lenet(d: Driver) -> None:
    """Train LeNet-5 two epochs and see the curves."""
    _train_two_epochs(d)
    plots = d.window.training.curves.plots
    d.check(bool(plots.runs), "a run in the curves")
    items = next(iter(plots.items.values()))
    d.wait(lambda: _points(items["loss_train"]) == 2, "two epochs of training loss drawn")
    d.wait(lambda: _points(items["acc_val"]) == 2, "two epochs of validation accuracy drawn")
    d.shot("trained")


def views_follow(d: Driver) -> None:
    """After training LeNet-5, open another design: the look-inside views show its layers."""
    w = d.window
    _train_two_epochs(d)
    question = d.answer_dialog("Discard")  # in case the training settings count as a change
    d.menu("File", "Examples", "Digits CNN")
    d.wait(lambda: "Digits" in w.windowTitle(), "the Digits CNN design open")
    d.check(not question or "Save the changes" in question[0], f"the question was {question}")
    chosen = d.choose_in_popup("Filters")
    d.click(d.at(w.pane_bar.look_inside))
    d.wait(lambda: chosen, "Look inside → Filters chosen")
    filters = w.viewers.view("dock_filters")
    d.wait(lambda: filters.weight is not None and filters.node_id == "conv1" and filters.weight.shape[0] == 16,
           "the Filters view shows Digits CNN's conv1 (16 filters), not LeNet-5's (6)", timeout=30)
    d.shot("views-follow")


SCENARIOS = {
    "build": build_small_cnn,
    "vgg16": vgg16_layout_and_dark_theme,
    "train": train_lenet,
    "follow": views_follow,
}
