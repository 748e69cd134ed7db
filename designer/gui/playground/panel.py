"""PlaygroundPanel: TensorFlow Playground's view on the open design.

The data points and the decision boundary (live while the design trains), every hidden
unit's map laid out by layer (click one to enlarge it), and the controls. Training is the
Training dock's (one TrainingSession): Play starts a run of the design with its settings,
and the panel's probe (``make_probe``) rides along on the training thread, sending maps as
numpy events; the panel only draws. Each control is one undoable edit of the design.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSplitter,
                               QVBoxLayout, QWidget)

from ...analysis import analyze
from ...core.edits import Compound, replace_design
from ...core.serialize import DesignFileError, from_dict
from ...playground.edits import PlaygroundEditError, features_node, hidden_activations
from ...playground.edits import set_activation, set_features
from ...playground.presets import PRESETS
from ...playground.units import unit_layers
from ...training.boundary_events import BoundaryMaps, PlaygroundPoints
from ...training.config import DataConfig
from ...training.events import RunStarted
from ..training_panel.config_edit import SetTraining
from .boundary_view import BoundaryView
from .controls import PlaygroundControls
from .units_view import UnitGrid, unit_name


def make_probe(design: dict):
    """The Playground's probe for a run of ``design`` (a serialized design), or None when its
    Input is not 2-D points. Built on the GUI thread without torch; runs on the worker's."""
    from ...training.boundary import BoundaryProbe

    try:
        graph = from_dict(design)
    except DesignFileError:
        return None
    analysis = analyze(graph)
    if tuple(analysis.input_shape or ()) != (2,):
        return None
    return BoundaryProbe([(u.node_id, u.title) for u in unit_layers(graph, analysis)])


