"""Panels around the canvas: palette, inspector, summary table, problems and status read-outs,
driven through their widgets on a real Document (offscreen)."""

import pytest
from PySide6.QtCore import Qt

from designer.core import serialize
from designer.core.graph import Edge
from designer.core.edits import RemoveEdge
from designer.gui.document import Document
from designer.gui.panels.inspector import DesignForm, InspectorPanel, SelectionForm
from designer.gui.panels.node_form import NodeForm
from designer.gui.panels.palette import LAYER_MIME, PalettePanel
from designer.gui.panels.problems import ProblemsPanel
from designer.gui.panels.status import DesignStatus
from designer.gui.panels.summary_table import SummaryPanel
from designer.layers import registry
from designer.zoo import find


@pytest.fixture
def document(qtbot):
    doc = Document()
    doc.open(find("lenet5"))
    return doc


@pytest.fixture
def inspector(qtbot, document):
    panel = InspectorPanel(document)
    qtbot.addWidget(panel)
    return panel


def select(document, inspector, node_id) -> NodeForm:
    document.set_selection([node_id])
    assert isinstance(inspector.form, NodeForm) and inspector.form.node_id == node_id
    return inspector.form


# ------------------------------------------------------------------ palette
def test_palette_lists_the_catalog_and_search_filters_it(qtbot):
    palette = PalettePanel()
    qtbot.addWidget(palette)
    assert set(palette.visible_types()) == {s.type for s in registry.all_specs()}
    palette.search.setText("pool")
    shown = palette.visible_types()
    assert "MaxPool2d" in shown and "AdaptiveAvgPool2d" in shown and "ReLU" not in shown
    palette.search.clear()
    assert len(palette.visible_types()) == len(registry.all_specs())


def test_palette_drags_the_layer_type_and_enter_requests_it(qtbot):
    palette = PalettePanel()
    qtbot.addWidget(palette)
    conv = next(i for i in palette.layer_items() if i.text(0) == "Conv2d")
    mime = palette.tree.mimeData([conv])
    assert bytes(mime.data(LAYER_MIME)).decode() == "Conv2d"
    assert "2-D convolution" in conv.toolTip(0)
    palette.search.setText("batchnorm2")
    with qtbot.waitSignal(palette.layer_requested) as blocker:
        qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert blocker.args == ["BatchNorm2d"]
    with qtbot.waitSignal(palette.layer_requested) as blocker:
        palette.tree.itemActivated.emit(conv, 0)
    assert blocker.args == ["Conv2d"]


# ------------------------------------------------------------------ inspector
def test_kernel_size_edit_changes_downstream_shapes_and_undo_redo_restore(document, inspector):
    before = serialize.dumps(document.graph)
    form = select(document, inspector, "conv1")
    assert "in_channels = 1, inferred" in form.inferred.text()
    assert "⌊(32 + 2·0 − 5)/1⌋ + 1 = 28" in form.explain.text()
    kernel = form.editors["kernel_size"]
    kernel.height.setValue(7)
    analysis = document.refresh_now()
    assert analysis.nodes["conv1"].output_shape == (6, 26, 26)
    assert analysis.nodes["flatten"].output_shape == (16 * 4 * 4,)
    assert analysis.total_params == 44_570
    assert "⌊(32 + 2·0 − 7)/1⌋ + 1 = 26" in inspector.form.explain.text()
    after = serialize.dumps(document.graph)
    document.undo_stack.undo()
    assert serialize.dumps(document.graph) == before
    document.undo_stack.redo()
    assert serialize.dumps(document.graph) == after


def test_a_spin_box_drag_is_one_undo_step(document, inspector):
    form = select(document, inspector, "fc1")
    spin = form.editors["out_features"].spin
    for value in (121, 122, 123, 124):
        spin.setValue(value)
    assert document.graph.nodes["fc1"].params == {"out_features": 124}
    assert document.undo_stack.count() == 1
    spin.editingFinished.emit()  # the gesture ends: the next change is a new step
    spin.setValue(200)
    assert document.undo_stack.count() == 2


def test_an_impossible_value_is_refused_with_the_reason(document, inspector):
    from designer.core.edits import insert_on_edge
    from designer.core.graph import Node

    document.push(insert_on_edge(document.graph, Edge("fc1", "relu3"), Node("drop", "Dropout")))
    before = serialize.dumps(document.graph)
    depth = document.undo_stack.count()
    form = select(document, inspector, "drop")
    form.editors["p"].spin.setValue(1.0)
    assert serialize.dumps(document.graph) == before
    assert document.undo_stack.count() == depth
    assert "p must be below 1, got 1" in form.error_text("p")
    form.editors["p"].spin.setValue(0.3)
    assert document.graph.nodes["drop"].params == {"p": 0.3}
    assert form.error_text("p") == ""


