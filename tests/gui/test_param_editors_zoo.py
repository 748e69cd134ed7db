"""Every parameter of every catalog type has an editor that shows its default and gives back
what was typed (the zoo's list and text kinds included)."""

from __future__ import annotations

from designer.gui.panels.param_editors import make_editor
from designer.layers import all_specs, get


def test_every_parameter_kind_has_an_editor(qtbot):
    for spec in all_specs():
        resolved = spec.resolve({})
        for param in spec.params:
            editor = make_editor(param)
            qtbot.addWidget(editor)
            editor.set_value(resolved[param.name])


def test_dims_editor_reads_a_typed_list(qtbot):
    editor = make_editor(get("Permute").param("dims"))
    qtbot.addWidget(editor)
    editor.set_value((0, 2, 3, 1))
    assert editor.line.text() == "0, 2, 3, 1"
    with qtbot.waitSignal(editor.edited, timeout=60_000) as edited:
        editor.line.setText("0, 3, 1, 2")
        editor.line.editingFinished.emit()
    assert edited.args == [[0, 3, 1, 2]]
    editor.line.setText("0, x")
    editor.line.editingFinished.emit()
    assert editor.line.text() == "0, 3, 1, 2"  # unreadable text is put back
