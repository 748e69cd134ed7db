"""Crash recovery: the open design is autosaved every 30 s to a recovery file, removed on a
clean exit, and offered on the next start when its owner died without cleaning up.

Each running window holds a QLockFile next to its recovery file. A recovery file whose lock
can be taken belongs to a process that is gone (Qt treats a lock of a dead process as stale),
so two windows open at the same time never offer each other's autosave.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer

from ..core import serialize
from ..core.graph import Graph

AUTOSAVE_INTERVAL_MS = 30_000
FORMAT = "designer.recovery"


def default_folder() -> Path:
    """<AppDataLocation>/recovery (e.g. ~/.local/share/Designer/Designer/recovery)."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "recovery"


@dataclass(frozen=True)
class Recovered:
    """An autosave left behind by a window that did not close cleanly."""

    file: Path
    graph: Graph
    original: Path | None
    saved_at: float

    @property
    def title(self) -> str:
        return self.original.name if self.original else self.graph.name


class RecoveryStore:
    """The recovery file of this window (write/remove) and the orphans of dead ones."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()
        self.session = uuid.uuid4().hex[:12]
        self.file = self.folder / f"autosave-{self.session}.json"
        self._lock: QLockFile | None = None

    def write(self, graph: Graph, original: Path | None) -> None:
        """Write the design atomically, taking this session's lock on first use."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._lock is None:
            self._lock = _lock_for(self.file)
            self._lock.tryLock(0)
        data = {"format": FORMAT, "original": str(original) if original else None,
                "saved_at": time.time(), "design": serialize.to_dict(graph)}
        serialize.write_text_atomic(self.file, json.dumps(data, ensure_ascii=False))

    def remove(self) -> None:
        """The design is safe (saved, or closed on purpose): drop the recovery file."""
        self.file.unlink(missing_ok=True)
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    def orphans(self) -> list[Recovered]:
        """Readable recovery files of windows that are gone, newest first."""
        found = []
        for file in self.folder.glob("autosave-*.json") if self.folder.is_dir() else ():
            if file == self.file or not _owner_is_gone(file):
                continue
            recovered = read(file)
            if recovered is None:
                file.unlink(missing_ok=True)  # unreadable: nothing to offer
            else:
                found.append(recovered)
        return sorted(found, key=lambda r: -r.saved_at)


def read(file: Path) -> Recovered | None:
    """The design in a recovery file, or None if it cannot be read."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        graph = serialize.from_dict(data["design"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    original = data.get("original")
    return Recovered(file, graph, Path(original) if original else None, float(data.get("saved_at", 0)))


def discard(recovered: Recovered) -> None:
    recovered.file.unlink(missing_ok=True)
    _lock_for(recovered.file).removeStaleLockFile()


def _lock_for(file: Path) -> QLockFile:
    lock = QLockFile(str(file.with_suffix(".lock")))
    lock.setStaleLockTime(0)  # never stale by age: only a dead owner frees it
    return lock


def _owner_is_gone(file: Path) -> bool:
    lock = _lock_for(file)
    if lock.tryLock(0):
        lock.unlock()
        return True
    return False


class Autosaver(QObject):
    """Writes the document to its recovery file every ``interval_ms`` while it has unsaved
    changes, and removes the file once the document is saved or closed cleanly."""

    def __init__(self, document, store: RecoveryStore, interval_ms: int = AUTOSAVE_INTERVAL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.store = store
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.save_now)
        self._timer.start()
        document.analysis_changed.connect(self._on_document_analysis_changed)
        document.modified_changed.connect(self._on_document_modified_changed)

    def save_now(self) -> bool:
        """Autosave if there are changes since the last autosave; True if written."""
        if not (self._dirty and self.document.modified):
            return False
        try:
            self.store.write(self.document.graph, self.document.path)
        except OSError:
            return False  # a full disk must not interrupt editing; the next tick retries
        self._dirty = False
        return True

    def clean_exit(self) -> None:
        self._timer.stop()
        self.store.remove()

    def _on_document_analysis_changed(self, analysis) -> None:
        self._dirty = True  # analysis follows every change, merged spin-box steps included

    def _on_document_modified_changed(self, modified: bool) -> None:
        if not modified:
            self.store.remove()
