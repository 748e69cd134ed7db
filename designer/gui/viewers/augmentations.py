"""Augmented samples: the training issue's augmentation preview, reachable from the viewers.

Each row is one training image: the original, then several random draws of the design's
augmentation pipeline (its training settings), so one can see what the network is shown.
The preview runs on the probe worker (torchvision transforms), never on the GUI thread.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QPushButton, QSpinBox, QWidget

from .common import ViewerBase
from .figure import Figure


def augment_steps(graph) -> list[dict]:
    """The design's augmentation steps as plain dicts (from its training settings)."""
    steps = (graph.training or {}).get("augment") or []
    return [s if isinstance(s, dict) else {"name": str(s)} for s in steps]


def draw_augmentations(figure: Figure, data: dict) -> None:
    """Draw an augmentations result (the view and the CLI)."""
    figure.reset()
    names = ", ".join(data.get("steps") or []) or "no augmentation steps (the design trains on the images as they are)"
    grid = np.asarray(data["grid"], np.float32) / 255.0
    figure.image_panel(grid, 0, 0, title=f"original, then random draws of: {names}")


class AugmentationsView(ViewerBase):
    """Dock content: the augmentation preview, redrawn with new random draws on demand."""

    export_name = "augmentations"

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.count = QSpinBox(self)
        self.count.setRange(1, 16)
        self.count.setValue(6)
        self.count.setPrefix("images ")
        self.toolbar.addWidget(self.count)
        self.again = QPushButton("New draws", self)
        self.again.setToolTip("Draw the random augmentations again")
        self.toolbar.addWidget(self.again)
        self.add_export_button()
        self._seed = 0
        self._steps: list[dict] = []
        self.again.clicked.connect(self._on_again_clicked)
        self.count.valueChanged.connect(self.refresh)
        self.document.analysis_changed.connect(self._on_design_changed)

    def follows_training(self) -> bool:
        return False

    def clear(self) -> None:
        self._steps = []
        super().clear()

    def subject_text(self, subject) -> str:
        return f"{subject.design or 'Untitled'} · its training data through its augmentation settings"

    def _on_again_clicked(self) -> None:
        self._seed += 1
        self.refresh()

    def _on_design_changed(self, _analysis) -> None:
        if self.isVisible() and augment_steps(self.document.graph) != self._steps:
            self.refresh()

    def refresh(self, *_args) -> None:
        if self.session.live:
            self.status.setText("The preview is available when no training is running.")
            return
        self._steps = augment_steps(self.document.graph)
        self.ask("augmentations", steps=self._steps, count=self.count.value(), draws=5, seed=self._seed)

    def draw(self, result) -> None:
        draw_augmentations(self.figure, result.data)
        self.shown.emit("augmentations")
