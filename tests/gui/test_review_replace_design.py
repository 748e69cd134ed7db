"""A student's review, item 1: loading a Playground preset or a lesson's network while a
design file is open must never leave that file attached — Save would then overwrite it with
a different network. They open as new, unsaved designs (like an example), after the same
Save / Discard / Cancel question as File → Open."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from designer.core.edits import SetParams
from designer.core.serialize import to_dict
from designer.lessons import find_lesson

Button = QMessageBox.StandardButton


@pytest.fixture
def saved(lenet_window, tmp_path):
    """LeNet saved as r18.json, then changed (unsaved)."""
    path = tmp_path / "r18.json"
    assert lenet_window._save_to(path)
    conv = next(n for n in lenet_window.document.graph.nodes.values() if n.type == "Conv2d")
    assert lenet_window.document.push(SetParams(conv.id, {"out_channels": 7}))
    assert lenet_window.document.modified
    return path


def _answer(monkeypatch, button, asked):
    def question(*args, **kwargs):
        asked.append(args[2])
        return button
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))


def test_cancel_keeps_the_open_file_and_its_changes(lenet_window, saved, monkeypatch):
    asked: list[str] = []
    _answer(monkeypatch, Button.Cancel, asked)
    before = to_dict(lenet_window.document.graph)
    assert not lenet_window.playground.load_preset("circle-4-relu")
    assert asked and "r18.json" in asked[0]
    assert lenet_window.document.path == saved and lenet_window.document.modified
    assert to_dict(lenet_window.document.graph) == before


def test_a_preset_opens_untitled_and_save_asks_for_a_new_name(lenet_window, saved, monkeypatch):
    asked: list[str] = []
    _answer(monkeypatch, Button.Discard, asked)
    on_disk = saved.read_bytes()
    assert lenet_window.playground.load_preset("circle-4-relu")
    assert asked  # the unsaved changes were asked about first
    doc = lenet_window.document
    assert doc.path is None and "r18" not in lenet_window.windowTitle()
    assert doc.graph.training["data"]["name"] == "circle"
    dialogs: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (dialogs.append(a[1]), ("", ""))[1]))
    assert not lenet_window.save()  # asks where (cancelled here) ...
    assert dialogs == ["Save design"]
    assert saved.read_bytes() == on_disk  # ... and never writes over r18.json


def test_an_unchanged_file_is_let_go_without_a_question(lenet_window, tmp_path, monkeypatch):
    asked: list[str] = []
    _answer(monkeypatch, Button.Cancel, asked)
    assert lenet_window._save_to(tmp_path / "r18.json")
    assert lenet_window.playground.load_preset("linear-xor")
    assert not asked and lenet_window.document.path is None


def test_a_lessons_network_opens_untitled_too(lenet_window, saved, monkeypatch):
    asked: list[str] = []
    _answer(monkeypatch, Button.Discard, asked)
    lenet_window.lessons.open_lesson(find_lesson("07-three-3x3-vs-7x7"))
    assert lenet_window.lessons.show_in_window()
    assert asked and lenet_window.document.path is None


def test_opening_an_example_over_unsaved_changes_asks_once(lenet_window, saved, monkeypatch):
    """open_example and open_new_design both asked: after Discard the same question came
    again (the e2e trial waited on it for ever)."""
    asked: list[str] = []
    _answer(monkeypatch, Button.Discard, asked)
    assert lenet_window.open_example("digits_cnn")
    assert len(asked) == 1 and lenet_window.document.path is None
