"""What every viewer dock shares: a tool bar, a figure, a status line, PNG export, and the
bookkeeping of its pending probe request.

A view asks the ProbeSession with ``ask(kind, **params)``; only the answer to its latest
question is drawn (older ones are dropped), so a view never draws stale numbers and never
queues more than one request. During a run, visible views re-ask when the session's
``refresh_due`` fires, if their last answer has arrived.

Every view names what it shows in its ``header``: the design on the canvas and the weights
(initial, a run live or after it, a checkpoint; see subject.py), in orange when the design
was edited since that run. When another design is opened or created, each view drops what
it drew (``clear``) and asks again. A new view (say, Explain) gets all this by subclassing
ViewerBase and implementing ``refresh``/``draw`` (and ``clear`` for state of its own).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDockWidget, QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QSizePolicy, QVBoxLayout, QWidget)

from ...training.probes import ProbeResult
from ..theme import level_colour
from .figure import Figure

CONV_TYPES = ("Conv2d", "Conv1d", "ConvTranspose2d")


class ViewerBase(QWidget):
    """A dock's content: ``toolbar`` (a row of controls), ``figure``, and ``status``."""

    shown = Signal(str)  # emitted after drawing a result: a short description (tests wait on it)
    failed = Signal(str)  # a probe's error, as shown in the status line

    export_name = "figure"
    min_figure_height = 320

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.document = session.document
        self._pending: int | None = None
        self._step = -1  # training step of the numbers drawn (-1: not from a live run)
        self.header = QLabel("", self)
        self.header.setObjectName("viewer_header")
        self.header.setWordWrap(True)
        self.header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.header.setContentsMargins(4, 2, 4, 0)
        self.figure = Figure(self)
        self.toolbar = QHBoxLayout()
        self.toolbar.setContentsMargins(4, 2, 4, 2)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.header)
        layout.addLayout(self.toolbar)
        # A short dock scrolls rather than squashing the figure into unreadable slivers.
        self.figure.setMinimumHeight(self.min_figure_height)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.figure)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.status)
        session.result_ready.connect(self._on_session_result)
        session.refresh_due.connect(self._on_session_refresh_due)
        session.source_changed.connect(self._on_session_source_changed)
        session.subject_changed.connect(self._show_subject)
        session.design_replaced.connect(self._on_session_design_replaced)
        self._show_subject()

    # ----------------------------------------------------------------- controls
    def add_export_button(self) -> QPushButton:
        self.toolbar.addStretch(1)
        button = QPushButton("Export PNG…", self)
        button.setToolTip("Save this view's picture as a PNG image")
        button.clicked.connect(self._on_export_clicked)
        self.toolbar.addWidget(button)
        return button

    def add_combo(self, label: str, items: list[str], tooltip: str = "") -> QComboBox:
        if label:
            self.toolbar.addWidget(QLabel(label, self))
        combo = QComboBox(self)
        combo.addItems(items)
        combo.setToolTip(tooltip)
        self.toolbar.addWidget(combo)
        return combo

    def _on_export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export PNG", f"{self.export_name}.png", "PNG image (*.png)")
        if path:
            self.export_png(path)

    def export_png(self, path: str | Path) -> Path:
        """Save the figure (on white paper in either theme); the status line says where
        (or why it failed)."""
        try:
            self.figure.restyle(dark=False)
            written = self.figure.export_png(path)
        except OSError as exc:
            self.status.setText(f"Could not save the image: {exc}")
            raise
        finally:
            self.figure.restyle()
        self.status.setText(f"Saved {written}")
        return written

    # ----------------------------------------------------------------- requests
    def ask(self, kind: str, **params) -> int | None:
        """Send a probe request; only its answer will be drawn. A hidden view asks nothing
        (it refreshes when shown), so closed docks cost no computation."""
        if not self.on_screen():
            return None
        self._pending = self.session.request(kind, **params)
        self.status.setText("Computing…" if not self.session.live else "Waiting for the training thread…")
        return self._pending

    @property
    def waiting(self) -> bool:
        return self._pending is not None

    def _on_session_result(self, result: ProbeResult) -> None:
        if result.request_id != self._pending:
            return
        self._pending = None
        if result.error:
            self.status.setText(result.error)
            self.failed.emit(result.error)
            return
        if result.step != self._step:
            self._step = result.step
            self._show_subject()
        self.status.setText(self.describe(result))
        self.draw(result)
        self.figure.restyle()  # drawn on white paper: the theme's colours

    def _on_session_refresh_due(self) -> None:
        if self.on_screen() and not self.waiting and self.follows_training():
            self.refresh()

    def _on_session_source_changed(self, _text: str) -> None:
        self._pending = None
        self._step = -1
        self._show_subject()
        if self.on_screen():
            self.refresh()

    def _on_session_design_replaced(self) -> None:
        """Another design on the canvas: nothing drawn of the previous one stays."""
        self._pending = None
        self._step = -1
        self.clear()

    def _show_subject(self, *_args) -> None:
        subject = self.session.subject
        self.header.setText(f"Showing: {self.subject_text(subject)}")
        self.header.setStyleSheet(f"color: {level_colour('warning')};" if subject.stale else "")  # WCAG AA
        self.header.setToolTip("What this view shows: the design on the canvas and which weights "
                               "(View → Look Inside chooses a checkpoint or the initial weights)")

    @property
    def header_text(self) -> str:
        return self.header.text()

    def on_screen(self) -> bool:
        """Shown and not behind another tab: a tabbed dock that is not the current tab stays
        "visible" to Qt but is moved out of sight, so its dock's visible region is empty."""
        if not self.isVisible():
            return False
        dock = self.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        return dock is None or dock.isFloating() or not dock.visibleRegion().isEmpty()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:  # the theme changed: the stale colour too
            self._show_subject()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.schedule_refresh()

    def schedule_refresh(self, *_args) -> None:
        """Refresh after this event-loop turn if the view is then on screen (its dock's tab
        became current, or the window showed: tabs settle only after the show)."""
        QTimer.singleShot(0, self._refresh_if_on_screen)

    def _refresh_if_on_screen(self) -> None:
        if self.on_screen() and not self.waiting:
            self.refresh()

    # ----------------------------------------------------------------- for subclasses
    def clear(self) -> None:
        """Forget what was drawn (another design is on the canvas); subclasses drop their
        own state too and call this."""
        self.figure.reset()
        self.status.setText("")

    def refresh(self) -> None:
        """Ask again for whatever the view shows."""

    def subject_text(self, subject) -> str:
        """What the header says this view shows (a view that shows no weights says so)."""
        return subject.text(self._step)

    def follows_training(self) -> bool:
        """Whether the view re-asks every few seconds during a run."""
        return True

    def draw(self, result: ProbeResult) -> None:
        raise NotImplementedError

    def describe(self, result: ProbeResult) -> str:
        """The status line under a drawn result (the header names the design too)."""
        if result.step >= 0:
            return f"live, step {result.step}"
        return f"drawn from {self.session.subject.weights_text()}"


def conv_nodes(analysis) -> list[str]:
    """Convolution layers of the design that the model runs, in order."""
    return [nid for nid in analysis.order
            if nid in analysis.live and analysis.nodes[nid].type in CONV_TYPES]


def layer_nodes(analysis) -> list[str]:
    """Every layer the model runs (no Input/Output endpoints), in order."""
    return [nid for nid in analysis.order
            if nid in analysis.live and analysis.nodes[nid].type not in ("Input", "Output")]
