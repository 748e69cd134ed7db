"""The Training dock: Train / Pause / Stop, progress, plain messages, and the settings tabs
(data, augmentation, optimiser, run) that edit the design's training section.

Every change in a tab becomes one undoable edit through the TrainingSession; undo, redo and
opening another design reload the tabs from the design. Problems (data that do not fit,
NaN loss, out of memory, unreadable data) appear as one plain sentence at the top, with
"Adapt the design" when the data do not fit and the design can be adapted to them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QTabWidget,
                               QVBoxLayout, QWidget)

from ..availability import set_available
from .augment_editor import AugmentEditor
from .dataset_editor import DatasetEditor
from .hyperparams import OptimiserForm, RunForm
from .messages import NOT_READY, READY, fit_text, window_wording
from .start_weights import StartWeightsRow
from ..theme import level_colour

COLOURS = {"info": "#1b5e20", "warning": "#975a00", "error": "#c62828"}  # ≥ 4.5:1 on white
DARK_COLOURS = {"info": "#81c784", "warning": "#ffb74d", "error": "#ef9a9a"}
BANNER = {"error": "#fdecea", "warning": "#fff4e5"}  # background of an error/warning banner
FLASH_MS = 700
TIPS = {"train": "Train a frozen copy of the design with these settings (F5)",
        "pause": "Pause the run (F6); Resume goes on where it paused",
        "resume": "Go on with the paused run (F6)",
        "stop": "Stop after the current step; last.pt keeps the weights to resume",
        "lr": "Learning-rate range test: loss against learning rate, with a suggestion"}


def button_states(state: str) -> dict[str, tuple[bool, str]]:
    """For each run control: (enabled, why not) in a session ``state`` (also the Run menu's)."""
    busy = {"starting": "a run is starting", "training": "a run is training",
            "paused": "a run is paused: Resume it (F6) or Stop it first",
            "stopping": "the run is stopping", "lr_test": "the learning-rate test is running"}
    idle = state == "idle"
    return {
        "train": (idle, busy.get(state, "")),
        "pause": (state in ("training", "paused"),
                  "no run is training" if state in ("idle", "lr_test") else "the run is not training yet"
                  if state == "starting" else "the run is stopping"),
        "stop": (state in ("starting", "training", "paused", "lr_test"), "nothing is running"),
        "lr": (idle or state == "lr_test", busy.get(state, "")),
    }


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


class TrainingPanel(QWidget):
    """Dock content for training; all state lives in ``session`` (a TrainingSession)."""

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.train_button = QPushButton("Train", self)
        self.pause_button = QPushButton("Pause", self)
        self.stop_button = QPushButton("Stop", self)
        self.lr_button = QPushButton("Find LR…", self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.progress_text = QLabel(READY, self)
        self.message = QLabel("", self)  # a banner right under the buttons
        self.message.setObjectName("training_message")
        self.message.setWordWrap(True)
        self.message.hide()
        self.adapt_button = QPushButton("Adapt the design", self)
        self.adapt_button.setToolTip("Change the Input and the last layer to fit the data (undoable)")
        self.adapt_button.hide()
        self.stale = QLabel("The design changed since this run started: the run goes on with the "
                            "design as it was when Train was pressed.", self)
        self.stale.setWordWrap(True)
        self.stale.setStyleSheet(f"color: {level_colour('warning')};")
        self.stale.hide()
        self.start_weights = StartWeightsRow(session, self)  # pretrained weights, frozen warning
        self.data = DatasetEditor(self)
        self.augment = AugmentEditor(self)
        self.optimiser = OptimiserForm(self)
        self.run_form = RunForm(self)
        self.tabs = QTabWidget(self)
        for widget, title in ((self.data, "Data"), (self.augment, "Augmentation"),
                              (self.optimiser, "Optimiser"), (self.run_form, "Run")):
            self.tabs.addTab(_scrolled(widget), title)
        self._lr_dialog = None
        self._lay_out()
        self._connect()
        self._on_session_config_changed(session.config)
        self._on_session_state_changed(session.state)

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.lr_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.message)  # where the user looks after pressing Train
        layout.addWidget(self.adapt_button)
        layout.addWidget(self.start_weights)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_text)
        layout.addWidget(self.stale)
        layout.addWidget(self.tabs, 1)

    def _connect(self) -> None:
        s = self.session
        self.train_button.clicked.connect(self.train_or_resume)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(s.stop)
        self.lr_button.clicked.connect(self.open_lr_finder)
        self.adapt_button.clicked.connect(s.adapt)
        for form in (self.data, self.augment, self.optimiser, self.run_form):
            form.changed.connect(self._on_form_changed)
        self.augment.redraw_requested.connect(s.checks.request_preview)
        self.tabs.currentChanged.connect(lambda _i: self._refresh_preview())
        s.config_changed.connect(self._on_session_config_changed)
        s.state_changed.connect(self._on_session_state_changed)
        s.progress_changed.connect(self._on_session_progress_changed)
        s.message_changed.connect(self.show_message)
        s.refused.connect(self._on_session_refused)
        s.checks.fit_changed.connect(self._on_checks_fit_changed)
        s.checks.environment_ready.connect(self._on_checks_environment_ready)
        s.checks.memory_changed.connect(self.run_form.show_memory)
        s.checks.preview_ready.connect(self.augment.show_preview)
        s.run_changed.connect(self._on_session_run_changed)
        s.document.graph_replaced.connect(self._on_document_graph_replaced)

    # ----------------------------------------------------------------- showing
    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.session.checks.activate_soon()

    def show_message(self, text: str, level: str = "info") -> None:
        """One plain sentence at the top of the panel (empty text hides it)."""
        self.message.setVisible(bool(text))
        self.message.setStyleSheet(_banner_style(level, dark=_is_dark(self)))
        self._level = level
        self.message.setText(window_wording(text))  # the Data tab's field names, not CLI options
        if level != "error" or not text:
            self.adapt_button.setVisible(self._can_adapt() and bool(text))

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and self.message.text():  # the theme changed
            self.message.setStyleSheet(_banner_style(getattr(self, "_level", ""), dark=_is_dark(self)))

    def _on_session_refused(self, text: str) -> None:
        """Train was pressed but cannot start: say why right under the button, and flash it."""
        self.show_message(f"Training did not start. {text}", "error")
        self.adapt_button.setVisible(self._can_adapt())
        self.message.setStyleSheet(_banner_style("error", flash=True))
        # The label as context: the timer is dropped if the panel is gone before it fires.
        QTimer.singleShot(FLASH_MS, self.message, lambda: self.message.setStyleSheet(_banner_style("error")))

    def _can_adapt(self) -> bool:
        fit = self.session.fit
        return (fit is not None and not fit.ok and fit.can_adapt and fit.adapted_valid
                and fit.edit is not None)

    # ----------------------------------------------------------------- settings
    def _on_form_changed(self, merge_key: str, changes: dict) -> None:
        self.session.update_config(merge_key, **changes)

    def _on_session_config_changed(self, config) -> None:
        self.data.load_data(config.data)
        self.augment.load(config.augment)
        self.optimiser.load(config)
        self.run_form.load(config)
        if self.session.config_error:
            self.show_message(self.session.config_error, "error")
        self._refresh_preview()

    def _on_checks_environment_ready(self, environment) -> None:
        self.data.set_catalog(environment.datasets)
        self.run_form.set_devices(environment.devices, environment.device_names)
        self._refresh_preview()

    def _refresh_preview(self) -> None:
        if self.tabs.currentIndex() == 1:
            self.session.checks.request_preview(self.augment.seed)

    def _on_checks_fit_changed(self, fit) -> None:
        self.data.show_kind(fit.info)
        if fit.ok:
            notes = "; ".join(fit.notes)
            self.data.show_fit(f"The data fit the design{': ' + notes if notes else '.'}", "ok")
            if self.adapt_button.isVisible():
                self.show_message("", "")
            if self.progress_text.text() == NOT_READY:
                self.progress_text.setText(READY)
            return
        text = fit_text(fit)
        if self.session.state == "idle" and self.progress_text.text() == READY:
            self.progress_text.setText(NOT_READY)  # never "Ready to train." above a refusal
        self.data.show_fit(text, "error")
        self.show_message(text, "error")
        self.adapt_button.setVisible(self._can_adapt())

    # ----------------------------------------------------------------- run controls
    def train_or_resume(self) -> None:
        """Train (F5); while a run is paused, F5 resumes it as F6 does."""
        if self.session.state == "paused":
            self.session.resume_paused()
        else:
            self.session.start()

    def toggle_pause(self) -> None:
        if self.session.state == "paused":
            self.session.resume_paused()
        else:
            self.session.pause()

    def _on_session_state_changed(self, state: str) -> None:
        paused = state == "paused"
        self.pause_button.setText("Resume" if paused else "Pause")
        for name, button in (("train", self.train_button), ("pause", self.pause_button),
                             ("stop", self.stop_button), ("lr", self.lr_button)):
            enabled, why = button_states(state)[name]
            tip = TIPS["resume" if name == "pause" and paused else name]
            set_available(button, enabled, tip, why)
        if state == "stopping":
            self.progress_text.setText("Stopping after this step…")
        elif state == "paused":
            self.progress_text.setText(f"Paused · {self.session.progress.text()}")

    def _on_session_progress_changed(self, text: str, fraction: float) -> None:
        current = self.session.current
        if current is not None and not current.active:
            return  # the run's verdict stays on show
        self.progress.setValue(int(fraction * 1000))
        if self.session.state not in ("stopping", "paused"):
            self.progress_text.setText(text)

    def _on_session_run_changed(self, run) -> None:
        current = self.session.current
        self.stale.setVisible(current is not None and current.active and current.stale)
        if run is current and not run.active:
            of = f" of “{run.other_design}”" if run.other_design else ""
            self.progress_text.setText(f"{run.name}{of}: {run.status.replace('_', ' ')}")
            if run.status == "completed":
                self.progress.setValue(1000)

    def _on_document_graph_replaced(self) -> None:
        """Another design: the previous design's run verdict and messages go (a run still
        training goes on showing its progress, marked as another design's in the run list)."""
        if self.session.current is not None:
            return
        self.progress.setValue(0)
        self.progress_text.setText(READY)
        self.show_message("", "")
        self.adapt_button.hide()
        self.stale.hide()

    def open_lr_finder(self):
        """Show the learning-rate range test dialog (created once)."""
        from .lr_finder import LRFinderDialog

        if self._lr_dialog is None:
            self._lr_dialog = LRFinderDialog(self.session, self)
        self._lr_dialog.show()
        self._lr_dialog.raise_()
        return self._lr_dialog


def _is_dark(widget: QWidget) -> bool:
    return widget.palette().window().color().lightness() < 128


def _banner_style(level: str, flash: bool = False, dark: bool = False) -> str:
    """A message's look: coloured text (lighter on a dark theme); errors and warnings as a
    framed banner with its own background, readable in either theme."""
    colour = COLOURS.get(level, "")
    if level not in BANNER:
        colour = DARK_COLOURS.get(level, colour) if dark else colour
        return f"color: {colour};" if colour else ""
    background = colour if flash else BANNER[level]
    ink = "white" if flash else colour
    return (f"color: {ink}; background: {background}; border: 1px solid {colour}; "
            f"border-radius: 4px; padding: 4px 6px;")
