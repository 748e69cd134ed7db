"""TrainingSession: the training panel's state, and the one place that drives the worker.

It reads the settings from the design (``graph.training``) and changes them only through
undoable edits; it starts runs on a frozen copy of the design (serialized when Train is
pressed), feeds their events to the runs, the progress line and the viewers, and marks
runs stale when the design changes under them. ``checks`` (BackgroundChecks) asks the task
thread for the dataset catalog, whether the data fit, previews and free memory.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Signal

from ...core.serialize import to_dict
from ...training.augment import AugmentError
from ...training.config import ConfigError, TrainingConfig
from ...training.events import EpochMetrics, Failed, Note, Paused, Resumed, RunStarted, StepMetrics
from ...training.schedules import ScheduleError
from ..workers import TrainingWorker
from . import messages, run_store
from .checks import BackgroundChecks
from .config_edit import SetTraining
from .design_runs import DesignRuns
from .progress import Progress
from .design_shape import DesignShape
from .runs import PALETTE, Run
from .start_weights import random_frozen_reminder


def default_checkpoint_root() -> Path:
    """Where runs keep best.pt and last.pt: the app's data folder, runs/."""
    location = QStandardPaths.StandardLocation.AppLocalDataLocation
    base = QStandardPaths.writableLocation(location) or str(Path.home() / ".designer")
    return Path(base) / "runs"


def _slug(name: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in name.strip().lower())
    return stem.strip("_")[:40] or "design"