def test_input_shape_list_editor_and_too_large_input(document, inspector):
    form = select(document, inspector, "input")
    shape = form.editors["shape"]
    shape.spins[0].setValue(3)
    assert document.graph.nodes["input"].params == {"shape": [3, 32, 32]}
    assert document.refresh_now().nodes["conv1"].inferred == {"in_channels": 3}
    shape.spins[1].setValue(100_000)
    before = serialize.dumps(document.graph)
    shape.spins[2].setValue(100_000)  # 3×100,000×100,000 values per sample: refused
    assert "the limit is" in form.error_text("shape")
    assert serialize.dumps(document.graph) == before
    shape.remove_button.click()
    assert document.graph.nodes["input"].params["shape"] == [3, 100_000]
    assert form.error_text("shape") == ""


def test_padding_same_and_rectangular_kernel(document, inspector):
    form = select(document, inspector, "conv1")
    form.editors["padding"].mode.setCurrentText("same")
    assert document.refresh_now().nodes["conv1"].output_shape == (6, 32, 32)
    form = inspector.form
    kernel = form.editors["kernel_size"]
    kernel.square.setChecked(False)
    kernel.width.setValue(3)
    assert document.graph.nodes["conv1"].params["kernel_size"] == [5, 3]
    assert document.refresh_now().nodes["conv1"].output_shape == (6, 32, 32)


def test_a_shape_mistake_is_applied_and_shown_on_the_node(document, inspector):
    form = select(document, inspector, "conv2")
    form.editors["kernel_size"].height.setValue(20)
    analysis = document.refresh_now()
    assert not analysis.valid and analysis.nodes["conv2"].status == "error"
    assert "larger than the padded input" in inspector.form.issues.text()


def test_rename_in_the_inspector_and_refused_duplicate(document, inspector):
    form = select(document, inspector, "conv1")
    form.id_edit.setText("relu1")
    form.id_edit.editingFinished.emit()
    assert "already used" in form.error_text("id") and "conv1" in document.graph.nodes
    form.id_edit.setText("features1")
    form.id_edit.editingFinished.emit()
    assert "features1" in document.graph.nodes and document.selection == ["features1"]
    assert inspector.form.node_id == "features1"
    document.undo_stack.undo()
    assert "conv1" in document.graph.nodes


def test_inspector_shows_the_design_or_a_multiple_selection(document, inspector):
    document.set_selection([])
    assert isinstance(inspector.form, DesignForm)
    assert "61,706" in inspector.form.totals.text()
    inspector.form.name_edit.setText("My LeNet")
    inspector.form.name_edit.editingFinished.emit()
    assert document.graph.name == "My LeNet"
    document.set_selection(["conv1", "conv2"])
    assert isinstance(inspector.form, SelectionForm)
    assert "2 layers selected" in inspector.form.text.text()


# ------------------------------------------------------------------ summary, problems, status
def test_summary_table_rows_totals_shares_and_click(qtbot, document):
    panel = SummaryPanel(document)
    qtbot.addWidget(panel)
    assert panel.model.rowCount() == len(document.graph.nodes)
    row = panel.model.row_of("conv1")
    assert panel.model.index(row, 2).data() == "6×28×28"
    assert panel.model.index(row, 3).data() == "156"
    assert "61,706" in panel.totals.text() and "Linear" in panel.shares.text()
    with qtbot.waitSignal(panel.node_activated) as blocker:
        panel.table.clicked.emit(panel.model.index(row, 0))
    assert blocker.args == ["conv1"]
    document.set_selection(["fc1"])
    assert panel.table.currentIndex().row() == panel.model.row_of("fc1")


def test_problems_list_errors_and_click_reports_the_node(qtbot, document):
    panel = ProblemsPanel(document)
    qtbot.addWidget(panel)
    assert panel.model.rowCount() == 1  # "No problems"
    document.push(RemoveEdge(Edge("pool1", "conv2")))
    with qtbot.waitSignal(panel.counts_changed) as blocker:
        document.refresh_now()
    errors, _ = blocker.args
    assert errors >= 1
    first = panel.model.index(0, 0)
    assert first.siblingAtColumn(1).data() and first.siblingAtColumn(2).data()
    with qtbot.waitSignal(panel.node_activated):
        panel.tree.clicked.emit(first)


def test_status_shows_totals_and_validity(qtbot, document):
    status = DesignStatus(document)
    qtbot.addWidget(status)
    assert status.params.text() == "Params 61,706"
    assert status.size.text() == "0.25 MB"
    assert "valid" in status.validity.text()
    document.push(RemoveEdge(Edge("pool1", "conv2")))
    document.refresh_now()
    assert "error" in status.validity.text()
    assert status.params.text() == "Params 156 so far"  # conv1 above the break (issue 9 §1)
    assert "parameters so far" in status.params.toolTip()


# ------------------------------------------------------------------ theme
def test_theme_follows_the_system_unless_overridden(qtbot, monkeypatch):
    from PySide6.QtWidgets import QApplication

    from designer.gui import theme

    app = QApplication.instance()
    manager = theme.ThemeManager(app, "system")
    try:
        monkeypatch.setattr(theme, "system_prefers_dark", lambda app=None: True)
        with qtbot.waitSignal(manager.theme_changed) as blocker:
            app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert blocker.args == [True] and theme.is_dark() and theme.colors() is theme.DARK_COLORS
        manager.set_mode("light")
        assert not theme.is_dark()
        app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # overridden: stays light
        assert not theme.is_dark()
    finally:
        manager.set_mode("light")
        manager.deleteLater()
