"""The run list follows the design on the canvas, and outlives the app.

A mixin of TrainingSession. When another design is opened, created or reverted, the runs of
the previous design leave the list (a run still training stays, marked as another design's,
and never feeds the views), the new design's runs are read back from their folders with
their curves (run_store), and the views are offered the newest run's last weights when that
run trained the design as it is. Every run writes its record as it starts, at each epoch
and when it ends, so the list survives a restart or a crash.
"""

from __future__ import annotations

import re
import time

from . import run_store
from .runs import Run

CURVES_EVERY_EPOCH = 20_000  # rewrite curves.csv at each epoch up to this many step rows


class DesignRuns:
    """Mixin: needs ``document``, ``viewers``, ``runs``, ``current``, ``worker``,
    ``checkpoint_root``, ``_numbers``, ``_shape`` and the session's signals."""

    def _connect_design_runs(self) -> None:
        self._runs_graph = self.document.graph  # the design the listed runs belong to
        self.document.graph_replaced.connect(self._on_document_graph_replaced)
        self.document.path_changed.connect(self._on_document_path_changed)

    # ----------------------------------------------------------------- another design
    def _on_document_graph_replaced(self) -> None:
        graph = self._runs_graph = self.document.graph
        active = self.current if self.current is not None and self.worker.busy else None
        self.current = active
        self.runs = []
        loaded = self._load_design_runs(skip=active.folder if active is not None else None)
        if active is not None:  # still training: listed, as this design's or another's
            mine = self._trained_this_design(active)
            active.other_design = "" if mine else (active.design.get("name") or "another design")
            self.runs.append(active)
        self.runs_changed.emit()
        for run in self.runs:
            self.run_changed.emit(run)
        if active is not None and not active.other_design:
            self._follow_live(active)
        else:
            self._show_last_run(loaded)

    def _trained_this_design(self, run: Run) -> bool:
        """Whether ``run`` trains the design now on the canvas (its file; or, unsaved, its
        name and structure)."""
        if self.document.path is not None:
            return run.design_path == run_store.design_path_text(self.document.path)
        return (not run.design_path and run.design.get("name") == self.document.graph.name
                and run.same_design(self._shape))

    def _follow_live(self, run: Run) -> None:
        """The design of the run still training is back on the canvas: the views follow it."""
        hook = getattr(self, "_probe_hook", None)
        if self.viewers is not None and hook is not None:
            self.viewers.attach_training(hook, run.name)

    def _load_design_runs(self, skip=None) -> list[Run]:
        graph = self.document.graph
        loaded = []
        skipped = run_store.design_path_text(skip) if skip is not None else ""
        for meta in run_store.find_runs(self.checkpoint_root, self.document.path, graph.name,
                                         lambda: self._shape):
            if skipped and run_store.design_path_text(meta["folder"]) == skipped:
                continue  # the run still training (already listed)
            self._numbers += 1
            run = run_store.load_run(meta, self._numbers)
            if run is None:
                continue
            run.design_path = str(meta.get("design_path") or "")
            run.stale = not run.same_design(self._shape)
            loaded.append(run)
        self.runs.extend(loaded)
        return loaded

    def _show_last_run(self, loaded: list[Run]) -> None:
        """The views show the last weights of the newest run that left some and trained this
        design as it is (a run that failed before saving anything is passed over)."""
        if self.viewers is None:
            return
        for run in reversed(loaded):
            checkpoint = run.checkpoint("last")
            if checkpoint is not None and not run.stale:
                self.viewers.use_run(checkpoint, run.name, run_store.epochs_done(run))
                return

    def _next_run_name(self) -> str:
        """``Run N`` numbered among this design's runs (those read back included)."""
        numbers = [int(m.group(1)) for run in self.runs if not run.other_design
                   for m in [re.match(r"Run (\d+)", run.name)] if m]
        return f"Run {max(numbers, default=0) + 1}"

    # ----------------------------------------------------------------- records
    def _on_document_path_changed(self, path) -> None:
        """Saved under a (new) name: this design's runs now belong to that file. (Opening a
        file changes the path too, before the new design's runs are read: nothing to do.)"""
        if self.document.graph is not self._runs_graph:
            return
        for run in self.runs:
            if not run.other_design and run.design_path != run_store.design_path_text(path):
                run.design_path = run_store.design_path_text(path)
                self._record(run, curves=False)

    def _record_started(self, run: Run) -> None:
        if not run.created:
            run.created = time.time()
            run.design_path = run_store.design_path_text(self.document.path)
        self._record(run, curves=False)

    def _record(self, run: Run, curves: bool = True) -> None:
        """Write the run's record; a folder that cannot be written is said once, plainly."""
        try:
            run_store.save_run(run, run.design_path or None, curves=curves)
        except OSError as exc:
            if not getattr(run, "_record_failed", False):
                run._record_failed = True
                self.message_changed.emit(f"The run's record could not be saved in {run.folder} "
                                          f"({exc.strerror or exc}); it will not be listed after a "
                                          f"restart.", "warning")

    def _record_epoch(self, run: Run) -> None:
        self._record(run, curves=len(run.steps) <= CURVES_EVERY_EPOCH)