class TrainingSession(QObject, DesignRuns):
    runs_changed = Signal()  # a run was added or removed
    run_changed = Signal(object)  # a Run's status, message or stale mark changed
    curves_changed = Signal(object)  # a Run's curves grew
    state_changed = Signal(str)  # idle, starting, training, paused, stopping, lr_test
    progress_changed = Signal(str, float)  # text, fraction done
    message_changed = Signal(str, str)  # text, level: "", "info", "warning", "error"
    refused = Signal(str)  # Train was asked for but cannot start: why, in words
    config_changed = Signal(object)  # the TrainingConfig now in the design
    lr_test_finished = Signal(object)  # LRRangeResult
    lr_test_failed = Signal(str)

    def __init__(self, document, viewers=None, checkpoint_root: str | Path | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.viewers = document, viewers
        self.checkpoint_root = Path(checkpoint_root) if checkpoint_root else default_checkpoint_root()
        self.worker = TrainingWorker(self)
        self.checks = BackgroundChecks(document, lambda: self.config, self)
        self.runs: list[Run] = []
        self.current: Run | None = None
        self.progress = Progress()
        self.config_error = ""
        self._numbers = 0
        self._stopping = False
        self._cache: tuple[dict, TrainingConfig] | None = None
        self._shown = self.config  # the settings the forms show
        self._design_shape = DesignShape()  # the design's structure, computed when asked
        #: Callables (design dict) -> a probe or None, asked for each run (the Playground's).
        self.probe_factories: list = []
        self._connect()

    def _connect(self) -> None:
        self.document.analysis_changed.connect(self._on_document_analysis_changed)
        self.worker.events.connect(self._on_worker_events)
        self.worker.job_ended.connect(self._on_worker_job_ended)
        self.worker.busy_changed.connect(lambda _busy: self._emit_state())
        self.worker.lr_test_finished.connect(self.lr_test_finished)
        self.worker.lr_test_failed.connect(self.lr_test_failed)
        self.checks.failed.connect(lambda text: self.message_changed.emit(text, "error"))
        self._connect_design_runs()  # after the viewers' session: it resets them first

    @property
    def fit(self):
        """The latest answer to "do the data fit the design?" (a FitCheck, or None)."""
        return self.checks.fit

    def activate(self) -> None:
        """Start the background checks now (they start by themselves once the panel shows)."""
        self.checks.activate()

    # ----------------------------------------------------------------- settings
    @property
    def config(self) -> TrainingConfig:
        """The design's training settings (the defaults when they are invalid: see
        ``config_error``)."""
        training = self.document.graph.training
        if self._cache is None or self._cache[0] != training:
            try:
                config, self.config_error = TrainingConfig.from_dict(training), ""
            except ConfigError as exc:
                config = TrainingConfig()
                self.config_error = (f"The design's training settings are invalid ({exc}); the "
                                     f"form shows the defaults, and a change replaces them.")
            self._cache = (copy.deepcopy(training), config)
        return self._cache[1]

    def update_config(self, merge_key: str | None = None, **changes) -> bool:
        """Change settings as one undoable edit (edits of one ``merge_key`` in a row merge)."""
        try:
            new = self.config.updated(**changes).to_dict()
        except (ConfigError, ScheduleError, AugmentError, TypeError) as exc:
            self.message_changed.emit(f"Not changed: {exc}", "error")
            return False
        if new == self.document.graph.training:
            return False
        return self.document.push(SetTraining(new, merge_key=merge_key))

    def _on_document_analysis_changed(self, _analysis) -> None:
        config = self.config
        if config != self._shown:
            self._shown = config
            self.config_changed.emit(config)
        shape = self._shape if self.runs else None  # no runs: nothing to compare with
        for run in self.runs:
            stale = not run.same_design(shape)
            if stale != run.stale:
                run.stale = stale
                self.run_changed.emit(run)
        self.checks.design_changed()

    @property
    def _shape(self) -> tuple:
        """What decides the trained model of the design on the canvas (runs.structure)."""
        return self._design_shape.of(self.document.graph)

    # ----------------------------------------------------------------- state
    @property
    def state(self) -> str:
        if not self.worker.busy:
            return "idle"
        if self.worker.kind == "lr_test":
            return "lr_test"
        if self._stopping:
            return "stopping"
        if self.worker.paused:
            return "paused"
        return "starting" if self.current is None or self.current.started is None else "training"

    def _emit_state(self) -> None:
        self.state_changed.emit(self.state)

    # ----------------------------------------------------------------- runs
    def start(self) -> Run | None:
        """Train the design as it is now (a frozen copy) with its settings; None if refused."""
        if self.worker.busy:
            return None
        self.activate()
        config = self.config
        if self.config_error:
            self.refused.emit(self.config_error)
            return None
        fit = self.checks.current_fit()
        if fit is not None and not fit.ok:
            self.checks.fit_changed.emit(fit)
            self.refused.emit(messages.fit_text(fit))
            return None
        if config.weights and not Path(config.weights).is_file():
            self.refused.emit(f"The pretrained weights file {config.weights} is not there any more: "
                              f"choose it again (Starts from → Choose…) or Clear it.")
            return None
        name = f"{self._next_run_name()} (from {Path(config.weights).name})" if config.weights else ""
        run = self._new_run(to_dict(self.document.graph), config.to_dict(), name)
        self._launch(run, config=copy.deepcopy(run.config))
        return run

    def set_start_weights(self, path: str | Path) -> bool:
        """Make ``path`` (a state_dict or checkpoint file; "" for none) what every following
        Train starts from: the design's ``weights`` setting, one undoable edit."""
        path = str(Path(path).resolve()) if path else ""
        return self.update_config(None, weights=path)

    def _new_run(self, design: dict, config: dict, name: str = "") -> Run:
        self._numbers += 1
        n = self._numbers
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder = self.checkpoint_root / f"{_slug(design.get('name', ''))}-{stamp}-{n}"
        run = Run(n, design, config, folder, name or self._next_run_name(), PALETTE[(n - 1) % len(PALETTE)])
        run.stale = not run.same_design(self._shape)
        self.runs.append(run)
        self.runs_changed.emit()
        return run

    def resume(self, run: Run) -> bool:
        """Go on with a stopped run exactly where it stopped (its design and settings)."""
        if self.worker.busy or not run.resumable:
            return False
        self._launch(run, config=None, resume_from=str(run.checkpoint("last")))
        return True

    def continue_from(self, run: Run) -> Run | None:
        """A new run of the current design and settings, from ``run``'s best (or last) weights."""
        checkpoint = run.checkpoint("best") or run.checkpoint("last")
        if checkpoint is None:
            return None
        return self.from_checkpoint(checkpoint, resume=False, source=run.name)

    def from_checkpoint(self, path: str | Path, resume: bool, source: str = "") -> Run | None:
        """A run from a checkpoint file: ``resume`` goes on exactly (the file's settings, the
        same design, new checkpoints beside it); otherwise the current design and settings
        start from its weights (continue with changed hyperparameters)."""
        if self.worker.busy:
            return None
        self.activate()
        if not resume and self.config_error:
            self.refused.emit(self.config_error)
            return None
        path = Path(path)
        config = {} if resume else self.config.to_dict()
        name = f"{self._next_run_name()} ({'resumes' if resume else 'from'} {source or path.name})"
        run = self._new_run(to_dict(self.document.graph), config, name)
        if resume:
            run.folder = path.parent
            run_store.read_curves(run, run.folder)  # the curves so far, kept in its record
            self._launch(run, config=None, resume_from=str(path))
        else:
            self._launch(run, config=copy.deepcopy(config), continue_from=str(path))
        return run

    def remove(self, run: Run) -> bool:
        if run is self.current and self.worker.busy:
            return False
        self.runs.remove(run)
        if run.folder is not None:  # not listed again after a restart; checkpoints stay
            (run.folder / "run.json").unlink(missing_ok=True)
        if run is self.current:
            self.current = None
        self.runs_changed.emit()
        return True

    def _launch(self, run: Run, config: dict | None, **options) -> None:
        self.current, self._stopping = run, False
        run.status, run.message = "starting", ""
        self.progress = Progress()
        hook = self._attach_viewers(run)
        probes = [hook] if hook else []
        probes += [p for p in (make(run.design) for make in self.probe_factories) if p is not None]
        self.worker.start_training(copy.deepcopy(run.design), config,
                                   checkpoint_dir=str(run.folder), probes=probes, **options)
        self.run_changed.emit(run)
        self._record_started(run)
        self.message_changed.emit("", "")
        self.progress_changed.emit(self.progress.text(), 0.0)
        self._emit_state()

    def _attach_viewers(self, run: Run):
        if self.viewers is None:
            return None
        from ...training.probes import ProbeHook

        hook = self._probe_hook = ProbeHook()
        self.viewers.attach_training(hook, run.name)
        return hook

    # ----------------------------------------------------------------- steering
    def pause(self) -> None:
        if self.state == "training":
            self.worker.pause()
            self._emit_state()

    def resume_paused(self) -> None:
        if self.state == "paused":
            self.worker.resume()
            self._emit_state()

    def stop(self) -> None:
        """End the run after its current step (it saves last.pt); or cancel an LR test."""
        if self.worker.busy:
            self._stopping = self.worker.kind == "training"
            self.worker.stop()
            self._emit_state()

    def run_lr_test(self, steps: int = 100) -> bool:
        if self.worker.busy:
            return False
        self.activate()
        self.worker.start_lr_test(to_dict(self.document.graph), self.config.to_dict(), steps=steps)
        return True

    def shutdown(self, timeout_s: float = 1.0) -> bool:
        """Stop and join the worker threads (closing the window); True if they ended in time."""
        joined = self.worker.shutdown(timeout_s)
        self.checks.shutdown(timeout_s)
        return joined

    # ----------------------------------------------------------------- events of a run
    def _on_worker_events(self, events: list) -> None:
        run, grew = self.current, False
        for event in events:
            if self.viewers is not None:
                self.viewers.handle_event(event)
            if run is not None:
                grew = run.add(event) or grew
                self._follow(run, event)
        if grew:
            self.curves_changed.emit(run)
        self.progress_changed.emit(self.progress.text(), self.progress.fraction)

    def _follow(self, run: Run, event) -> None:
        if isinstance(event, StepMetrics):
            self.progress.stepped(event)
        elif isinstance(event, EpochMetrics):
            self.progress.epoch_ended(event)
            self.run_changed.emit(run)
            self._record_epoch(run)
        elif isinstance(event, RunStarted):
            self.progress.started(event)
            self.run_changed.emit(run)
            self._emit_state()
        elif isinstance(event, (Paused, Resumed)):
            self.progress.paused() if isinstance(event, Paused) else self.progress.resumed()
            self.run_changed.emit(run)
            self._emit_state()
        elif isinstance(event, Note) and event.level == "warning":
            text = event.text.rstrip(".")  # the loop's notes are lower-case clauses
            self.message_changed.emit(text[:1].upper() + text[1:] + ".", "warning")
        elif isinstance(event, Failed):
            self._failed(run, event)
        elif run.ended is event:
            self.run_changed.emit(run)
            self._record(run)
            where = f" Checkpoints (best.pt, last.pt) are in {run.folder}." if run.checkpoint("last") else ""
            of = f"{run.name} of “{run.other_design}”: " if run.other_design else ""
            self.message_changed.emit(of + run.message + where + random_frozen_reminder(run), "info")

    def _failed(self, run: Run, event: Failed) -> None:
        self.run_changed.emit(run)
        self._record(run)
        self.message_changed.emit(event.message, "error")
        if event.kind == "mismatch":
            self.checks.check_fit()

    def _on_worker_job_ended(self, kind: str) -> None:
        run = self.current
        if kind == "training" and run is not None and run.active:  # ended without a verdict
            run.status = "failed"
            self.run_changed.emit(run)
            self._record(run)
            if self.viewers is not None:
                self.viewers.detach_training(None)
        self._stopping = False
        self._emit_state()
        self.checks.request_memory()

    def adapt(self) -> bool:
        """Apply the adaptation offered by the latest check (one undoable edit)."""
        text = self.checks.adapt()
        if text:
            self.message_changed.emit(text, "error" if text.startswith("Adapting") else "info")
        return text.startswith("Adapted")
