"""File → Import PyTorch Model: the import runs in a child process (torch never enters the
window's process) and opens as a new design; a bad source shows the importer's reason."""

import sys

import pytest
from PySide6.QtWidgets import QMessageBox

from designer.gui.import_dialog import ImportDialog, parse_shape
from designer.gui.main_window import MainWindow
from designer.gui.recovery import RecoveryStore
from designer.gui.settings import Settings

MODEL = """
from torch import nn


def make():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))
"""


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda *a: shown.append(a[2])))
    w = MainWindow(settings=Settings.at(tmp_path / "s.ini"), recovery_store=RecoveryStore(tmp_path / "r"))
    w.errors = shown
    qtbot.addWidget(w)
    w.open_example("lenet5")
    return w


def test_shapes_and_sources_are_checked_before_importing(qtbot):
    assert parse_shape("3 224 224") == parse_shape("[3, 224, 224]") == parse_shape("3x224x224") == [3, 224, 224]
    for bad in ("", "3 a", "0 8 8", "1 2 3 4"):
        with pytest.raises(ValueError):
            parse_shape(bad)
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    dialog.source.setText("resnet18")
    dialog._on_accepted()
    assert not dialog.error.isHidden() and "torchvision:resnet18" in dialog.error.text()


def test_import_opens_the_model_as_a_new_design_without_torch_here(window, qtbot, tmp_path):
    (tmp_path / "tiny_model.py").write_text(MODEL, encoding="utf-8")
    torch_before = "torch" in sys.modules
    importer = window.import_model(f"{tmp_path / 'tiny_model.py'}:make", [1, 8, 8])
    qtbot.waitUntil(lambda: not importer.running, timeout=120_000)
    qtbot.waitUntil(lambda: any(n.type == "Conv2d" for n in window.document.graph), timeout=60_000)
    assert window.errors == []
    analysis = window.document.refresh_now()
    assert analysis.valid and analysis.total_params == 4 * 9 + 4 + 144 * 10 + 10
    assert window.document.path is None
    assert ("torch" in sys.modules) == torch_before


def test_a_bad_source_shows_the_importers_reason(window, qtbot):
    importer = window.import_model("no_such_package_xyz:model", [3, 32, 32])
    qtbot.waitUntil(lambda: bool(window.errors), timeout=120_000)
    assert "no_such_package_xyz" in window.errors[0] and "Traceback" not in window.errors[0]
    assert window.document.graph.name == "LeNet-5" and not importer.running
