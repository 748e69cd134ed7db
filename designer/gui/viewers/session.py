"""ProbeSession: where the viewers get their numbers, during training and after it.

During a run the GUI's training worker hands the session the run's ProbeHook
(``attach_training``) and every event of the loop (``handle_event``); requests go to the
hook and are answered on the training thread between steps, within the probes' budget.
Otherwise requests run on the ProbeWorker with a model built from a checkpoint (after a
run, or opened by the user) or from the design's initial weights. Either way the answers
arrive as ``result_ready(ProbeResult)`` on the GUI thread, holding numpy arrays only.

The session also keeps the run's history for the views: the loss curve, the first layer's
filter snapshots and the health samples.

The views always describe the design on the canvas: ``subject`` (a ViewSubject) names the
design and the weights shown. Opening, creating or reverting a design (the document's
``graph_replaced``) drops the previous design's run, checkpoint and history and shows the
new design's initial weights (the training session then offers its own last run with
``use_run``); events of a run of the previous design are ignored from then on. Editing the
design while a run's weights are shown marks the subject stale.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from ...training.events import Finished, Failed, RunStarted, Snapshot, StepMetrics
from ...training.explain.progress import Progress
from ...training.probes import HealthSample, LossCheck, ProbeHook, ProbeRequest, ProbeResult
from ..training_panel.design_shape import DesignShape
from .backend import ModelBackend, ModelSpec
from .health_rules import HealthHistory
from .probe_worker import ProbeWorker
from .subject import CHECKPOINT, INITIAL, LIVE, RUN, ViewSubject

REFRESH_MS = 3000  # views showing live data re-ask this often during a run
HISTORY_MS = 250  # history_changed at most this often
MAX_SNAPSHOTS = 400


class RunHistory:
    """What a run showed so far: loss per reported step, filter snapshots, health."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.loss_steps: list[int] = []
        self.losses: list[float] = []
        self.snapshots: list[Snapshot] = []
        self.health = HealthHistory()
        self.loss_check: LossCheck | None = None

    def add_loss(self, step: int, loss: float) -> None:
        self.loss_steps.append(step)
        self.losses.append(loss)

    def add_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshots.append(snapshot)
        if len(self.snapshots) > MAX_SNAPSHOTS:
            del self.snapshots[1:-1:2]  # keep the first and the newest, thin the middle

    def loss_curve(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.loss_steps, float), np.asarray(self.losses, float)


