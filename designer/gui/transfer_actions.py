"""The window's transfer-learning commands (Run menu): "Replace the Head…" and "Fine-tune from
Pretrained Weights…", and the small dialog that picks the new head's number of classes, typed
or read from the dataset chosen in the Training panel.

Replacing the head is one undoable edit (core.head.ReplaceHead); the canvas's context menu on
the head offers the same dialog. "Fine-tune from Pretrained Weights…" only chooses what the Training panel's
runs start from (the design's ``weights`` setting, shown and cleared in the panel's "Starts
from" row); each Train then loads what fits, the replaced head starts fresh, frozen layers
keep the file's weights bit for bit. Nothing starts until Train is pressed.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QLabel, QMenu, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from ..core.head import MAX_CLASSES, HeadError, find_head, head_width, replace_head


def dataset_classes(window) -> tuple[int, str] | None:
    """(classes, dataset name) of the dataset the Training panel checked last, or None."""
    training = getattr(window, "training", None)
    fit = getattr(getattr(training, "session", None), "fit", None)
    info = getattr(fit, "info", None)
    if info is None or getattr(info, "task", "classification") != "classification" or not info.num_classes:
        return None
    return info.num_classes, info.name


class ReplaceHeadDialog(QDialog):
    """Asks for the new number of classes of ``head``; ``classes()`` once accepted."""

    def __init__(self, parent: QWidget, graph, head: str, dataset: tuple[int, str] | None) -> None:
        super().__init__(parent)
        self.setObjectName("replace_head_dialog")
        self.setWindowTitle("Replace the Head")
        node = graph.nodes[head]
        width = head_width(graph, head)
        layout = QVBoxLayout(self)
        text = QLabel(f"<b>{head}</b> ({node.type}{f', {width} outputs' if width else ''}) is the "
                      f"classifier layer. It is rebuilt with one output per class, from fresh "
                      f"weights; {keeps_text(graph)}", self)
        text.setWordWrap(True)
        layout.addWidget(text)
        layout.addWidget(QLabel("New number of classes:", self))
        self.spin = QSpinBox(self)
        self.spin.setObjectName("head_classes")
        self.spin.setRange(1, MAX_CLASSES)
        self.spin.setValue(dataset[0] if dataset else (width if isinstance(width, int) else 10))
        layout.addWidget(self.spin)
        self.from_data = QPushButton(self)
        self.from_data.setObjectName("head_from_dataset")
        self.from_data.clicked.connect(self._use_dataset)
        layout.addWidget(self.from_data)
        self.hint = QLabel("To read the classes from your data, choose the dataset (e.g. an image "
                           "folder) in the Training panel; it is checked in the background.", self)
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)  # drawn muted
        layout.addWidget(self.hint)
        self.dataset: tuple[int, str] | None = None
        self.set_dataset(dataset)
        if dataset is not None:
            self.spin.setValue(dataset[0])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Replace")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def set_dataset(self, dataset: tuple[int, str] | None) -> None:
        """Offer the classes of ``dataset`` ((count, name); None: not known yet)."""
        self.dataset = dataset
        self.from_data.setEnabled(dataset is not None)
        self.from_data.setText(f"Use the dataset's {dataset[0]} classes ({dataset[1]})" if dataset
                               else "Use the dataset's classes")
        self.hint.setVisible(dataset is None)

    def _use_dataset(self) -> None:
        if self.dataset is not None:
            self.spin.setValue(self.dataset[0])
            self.accept()

    def classes(self) -> int:
        return self.spin.value()


def keeps_text(graph) -> str:
    """What the layers before the head start from, true to the design's training settings."""
    weights = (graph.training or {}).get("weights") or ""
    if weights:
        return (f"every layer before it keeps the pretrained weights of {Path(weights).name} "
                f"(loaded when Train is pressed).")
    return ("no pretrained weights are chosen, so every layer starts from initial (random) "
            "weights. To fine-tune, first choose a weights file (Run → Fine-tune from "
            "Pretrained Weights…).")


def ask_replace_head(window, node_id: str | None = None) -> ReplaceHeadDialog | None:
    """Open the dialog for ``node_id`` (default: the design's head); accepting it pushes one
    undoable edit. None (and a status message saying why) when there is no head."""
    document = window.document
    head = node_id or find_head(document.graph)
    if head is None:
        _say(window, "Replace the head: the design has no classifier head (a Linear or Conv2d "
                     "feeding the Output through activations, dropout or flattening only)")
        return None
    dialog = ReplaceHeadDialog(window, document.graph, head, dataset_classes(window))
    training = getattr(window, "training", None)
    if training is not None:  # the dataset's classes, once the background check knows them
        checks = training.session.checks
        update = lambda _fit: dialog.set_dataset(dataset_classes(window))  # noqa: E731
        checks.fit_changed.connect(update)
        dialog.finished.connect(lambda _result: checks.fit_changed.disconnect(update))
        training.session.activate()
    dialog.accepted.connect(lambda: apply_replace_head(window, head, dialog.classes()))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


def apply_replace_head(window, head: str, classes: int) -> bool:
    """Replace ``head`` by a ``classes``-way head: one undo step; False with a message if not."""
    document = window.document
    try:
        edit = replace_head(document.graph, classes, head)
    except HeadError as exc:
        _say(window, f"Replace the head: {exc}")
        return False
    if document.push(edit):
        _say(window, f"{head} now gives {classes} outputs and starts from fresh weights "
                     f"(Edit → Undo restores it)")
        return True
    return False


def start_from_pretrained(window) -> str:
    """Ask for a pretrained weights file (state_dict or checkpoint) and make it what every
    following Train starts from (shown in the Training panel, which opens); no run starts.
    The chosen path, or "" when cancelled."""
    training = getattr(window, "training", None)
    if training is None:
        return ""
    path, _ = QFileDialog.getOpenFileName(window, "Pretrained weights", "",
                                          "Weights (*.pt *.pth *.safetensors);;All files (*)")
    if path and training.session.set_start_weights(path):
        _show_training(window)
        _say(window, f"Runs now start from {Path(path).name}: press Train to fine-tune "
                     f"(Clear in the Training panel's “Starts from” row goes back to initial weights)")
    return path


def _show_training(window) -> None:
    dock = getattr(window.training, "dock", None)
    if dock is not None:
        dock.show()
        dock.raise_()


def _say(window, text: str) -> None:
    bar = getattr(window, "statusBar", None)
    if bar is not None:
        bar().showMessage(text, 10000)


def install_transfer(window) -> dict[str, QAction]:
    """Add the commands to the window's Run menu (after Train / Pause / Stop)."""
    actions = {}
    for name, text, tip, slot in (
            ("replace_head", "Replace the &Head…", "Rebuild the last classifier layer for a new "
             "number of classes, from fresh weights", lambda: ask_replace_head(window)),
            ("pretrained", "Fine-tune from Pretrained &Weights…", "Choose a weights file every "
             "following Train starts from: what fits is loaded, frozen layers keep it", lambda: start_from_pretrained(window))):
        action = QAction(text, window)
        action.setObjectName(f"action_{name}")
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False, s=slot: s())
        window.addAction(action)
        actions[name] = action
    menu = next((a.menu() for a in window.menuBar().actions()
                 if a.text().replace("&", "") == "Run" and isinstance(a.menu(), QMenu)), None)
    if menu is not None:
        menu.addSeparator()
        menu.addActions(list(actions.values()))
    return actions
