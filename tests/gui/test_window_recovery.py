"""Crash recovery: a window that dies leaves its autosave, the next window offers it, and a
window still running never has its autosave offered to another one."""

import os
import subprocess
import sys

from PySide6.QtWidgets import QMessageBox

from designer.core import serialize
from designer.core.edits import SetParams
from designer.gui.main_window import MainWindow
from designer.gui.recovery import RecoveryStore
from designer.gui.settings import Settings
from designer.zoo import find

CRASH = r"""
import os, sys
from designer.core.edits import SetParams
from designer.gui.app import create_application
from designer.gui.main_window import MainWindow
from designer.gui.recovery import RecoveryStore
from designer.gui.settings import Settings
app = create_application()
window = MainWindow(settings=Settings.at(sys.argv[1]), recovery_store=RecoveryStore(sys.argv[2]))
assert window.open_file(sys.argv[3])
window.document.push(SetParams("fc1", {"out_features": 33}))
assert window.autosaver.save_now()
os._exit(3)  # a crash: no close event, no clean-up
"""


def make_window(qtbot, tmp_path) -> MainWindow:
    window = MainWindow(settings=Settings.at(tmp_path / "settings.ini"),
                        recovery_store=RecoveryStore(tmp_path / "recovery"))
    qtbot.addWidget(window)
    return window


def test_the_autosave_of_a_crashed_window_is_offered_and_restored(qtbot, tmp_path, monkeypatch):
    design = tmp_path / "mine.json"
    serialize.save(serialize.load(find("lenet5")), design)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", CRASH, str(tmp_path / "settings.ini"),
                           str(tmp_path / "recovery"), str(design)], env=env, capture_output=True,
                          timeout=120)
    assert proc.returncode == 3, proc.stderr.decode()
    assert list((tmp_path / "recovery").glob("autosave-*.json"))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.Yes))
    window = make_window(qtbot, tmp_path)
    assert window.offer_recovery()
    assert "did not close cleanly" in asked[0] and "mine.json" in asked[0]
    assert window.document.graph.nodes["fc1"].params == {"out_features": 33}
    assert window.isWindowModified() and window.document.path == design
    window.document.undo_stack.undo()  # the recovery is one undoable step on the saved file
    assert window.document.graph.nodes["fc1"].params == {"out_features": 120}
    assert not list((tmp_path / "recovery").glob("autosave-*.json"))
    window.document.undo_stack.setClean()


def test_a_running_windows_autosave_is_not_offered(qtbot, tmp_path):
    first = make_window(qtbot, tmp_path)
    first.document.replace_graph(serialize.load(find("lenet5")), None)
    first.document.push(SetParams("fc1", {"out_features": 33}))
    assert first.autosaver.save_now()
    second = make_window(qtbot, tmp_path)
    assert second.autosaver.store.orphans() == []
    assert not second.offer_recovery()
    first.document.undo_stack.setClean()  # saved or undone: the autosave goes away
    assert not first.autosaver.store.file.exists()
