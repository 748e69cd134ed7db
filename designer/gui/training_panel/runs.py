"""Runs as the training panel keeps them: the frozen design and settings, status, curves.

A Run holds its curves in growing numpy buffers (amortised O(1) appends, views without
copies for the plots), so a run of 100,000 reported steps costs a few megabytes and plots
redraw from arrays. No Qt and no torch here: the session feeds events in, the plots and the
CSV export read the arrays out.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core.atomic_write import write_text
from ...training.events import (EpochMetrics, Failed, Finished, Note, Paused, Resumed, RunStarted,
                                StepMetrics)

#: Colours given to runs in turn (the plots overlay runs in these).
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#7f7f7f", "#bcbd22")
STEP_COLUMNS = ("x", "step", "loss", "accuracy", "lr", "samples_per_second")
EPOCH_COLUMNS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr",
                 "samples_per_second", "epoch_time_s")
ENDED = ("completed", "stopped", "early_stopping", "failed")


class Series:
    """Named float columns that grow by appending rows; ``column(name)`` is a view."""

    def __init__(self, columns: tuple[str, ...], capacity: int = 256) -> None:
        self.columns = columns
        self._index = {name: i for i, name in enumerate(columns)}
        self._data = np.full((len(columns), capacity), np.nan)
        self.n = 0
        self.version = 0  # changes with every append or truncation (plots redraw on change)

    def __len__(self) -> int:
        return self.n

    def append(self, *values: float) -> None:
        if self.n == self._data.shape[1]:
            grown = np.full((len(self.columns), 2 * self.n), np.nan)
            grown[:, :self.n] = self._data
            self._data = grown
        self._data[:, self.n] = values
        self.n += 1
        self.version += 1

    def extend(self, rows: np.ndarray) -> None:
        """Append many rows at once ([n, columns]; a run read back from its record)."""
        rows = np.asarray(rows, float).reshape(-1, len(self.columns))
        need = self.n + len(rows)
        if need > self._data.shape[1]:
            grown = np.full((len(self.columns), max(need, 2 * self.n)), np.nan)
            grown[:, :self.n] = self._data[:, :self.n]
            self._data = grown
        self._data[:, self.n:need] = rows.T
        self.n = need
        self.version += 1

    def column(self, name: str) -> np.ndarray:
        return self._data[self._index[name], :self.n]

    def truncate(self, name: str, limit: float) -> None:
        """Drop the rows from the first whose ``name`` exceeds ``limit`` on (a resumed run
        goes on from its checkpoint, which may be older than the last rows shown)."""
        over = np.flatnonzero(self.column(name) > limit)
        if len(over):
            self.n = int(over[0])
            self.version += 1

    def rows(self) -> np.ndarray:
        """[n, columns] copy (for export)."""
        return self._data[:, :self.n].T.copy()


def structure(design: dict) -> tuple:
    """What decides the trained model: layers, their parameters and connections (not the
    positions, names or training settings)."""
    nodes = sorted((n["id"], n["type"], repr(sorted(n.get("params", {}).items())))
                   for n in design.get("nodes", ()))
    edges = sorted((e["from"], e["to"], e.get("port", 0)) for e in design.get("edges", ()))
    return tuple(nodes), tuple(edges)


@dataclass(eq=False)
class Run:
    """One training run (or a run resumed several times): what it trained and what it showed."""

    number: int
    design: dict = field(repr=False)
    config: dict = field(repr=False)
    folder: Path | None = None
    name: str = ""
    color: str = PALETTE[0]
    status: str = "starting"
    message: str = ""
    stale: bool = False
    other_design: str = ""  # set when another design is opened while this run trains
    design_path: str = ""  # the design file it was trained from ("" when unsaved)
    created: float = 0.0  # time.time() when it was started
    visible: bool = True
    started: RunStarted | None = field(default=None, repr=False)
    ended: Finished | Failed | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list, repr=False)
    steps: Series = field(default_factory=lambda: Series(STEP_COLUMNS), repr=False)
    epochs: Series = field(default_factory=lambda: Series(EPOCH_COLUMNS), repr=False)

    def __post_init__(self) -> None:
        self.shape = structure(self.design)

    # ----------------------------------------------------------------- events
    def add(self, event) -> bool:
        """Fold one event in; True when the curves grew."""
        if isinstance(event, StepMetrics):
            x = event.epoch - 1 + event.progress
            self.steps.append(x, event.step, event.loss, event.accuracy, event.lr,
                              event.samples_per_second)
            return True
        if isinstance(event, EpochMetrics):
            self.epochs.append(event.epoch, event.train_loss, event.train_accuracy, event.val_loss,
                               event.val_accuracy, event.lr, event.samples_per_second,
                               event.epoch_time_s)
            return True
        self._lifecycle(event)
        return False

    def _lifecycle(self, event) -> None:
        if isinstance(event, RunStarted):
            self.started, self.status, self.ended = event, "running", None
            self.steps.truncate("step", event.start_step)
            self.epochs.truncate("epoch", event.start_epoch)
        elif isinstance(event, Paused):
            self.status = "paused"
        elif isinstance(event, Resumed):
            self.status = "running"
        elif isinstance(event, Note):
            self.notes.append(event.text)
        elif isinstance(event, Finished):
            self.ended, self.status = event, event.reason
            self.message = finished_text(event)
        elif isinstance(event, Failed):
            self.ended, self.status, self.message = event, "failed", event.message

    # ----------------------------------------------------------------- facts
    @property
    def active(self) -> bool:
        return self.status not in ENDED

    def checkpoint(self, kind: str) -> Path | None:
        """``kind`` "best" or "last": the checkpoint file if the run wrote it."""
        if self.folder is None:
            return None
        path = self.folder / f"{kind}.pt"
        return path if path.is_file() else None

    @property
    def resumable(self) -> bool:
        """Stopped (or failed) part-way with a last checkpoint: it can go on exactly."""
        return not self.active and self.status != "completed" and self.checkpoint("last") is not None

    def same_design(self, shape: tuple) -> bool:
        return self.shape == shape

    def summary(self) -> str:
        """One line for the run list: settings and the best validation result."""
        cfg = self.config
        if cfg:
            data = (cfg.get("data") or {}).get("name", "digits")
            text = (f"{cfg.get('optimizer', 'adam')} lr {cfg.get('lr', 1e-3):g}, batch "
                    f"{cfg.get('batch_size', 64)}, {data}")
        else:
            text = "the checkpoint's settings"
        accuracy = self.epochs.column("val_accuracy")
        if np.isfinite(accuracy).any():
            text += f" · best val acc {np.nanmax(accuracy):.1%}"
        return text

    # ----------------------------------------------------------------- export
    def write_csv(self, path: str | Path) -> Path:
        """Both curves in one table: a ``kind`` column says "step" or "epoch"; x is in epochs."""
        path = Path(path)
        header = ["kind", "epoch", "step", "loss", "accuracy", "val_loss", "val_accuracy", "lr",
                  "samples_per_second", "epoch_time_s"]
        fh = io.StringIO(newline="")  # built in memory, then written atomically
        out = csv.writer(fh)
        out.writerow(header)
        for x, step, loss, acc, lr, rate in self.steps.rows():
            out.writerow(["step", _num(x), _int(step), _num(loss), _num(acc), "", "", _num(lr),
                          _num(rate), ""])
        for epoch, tl, ta, vl, va, lr, rate, secs in self.epochs.rows():
            out.writerow(["epoch", _int(epoch), "", _num(tl), _num(ta), _num(vl), _num(va),
                          _num(lr), _num(rate), _num(secs)])
        write_text(path, fh.getvalue())
        return path


def _num(value: float) -> str:
    return "" if not math.isfinite(value) else f"{value:.6g}"


def _int(value: float) -> str:
    return "" if not math.isfinite(value) else str(int(value))


def finished_text(event: Finished) -> str:
    """A Finished event in words: why it ended, how long, the best epoch."""
    reason = {"completed": "Finished", "stopped": "Stopped",
              "early_stopping": "Stopped early (no progress)"}.get(event.reason, event.reason)
    epochs = f"{event.epochs_done} epoch{'s' if event.epochs_done != 1 else ''}"
    steps = f"{event.steps_done:,} step{'s' if event.steps_done != 1 else ''}"
    text = f"{reason} after {epochs}, {steps}, {event.train_time_s:.1f} s"
    if event.best_epoch:
        acc = event.best_val_accuracy
        text += f"; best validation loss {event.best_val_loss:.4f}"
        text += f" (accuracy {acc:.1%})" if math.isfinite(acc) else ""
        text += f" at epoch {event.best_epoch}"
    if event.unsaved_epochs:  # a full or read-only disk during the run
        text += (f". The checkpoints of epoch(s) {', '.join(map(str, event.unsaved_epochs))} "
                 f"could not be saved")
    return text + "."
