"""Two windows, one file: opening a design another window has open asks first, saving over
a file changed on disk since it was read asks first, and one window's autosave never
overwrites another's recovery data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from designer.core import serialize
from designer.core.edits import SetParams
from designer.gui.main_window import MainWindow
from designer.gui.recovery import RecoveryStore
from designer.gui.settings import Settings
from designer.zoo import find


class Asked:
    """Stands in for the guard's question box: records questions, answers ``answer``."""

    def __init__(self, answer: bool) -> None:
        self.answer, self.questions = answer, []

    def __call__(self, parent, title, text, yes) -> bool:
        self.questions.append((title, text, yes))
        return self.answer


@pytest.fixture
def windows(qtbot, tmp_path, monkeypatch):
    for kind in ("question", "critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, kind,
                            staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    made = []

    def make(name: str) -> MainWindow:
        window = MainWindow(settings=Settings.at(tmp_path / f"{name}.ini"),
                            recovery_store=RecoveryStore(tmp_path / "data" / "recovery"))
        qtbot.addWidget(window)
        made.append(window)
        return window
    yield make
    for window in made:
        window.file_guard.release()
        window.training.shutdown()


@pytest.fixture
def design(tmp_path) -> Path:
    path = tmp_path / "lenet.json"
    path.write_bytes(find("lenet5").read_bytes())
    return path


def test_opening_a_file_open_in_another_window_asks_first(windows, design):
    first, second = windows("first"), windows("second")
    assert first.open_file(design)
    second.file_guard.ask = no = Asked(False)
    assert second.open_file(design) is False
    assert second.document.path != design
    title, text, yes = no.questions[0]
    assert title == "Already open" and design.name in text and f"process {os.getpid()}" in text
    second.file_guard.ask = Asked(True)
    assert second.open_file(design) and second.document.path == design


def test_a_closed_window_no_longer_holds_the_file(windows, design):
    first, second = windows("first"), windows("second")
    assert first.open_file(design)
    first.close()
    second.file_guard.ask = asked = Asked(False)
    assert second.open_file(design)
    assert asked.questions == []


def test_a_lock_left_by_a_crashed_window_is_ignored(windows, design, tmp_path):
    script = (
        "import os, sys\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "from designer.gui.file_guard import FileGuard\n"
        "app = QCoreApplication([])\n"
        "guard = FileGuard(sys.argv[1])\n"
        "guard.track(sys.argv[2])\n"
        "assert guard._lock is not None\n"
        "os._exit(0)  # a crash: the lock file stays behind\n")
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
               QT_QPA_PLATFORM="offscreen")
    folder = tmp_path / "data" / "open-files"
    subprocess.run([sys.executable, "-c", script, str(folder), str(design)], check=True,
                   env=env, timeout=120)
    assert list(folder.glob("*.lock"))
    window = windows("next")
    window.file_guard.ask = asked = Asked(False)
    assert window.open_file(design)
    assert asked.questions == []


def test_saving_over_a_file_changed_on_disk_asks_first(windows, design):
    window = windows("only")
    assert window.open_file(design)
    window.document.push(SetParams("fc1", {"out_features": 33}))
    graph = serialize.load(design)
    graph.name = "changed by someone else"
    serialize.save(graph, design)
    window.file_guard.ask = no = Asked(False)
    assert window.save() is False
    assert serialize.load(design).name == "changed by someone else"
    assert no.questions[0][0] == "File changed on disk"
    window.file_guard.ask = yes = Asked(True)
    assert window.save()
    assert serialize.load(design).nodes["fc1"].params["out_features"] == 33
    window.document.push(SetParams("fc1", {"out_features": 34}))
    assert window.save() and len(yes.questions) == 1  # our own save is not a change


def test_a_touched_but_unchanged_file_saves_without_asking(windows, design):
    window = windows("only")
    assert window.open_file(design)
    window.document.push(SetParams("fc1", {"out_features": 33}))
    os.utime(design, (1, 1))
    window.file_guard.ask = asked = Asked(False)
    assert window.save() and asked.questions == []


def test_each_window_autosaves_into_its_own_recovery_file(windows, design):
    first, second = windows("first"), windows("second")
    first.file_guard.ask = second.file_guard.ask = Asked(True)
    assert first.open_file(design) and second.open_file(design)
    first.document.push(SetParams("fc1", {"out_features": 11}))
    second.document.push(SetParams("fc1", {"out_features": 22}))
    first.document.refresh_now()
    second.document.refresh_now()
    assert first.autosaver.save_now() and second.autosaver.save_now()
    assert first.autosaver.store.file != second.autosaver.store.file
    saved = {}
    for window in (first, second):
        data = json.loads(window.autosaver.store.file.read_text(encoding="utf-8"))
        saved[window] = serialize.from_dict(data["design"]).nodes["fc1"].params["out_features"]
    assert saved == {first: 11, second: 22}
    assert first.autosaver.store.orphans() == []  # the other window is alive: not offered
