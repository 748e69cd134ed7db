"""File → Import: an ONNX file exported by Designer opens as the same design (through the
child-process importer, as for PyTorch models)."""

import pytest
from PySide6.QtWidgets import QMessageBox

from designer.gui.import_dialog import ImportDialog
from designer.gui.main_window import MainWindow
from designer.gui.recovery import RecoveryStore
from designer.gui.settings import Settings

pytest.importorskip("onnx2torch")


def test_the_dialog_accepts_an_onnx_file(qtbot):
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    dialog.source.setText("/models/net.onnx")
    assert dialog.values() == ("/models/net.onnx", [3, 224, 224])


@pytest.mark.slow
def test_an_exported_design_comes_back_through_the_window(qtbot, tmp_path, monkeypatch):
    from designer.cli import main

    shown = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda *a: shown.append(a[2])))
    window = MainWindow(settings=Settings.at(tmp_path / "s.ini"), recovery_store=RecoveryStore(tmp_path / "r"))
    qtbot.addWidget(window)
    path = tmp_path / "digits.onnx"
    assert main(["export", "digits_cnn", "-f", "onnx", "-o", str(path)]) == 0
    importer = window.import_model(str(path), [3, 224, 224])  # the file's own input shape wins
    qtbot.waitUntil(lambda: not importer.running, timeout=120_000)
    qtbot.waitUntil(lambda: window.document.graph.name == "Digits CNN" or bool(shown), timeout=60_000)
    assert shown == []
    ids = [n.id for n in window.document.graph]
    assert "conv1" in ids and "drop" in ids
    assert window.document.refresh_now().valid