class ProbeSession(QObject):
    """One per window; the views share it."""

    result_ready = Signal(object)  # ProbeResult
    source_changed = Signal(str)  # the weights shown changed (the views ask again)
    subject_changed = Signal(object)  # ViewSubject: what the views show (headers redraw)
    design_replaced = Signal()  # another design is on the canvas: views drop what they drew
    history_changed = Signal()  # losses, snapshots or health grew (throttled)
    refresh_due = Signal()  # during a run: time for visible views to re-ask
    show_sample = Signal(int)  # "open validation sample N in the activation view"
    progress = Signal(object)  # designer.training.explain.Progress of a long request
    _progress_relay = Signal(object)  # emitted on the probe worker's thread, delivered queued

    def __init__(self, document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.worker = ProbeWorker(self)
        self.backend = ModelBackend()  # used only on the worker thread
        self.history = RunHistory()
        self.classes: tuple[str, ...] = ()
        self._hook: ProbeHook | None = None
        self._checkpoint = ""
        self._foreign = False  # the attached run trains a design no longer on the canvas
        self.subject = ViewSubject(document.graph.name)
        self._subject_shape: tuple | None = None  # the design the shown run trained
        self._design_shape = DesignShape()  # the canvas design's, reused until it changes
        self._jobs: dict[int, int] = {}  # worker job -> request id
        self.worker.finished.connect(self._on_worker_finished)
        self.worker.failed.connect(self._on_worker_failed)
        self._progress_relay.connect(self._on_progress_relay)
        self._history_timer = _single_shot(self, HISTORY_MS, self.history_changed.emit)
        self._refresh = QTimer(self)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self.refresh_due.emit)
        document.graph_replaced.connect(self._on_document_graph_replaced)
        document.analysis_changed.connect(self._on_document_analysis_changed)

    # ----------------------------------------------------------------- source
    @property
    def live(self) -> bool:
        """True while the views show a run training: requests are answered between its
        steps (the user may pick the initial weights or a checkpoint meanwhile)."""
        return self._hook is not None and self.subject.kind == LIVE

    @property
    def shows_run(self) -> bool:
        """False while a run trains but the user chose other weights to look at: the run's
        snapshots are then not drawn as if they were those weights."""
        return self._hook is None or self.subject.kind == LIVE

    @property
    def checkpoint(self) -> str:
        return self._checkpoint

    def source_text(self) -> str:
        return self.subject.text()

    def _set_subject(self, subject: ViewSubject, reask: bool = True) -> None:
        self.subject = subject
        self._subject_shape = self._design_shape.of(self.document.graph) if subject.trained else None
        self.subject_changed.emit(subject)
        if reask:
            self.source_changed.emit(self.source_text())

    def use_checkpoint(self, path: str | Path) -> None:
        """Show a checkpoint file the user opened; it must hold this design (the probe
        says so when it holds another)."""
        self._checkpoint = str(path)
        self._set_subject(ViewSubject(self.document.graph.name, CHECKPOINT, checkpoint=str(path)))

    def use_run(self, path: str | Path, run: str, epochs_done: int | None = None) -> None:
        """Show the last weights of a run of this design (``path``: its last.pt)."""
        self._checkpoint = str(path)
        self._set_subject(ViewSubject(self.document.graph.name, RUN, run, str(path), epochs_done))

    def use_design(self) -> None:
        """Show the open design with its initial weights."""
        self._checkpoint = ""
        self._set_subject(ViewSubject(self.document.graph.name, INITIAL))

    def _on_document_graph_replaced(self) -> None:
        """Another design: forget the previous one's run, checkpoint and history."""
        self._foreign = self._foreign or self._hook is not None
        self._hook = None
        self._refresh.stop()
        self.history.clear()
        self.classes = ()
        self.design_replaced.emit()
        self.use_design()

    def _on_document_analysis_changed(self, _analysis) -> None:
        """An edit: a run's weights no longer describe the design on the canvas (stale)."""
        if self._subject_shape is None:
            if self.subject.design != self.document.graph.name:  # renamed
                self._set_subject(ViewSubject(self.document.graph.name), reask=False)
            return
        stale = self._design_shape.of(self.document.graph) != self._subject_shape
        subject = self.subject.edited(stale).named(self.document.graph.name)
        if subject != self.subject:
            self.subject = subject
            self.subject_changed.emit(subject)

    # ----------------------------------------------------------------- requests
    def request(self, kind: str, **params) -> int:
        """Ask for a probe; the answer comes as result_ready with this request id."""
        request = ProbeRequest(kind, params)
        if self.live:
            self._hook.submit(request)
        else:
            spec = ModelSpec.of_graph(self.document.graph, self._checkpoint,
                                      strict=self.subject.kind == CHECKPOINT)
            job = self.worker.submit(self.backend.run, spec, request, self._progress_relay.emit)
            self._jobs[job] = request.request_id
        return request.request_id

    def cancel(self, request_id: int) -> None:
        """Stop a long request (an explanation) after its current unit of work."""
        from ...training.explain import cancel

        cancel(request_id)

    def _on_progress_relay(self, event: object) -> None:
        self.progress.emit(event)

    def _on_worker_finished(self, job: int, result: object) -> None:
        self._jobs.pop(job, None)
        if isinstance(result, ProbeResult):
            self._deliver(result)

    def _on_worker_failed(self, job: int, message: str) -> None:
        request_id = self._jobs.pop(job, -1)
        self._deliver(ProbeResult(request_id, "", {}, -1, f"the probe failed: {message.splitlines()[0]}"))

    def _deliver(self, result: ProbeResult) -> None:
        if result.data.get("classes"):
            self.classes = tuple(result.data["classes"])
        self.result_ready.emit(result)

    # ----------------------------------------------------------------- training
    def attach_training(self, hook: ProbeHook, run: str = "") -> None:
        """A run of the design on the canvas starts: requests go to ``hook`` until
        ``detach_training``."""
        self._hook, self._foreign = hook, False
        self.history.clear()
        self._refresh.start()
        self._checkpoint = ""
        self._set_subject(ViewSubject(self.document.graph.name, LIVE, run or "a run"))

    def detach_training(self, checkpoint: str | None = None, epochs_done: int | None = None) -> None:
        """The run ended: later requests use ``checkpoint`` (its last weights) if given. A
        run of a design no longer on the canvas changes nothing."""
        if self._foreign:
            return
        self._hook = None
        self._refresh.stop()
        if self.subject.kind != LIVE:  # the user chose other weights meanwhile: they stay
            return
        run = self.subject.run
        if checkpoint:
            self._checkpoint = str(checkpoint)
            subject = ViewSubject(self.subject.design, RUN, run, str(checkpoint), epochs_done)
        else:  # failed before saving anything: the views show what the design starts from
            self._checkpoint = ""
            subject = ViewSubject(self.subject.design, INITIAL)
        shape = self._subject_shape
        self._set_subject(subject)
        if shape is not None and subject.trained:  # stale against the design that trained
            self._subject_shape = shape
            self._on_document_analysis_changed(None)

    def handle_event(self, event: object) -> None:
        """Feed one event of the training loop (on the GUI thread); events of a run of a
        design no longer on the canvas are ignored."""
        if self._foreign:
            return
        if isinstance(event, ProbeResult):
            self._deliver(event)
        elif isinstance(event, Progress):
            self.progress.emit(event)
        elif isinstance(event, StepMetrics):
            self.history.add_loss(event.step, event.loss)
            self._touch()
        elif isinstance(event, Snapshot):
            self.history.add_snapshot(event)
            self._touch()
        elif isinstance(event, HealthSample):
            self.history.health.add(event)
            self._touch()
        elif isinstance(event, LossCheck):
            self.history.loss_check = event
            self._touch()
        elif isinstance(event, RunStarted):
            self.classes = tuple(event.classes)
            if event.start_step == 0:
                self.history.clear()
                self._touch()
        elif isinstance(event, Finished):
            self.detach_training(event.last_checkpoint or event.best_checkpoint or None, event.epochs_done)
        elif isinstance(event, Failed):
            self.detach_training(event.last_checkpoint or None)

    def _touch(self) -> None:
        """history_changed soon: at most once per HISTORY_MS however many events arrive."""
        if not self._history_timer.isActive():
            self._history_timer.start()

    def shutdown(self) -> None:
        """Stop timers and wait for the probe worker (closing the window); long requests
        (explanations) stop after their current unit."""
        self._refresh.stop()
        for request_id in self._jobs.values():
            self.cancel(request_id)
        self.worker.shutdown()


def _single_shot(parent: QObject, msecs: int, slot) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(msecs)
    timer.timeout.connect(slot)
    return timer
