"""Two windows, one file: who else has a design open, and did it change on disk?

Each window holds a lock for the design file it shows: a QLockFile named after the file's
real path, in the app's data folder (next to the recovery files), so read-only folders and
shared drives are not littered and a symlinked path is the same file. Qt writes the owner's
process id and host into the lock and treats the lock of a dead process as free, so a crash
leaves nothing that blocks the next start.

Opening a file another live window holds asks first. Saving over a file whose content
changed on disk since this window opened (or last saved) it asks first as well, as Qt
Creator does: the other window's or program's work is not silently overwritten. Touching a
file without changing it does not count (the content digest decides).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QLockFile, QObject
from PySide6.QtWidgets import QMessageBox, QWidget


@dataclass(frozen=True)
class DiskStamp:
    """What a file looked like when this window last read or wrote it."""

    mtime_ns: int
    size: int
    digest: str

    @classmethod
    def of(cls, path: Path) -> "DiskStamp | None":
        try:
            info = path.stat()
            return cls(info.st_mtime_ns, info.st_size, _digest(path))
        except OSError:
            return None

    def differs_from(self, path: Path) -> bool:
        """True when ``path`` now holds other content (a deleted file does not count)."""
        try:
            info = path.stat()
        except OSError:
            return False
        if (info.st_mtime_ns, info.st_size) == (self.mtime_ns, self.size):
            return False
        try:
            return _digest(path) != self.digest
        except OSError:
            return False


def _digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _ask(parent: QWidget | None, title: str, text: str, yes: str) -> bool:
    """A warning question whose accepting button is ``yes`` ("Open" or "Save")."""
    Button = QMessageBox.StandardButton
    accept = Button.Open if yes == "Open" else Button.Save
    return QMessageBox.warning(parent, title, text, accept | Button.Cancel, Button.Cancel) == accept


class FileGuard(QObject):
    """The lock and disk stamp of the file one window shows; asks before risky steps.

    ``ask(parent, title, text, yes_label) -> bool`` shows the question (tests replace it)."""

    def __init__(self, folder: str | Path, parent: QObject | None = None,
                 ask: Callable[[QWidget | None, str, str, str], bool] = _ask) -> None:
        super().__init__(parent)
        self.folder = Path(folder)
        self.ask = ask
        self.path: Path | None = None
        self.stamp: DiskStamp | None = None
        self._lock: QLockFile | None = None

    # ------------------------------------------------------------ questions
    def confirm_open(self, parent: QWidget | None, path: str | Path) -> bool:
        """True to go on opening ``path``: no other window has it, or the user says so."""
        path = Path(path)
        if self.path is not None and _same(path, self.path):
            return True
        owner = self.other_owner(path)
        if owner is None:
            return True
        return self.ask(parent, "Already open",
                        f"{path.name} is already open in another Designer window ({owner}).\n\n"
                        f"If both windows save, one overwrites the other's changes. Open it "
                        f"here too?", "Open")

    def confirm_save(self, parent: QWidget | None, path: str | Path) -> bool:
        """True to go on saving over ``path``: unchanged on disk since read, or the user says so."""
        path = Path(path)
        if self.stamp is None or self.path is None or not _same(path, self.path):
            return True
        if not self.stamp.differs_from(path):
            return True
        return self.ask(parent, "File changed on disk",
                        f"{path.name} was changed on disk since this window opened it (by another "
                        f"window or program).\n\nOverwrite those changes with this design?",
                        "Save")

    def other_owner(self, path: str | Path) -> str | None:
        """'process 123 on host' when another live window holds ``path``, else None."""
        lock = self._lock_for(Path(path))
        if lock.tryLock(0):
            lock.unlock()
            return None
        if lock.error() != QLockFile.LockError.LockFailedError:
            return None  # no lock folder, or not ours to read: nobody can be told anyway
        info = lock.getLockInfo()  # PySide6: (pid, hostname, appname)
        pid, host = (info[-3], info[-2]) if isinstance(info, tuple) and len(info) >= 3 else (0, "")
        if not pid:
            return "another process"
        return f"process {pid}" + (f" on {host}" if host else "")

    # ------------------------------------------------------------ state
    def track(self, path: str | Path | None) -> None:
        """This window now shows ``path`` as on disk (after open or save); None: no file."""
        path = Path(path) if path is not None else None
        if path is None or self.path is None or not _same(path, self.path):
            self.release()
            self.path = path
            if path is not None:
                self._take(path)
        self.stamp = DiskStamp.of(path) if path is not None else None

    def release(self) -> None:
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None
        self.path, self.stamp = None, None

    def _take(self, path: Path) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return  # no lock folder: the window still works, it only cannot warn others
        lock = self._lock_for(path)
        if lock.tryLock(0):  # opened anyway while another holds it: that one keeps the lock
            self._lock = lock

    def _lock_for(self, path: Path) -> QLockFile:
        key = hashlib.sha1(os.path.realpath(path).encode("utf-8", "surrogatepass")).hexdigest()[:20]
        lock = QLockFile(str(self.folder / f"{key}.lock"))
        lock.setStaleLockTime(0)  # never stale by age: only a dead owner frees it
        return lock


def _same(a: Path, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)
