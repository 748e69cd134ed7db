"""Fixtures shared by the GUI tests."""

import pytest
from PySide6.QtWidgets import QMessageBox

from designer.gui.main_window import MainWindow
from designer.gui.recovery import RecoveryStore
from designer.gui.settings import Settings


@pytest.fixture
def lenet_window(qtbot, tmp_path, monkeypatch):
    """A window on LeNet-5 with throwaway settings, recovery and checkpoint folders; every
    message box answers Discard; the training worker is shut down afterwards."""
    for kind in ("question", "critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, kind,
                            staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    window = MainWindow(settings=Settings.at(tmp_path / "settings.ini"),
                        recovery_store=RecoveryStore(tmp_path / "recovery"))
    qtbot.addWidget(window)
    window.training.session.checkpoint_root = tmp_path / "runs"  # before opening: runs are read back
    window.open_example("lenet5")
    yield window
    window.training.shutdown()
