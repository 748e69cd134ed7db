"""Runs kept on disk beside their checkpoints, so the run list survives a restart.

Each run's folder (``<runs root>/<design>-<time>-<n>/``, where the loop writes best.pt and
last.pt) also gets ``run.json`` (name, status, message, settings, which design: its file
path and structure), ``design.json`` (the frozen design it trained) and ``curves.csv``
(its curves, the CSV export's format). When a design is opened, ``find_runs`` reads these
back: the runs of that design file (or, for an unsaved design, of a design with the same
name and structure), oldest first, with their curves. Plain files only: no Qt, no torch,
so the GUI thread can read them without loading torch.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import time
from pathlib import Path

import numpy as np

from ...core.serialize import write_text_atomic
from .runs import ENDED, PALETTE, Run

RUN_FILE, DESIGN_FILE, CURVES_FILE = "run.json", "design.json", "curves.csv"
FORMAT = "designer.run"
MAX_RUNS = 30  # a design's newest runs listed when it opens


def shape_digest(shape: tuple) -> str:
    return hashlib.sha1(repr(shape).encode()).hexdigest()


def design_path_text(path: Path | str | None) -> str:
    return str(Path(path).resolve()) if path else ""


def save_run(run: Run, design_path: Path | str | None, curves: bool = True) -> None:
    """Write the run's record (and its curves) into its folder; OSError if it cannot."""
    if run.folder is None:
        return
    folder = Path(run.folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / DESIGN_FILE).exists():
        write_text_atomic(folder / DESIGN_FILE, json.dumps(run.design))
    if curves:  # the CSV export's format, written beside and renamed over (atomic)
        scratch = folder / (CURVES_FILE + ".part")
        run.write_csv(scratch)
        os.replace(scratch, folder / CURVES_FILE)
    meta = {"format": FORMAT, "version": 1, "name": run.name, "status": run.status,
            "message": run.message, "notes": list(run.notes), "config": run.config,
            "design_name": run.design.get("name", ""), "design_path": design_path_text(design_path),
            "shape": shape_digest(run.shape), "epochs_done": epochs_done(run),
            "saved": time.time(), "created": getattr(run, "created", time.time())}
    write_text_atomic(folder / RUN_FILE, json.dumps(meta, indent=1))


def epochs_done(run: Run) -> int:
    epochs = run.epochs.column("epoch")
    return int(epochs[-1]) if len(epochs) and math.isfinite(epochs[-1]) else 0


def find_runs(root: Path | str, design_path: Path | str | None, design_name: str,
              shape) -> list[dict]:
    """The records (run.json contents plus ``folder``) of the design's runs, oldest first.

    A saved design's runs are those trained from the same file; an unsaved design's, those
    of an unsaved design with the same name and structure. Unreadable records are skipped.
    ``shape``: the design's structure, or a function giving it — called only for an unsaved
    design with runs on disk (opening a 5,000-node design computed it for nothing).
    """
    root = Path(root)
    if not root.is_dir():
        return []
    wanted_path = design_path_text(design_path)
    digest = None if wanted_path else shape_digest(shape() if callable(shape) else shape)
    found = []
    for record in root.glob(f"*/{RUN_FILE}"):
        meta = _read_json(record)
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            continue
        if wanted_path:
            mine = meta.get("design_path") == wanted_path
        else:
            mine = (not meta.get("design_path") and meta.get("design_name") == design_name
                    and meta.get("shape") == digest)
        if mine:
            meta["folder"] = str(record.parent)
            found.append(meta)
    found.sort(key=lambda m: (float(m.get("created") or 0), m["folder"]))
    return found[-MAX_RUNS:]


def load_run(meta: dict, number: int) -> Run | None:
    """A Run from its record, with its curves; None when its design cannot be read."""
    folder = Path(meta["folder"])
    design = _read_json(folder / DESIGN_FILE)
    if not isinstance(design, dict):
        return None
    run = Run(number, design, meta.get("config") or {}, folder, str(meta.get("name") or f"Run {number}"),
              PALETTE[(number - 1) % len(PALETTE)])
    run.created = float(meta.get("created") or 0)
    run.status, run.message = str(meta.get("status", "stopped")), str(meta.get("message", ""))
    run.notes = [str(n) for n in meta.get("notes", [])]
    if run.status not in ENDED:  # the app closed while it trained
        run.status = "stopped" if run.checkpoint("last") else "failed"
        run.message = ("The app closed during this run; " + ("last.pt keeps its last weights: "
                       "Resume goes on from there." if run.checkpoint("last") else "nothing was saved."))
    read_curves(run, folder)
    return run


def read_curves(run: Run, folder: Path | str) -> None:
    """Append the curves recorded in ``folder`` (if any) to ``run``'s."""
    _read_curves(run, Path(folder) / CURVES_FILE)


STEP_FIELDS = ("epoch", "step", "loss", "accuracy", "lr", "samples_per_second")
EPOCH_FIELDS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "samples_per_second",
                "epoch_time_s")


def _read_curves(run: Run, path: Path) -> None:
    """Fill the run's step and epoch series from curves.csv (Run.write_csv's columns)."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            where = {name: i for i, name in enumerate(header)}
            steps_at = [where[f] for f in STEP_FIELDS]
            epochs_at = [where[f] for f in EPOCH_FIELDS]
            kind = where["kind"]
            steps, epochs = [], []
            for row in reader:
                if row[kind] == "step":
                    steps.append([row[i] for i in steps_at])
                elif row[kind] == "epoch":
                    epochs.append([row[i] for i in epochs_at])
        step_rows, epoch_rows = _numbers(steps), _numbers(epochs)
    except (OSError, ValueError, KeyError, IndexError, StopIteration, csv.Error):
        return  # the curves are lost; the run and its checkpoints are still listed
    if len(step_rows):
        run.steps.extend(step_rows)
    if len(epoch_rows):
        run.epochs.extend(epoch_rows)


def _numbers(rows: list[list[str]]) -> np.ndarray:
    """CSV cells as floats in one numpy pass ("" is NaN); ValueError on a non-number."""
    if not rows:
        return np.zeros((0, 0))
    cells = np.array(rows, dtype=object)
    cells[cells == ""] = "nan"
    return cells.astype(float)


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