class UnitDialog(QDialog):
    """One unit's map, enlarged, with the points; follows the run while it is open."""

    def __init__(self, node_id: str, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.node_id, self.index = node_id, index
        self.setWindowTitle(unit_name(node_id, index))
        self.view = BoundaryView(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        self.resize(420, 420)


class PlaygroundPanel(QWidget):
    def __init__(self, document, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document, self.session = document, session
        self.points: PlaygroundPoints | None = None
        self.latest: BoundaryMaps | None = None
        self.dialogs: list[UnitDialog] = []
        self.dock = None  # set by install_playground: raised when Play starts a run
        self._playing = False
        self._found: tuple = (None, [], None)  # (structure token, hidden activations, features node)
        self.controls = PlaygroundControls(self)
        self.view = BoundaryView(self)
        self.units = UnitGrid(self)
        self.status = QLabel("Press Play to train the design and watch its boundary form.", self)
        self.status.setWordWrap(True)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.play = QPushButton("▶ Play", self)
        self.stop = QPushButton("■ Stop", self)
        self._build()
        self._connect()
        self._on_document_changed()

    def _build(self) -> None:
        controls = QScrollArea(self)
        controls.setWidget(self.controls)
        controls.setWidgetResizable(True)
        units = QScrollArea(self)
        units.setWidget(self.units)
        units.setWidgetResizable(True)
        right = QWidget(self)
        column = QVBoxLayout(right)
        buttons = QHBoxLayout()
        buttons.addWidget(self.play)
        buttons.addWidget(self.stop)
        column.addLayout(buttons)
        column.addWidget(self.view, 1)
        column.addWidget(self.status)
        column.addWidget(self.message)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        for widget in (controls, units, right):
            splitter.addWidget(widget)
        splitter.setStretchFactor(2, 1)
        controls.setMinimumWidth(260)
        units.setMinimumWidth(200)
        splitter.setSizes([330, 330, 600])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.sections = {"controls": controls, "units": units, "boundary": right}

    def _connect(self) -> None:
        c = self.controls
        c.data_changed.connect(self._on_controls_data_changed)
        c.setting_changed.connect(lambda key, changes: self.session.update_config(
            f"playground-{key}", **changes))
        c.activation_chosen.connect(lambda t: self._push(lambda g: set_activation(g, t)))
        c.features_changed.connect(lambda chosen: self._push(lambda g: set_features(g, chosen)))
        c.frequency_changed.connect(self._on_controls_frequency_changed)
        c.preset_chosen.connect(self.load_preset)
        c.show_test_toggled.connect(self.view.set_show_test)
        self.units.unit_clicked.connect(self.enlarge)
        self.play.clicked.connect(self._on_play_clicked)
        self.stop.clicked.connect(self.session.stop)
        self.session.worker.events.connect(self._on_worker_events)
        self.session.state_changed.connect(self._on_session_state_changed)
        self.session.message_changed.connect(self._on_session_message_changed)
        self.document.analysis_changed.connect(lambda _a: self._on_document_changed())
        self.session.probe_factories.append(make_probe)
        self._on_session_state_changed(self.session.state)

    # ----------------------------------------------------------------- requests
    def _push(self, make_edit) -> bool:
        try:
            edit = make_edit(self.document.graph)
        except PlaygroundEditError as exc:
            self.message.setText(f"Not changed: {exc}")
            return False
        self.message.setText("")
        return self.document.push(edit)

    def _on_controls_frequency_changed(self, frequency: float) -> None:
        if features_node(self.document.graph) is None:
            self.message.setText("The frequency is that of sin x₁ and sin x₂: switch one of them on first.")
            return
        self._push(lambda g: set_features(g, {}, frequency))

    def _on_controls_data_changed(self, name: str, noise: float, test_fraction: float) -> None:
        data = self.session.config.data
        options = dict(data.options) if data.name == name else {}
        options["noise"] = noise
        self.session.update_config("playground-data", data=DataConfig(
            name, options, data.validation, test_fraction, data.permute_pixels))

    def load_preset(self, name: str) -> bool:
        """Replace the design and its settings with a preset (one undo step)."""
        preset = PRESETS[name]
        graph = preset.graph()
        edit = replace_design(self.document.graph, graph)
        ok = self.document.push(Compound([edit, SetTraining(graph.training)],
                                         text=f"Playground preset: {preset.title}"))
        if ok:
            self.message.setText(preset.lesson)
            self.controls.preset.setCurrentIndex(self.controls.preset.findData(name))
        return ok

    def _on_play_clicked(self) -> None:
        if self.session.state == "paused":
            self.session.resume_paused()
        elif self.session.state == "idle":
            self._playing = self.session.start() is not None

    # ----------------------------------------------------------------- following
    def _on_document_changed(self) -> None:
        graph = self.document.graph
        if self._found[0] is not graph.structure_token:  # types change only with the structure
            self._found = (graph.structure_token, hidden_activations(graph), features_node(graph))
        _token, activations, nid = self._found
        self.controls.load(self.session.config, graph.node(activations[0]).type if activations else None,
                           dict(graph.node(nid).params) if nid else None)
        shape = tuple(self.document.analysis.input_shape or ())
        if shape == (2,) and self.latest is None:
            self.status.setText("Press Play to train the design and watch its boundary form.")
        elif shape != (2,):
            self.status.setText("The Playground maps designs whose Input is 2-D points [2]: load a "
                                "preset, or set the Input's shape to [2].")

    def _on_session_state_changed(self, state: str) -> None:
        self.play.setEnabled(state in ("idle", "paused"))
        self.stop.setEnabled(state in ("starting", "training", "paused"))
        if state == "idle":
            self._playing = False
        elif self._playing and self.dock is not None:  # the Training dock raised itself
            self.dock.raise_()

    def _on_session_message_changed(self, text: str, level: str) -> None:
        if level == "error":
            self.message.setText(text)

    def _on_worker_events(self, events: list) -> None:
        latest = None
        for event in events:
            if isinstance(event, RunStarted):
                self.points, self.latest = None, None
                self.units.clear()
                self.view.clear_map()
            elif isinstance(event, PlaygroundPoints):
                self.points = event
                self.view.set_points(event.train_x, event.train_y, event.test_x, event.test_y,
                                     event.extent)
                for dialog in self.dialogs:
                    dialog.view.set_points(event.train_x, event.train_y, event.test_x,
                                           event.test_y, event.extent)
            elif isinstance(event, BoundaryMaps):
                latest = event
        if latest is not None:  # only the newest of a batch is drawn
            self.show_maps(latest)

    def show_maps(self, maps: BoundaryMaps) -> None:
        self.latest = maps
        self.view.set_map(maps.output, maps.extent)
        self.units.set_layers(maps.layers)
        self.status.setText(f"Epoch {maps.epoch} · step {maps.step} · training loss "
                            f"{_fmt(maps.train_loss)} · test loss {_fmt(maps.test_loss)}")
        for dialog in list(self.dialogs):
            self._fill(dialog)

    # ----------------------------------------------------------------- enlarging
    def enlarge(self, node_id: str, index: int) -> UnitDialog:
        dialog = UnitDialog(node_id, index, self)
        dialog.finished.connect(lambda _r, d=dialog: self.dialogs.remove(d) if d in self.dialogs else None)
        self.dialogs.append(dialog)
        if self.points is not None:
            p = self.points
            dialog.view.set_points(p.train_x, p.train_y, p.test_x, p.test_y, p.extent)
        self._fill(dialog)
        dialog.show()
        return dialog

    def _fill(self, dialog: UnitDialog) -> None:
        if self.latest is None:
            return
        layer = next((l for l in self.latest.layers if l.node_id == dialog.node_id), None)
        if layer is not None and dialog.index < len(layer.maps):
            dialog.view.set_map(layer.maps[dialog.index], self.latest.extent, unit=True)

    # ----------------------------------------------------------------- teacher options
    def set_hidden(self, sections) -> None:
        """Hide parts of the panel ("controls", "units", "boundary"), as a lesson asks."""
        for name, widget in self.sections.items():
            widget.setVisible(name not in set(sections))


def _fmt(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{value:.3f}"
