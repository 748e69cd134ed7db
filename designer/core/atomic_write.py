"""The one way Designer writes a file: atomically, honestly and tidily.

Every output (design saves, autosave, exports, figures, checkpoints, CSV and PNG exports of
the window) goes through :func:`write_bytes` (or :func:`write_text`). The bytes are written
to a temporary file in the target's own folder, flushed and fsynced, renamed over the target
and the folder is fsynced. On any failure the old file is untouched, the temporary file is
removed and a :class:`WriteError` (an OSError) carries one line naming the path and the cause
("the disk is full", "the file system is read-only", ...).

Serialisers that write through C++ (torch.save, TorchScript, ONNX, safetensors) produce
bytes in memory first, so their failures are Python exceptions, never process aborts.

Kept on purpose: a symlinked target is written through to the file the link points to, and
an existing target keeps its permissions. Temporary files are named
``.<name>.<pid>-<random>.tmp``; those of dead processes (a killed save) are removed at the
target's next write.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import time
from pathlib import Path

#: errno → the cause in words.
CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "the file is too large for the file system",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "it is a folder",
    errno.ENOENT: "its folder does not exist",
    errno.ENOTDIR: "a part of its folder path is not a folder",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EIO: "an input/output error occurred (failing disk or lost network drive?)",
}
CHUNK = 1 << 20
LEGACY_STALE_S = 600  # temporary files without a pid (older Designers) older than this are stale


class WriteError(OSError):
    """A file could not be written; ``str()`` is one line naming the path and the cause."""

    def __init__(self, path: str | os.PathLike, cause: str, err: int | None = None) -> None:
        super().__init__(err or 0, cause, str(path))
        self.path, self.cause = Path(path), cause

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.cause}"


def cause_of(exc: BaseException) -> str:
    """The reason an OSError (or another exception) happened, in words."""
    if isinstance(exc, WriteError):
        return exc.cause
    if isinstance(exc, OSError) and exc.errno in CAUSES:
        return CAUSES[exc.errno]
    if isinstance(exc, MemoryError):
        return "not enough memory"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` as UTF-8 (newlines as given) atomically; see the module docstring."""
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: str | os.PathLike, data: bytes | bytearray | memoryview) -> Path:
    """Write ``data`` to ``path`` atomically; WriteError (one line) on failure.

    Returns the file actually written (the link's target when ``path`` is a symlink)."""
    shown = Path(path)
    target = _resolve(shown)
    if target.is_dir():
        raise WriteError(shown, CAUSES[errno.EISDIR], errno.EISDIR)
    folder = target.parent
    _remove_stale(target)
    tmp = folder / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        fd = _open(tmp)
    except OSError as exc:
        raise WriteError(shown, _folder_cause(exc, folder), exc.errno) from None
    try:
        try:
            if hasattr(os, "fchmod"):  # not on Windows before Python 3.13
                os.fchmod(fd, _mode(target))
            _write_all(fd, memoryview(data).cast("B"))
            _fsync(fd)
        finally:
            os.close(fd)
        _replace(tmp, target)
    except BaseException as exc:
        _unlink(tmp)
        if isinstance(exc, (OSError, MemoryError)):
            raise WriteError(shown, cause_of(exc), getattr(exc, "errno", None)) from None
        raise
    _sync_folder(folder)
    return target


# --------------------------------------------------------------------------- the steps
# Module-level functions, so that fault-injection tests can replace one step.
def _open(tmp: Path) -> int:
    return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)


def _write_all(fd: int, view: memoryview) -> None:
    done = 0
    while done < len(view):
        done += _write_chunk(fd, view[done:done + CHUNK])


def _write_chunk(fd: int, chunk: memoryview) -> int:
    return os.write(fd, chunk)


def _fsync(fd: int) -> None:
    os.fsync(fd)


def _replace(tmp: Path, target: Path) -> None:
    os.replace(tmp, target)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a folder; the rename is done
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- helpers
def _resolve(path: Path) -> Path:
    """The file to replace: a symlink's final target (so the link stays a link)."""
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def _mode(target: Path) -> int:
    """An existing file keeps its permissions; a new one gets 0o666 minus the umask."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _folder_cause(exc: OSError, folder: Path) -> str:
    if exc.errno == errno.ENOENT:
        return f"the folder {folder} does not exist"
    if exc.errno == errno.ENOTDIR:
        return f"{folder} is not a folder"
    return cause_of(exc)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


_TEMP = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)-[0-9a-f]{8}\.tmp")


def temp_files(target: str | os.PathLike) -> list[Path]:
    """Temporary files of ``target`` left in its folder (ours, and older Designers')."""
    target = Path(target)
    found = []
    try:
        entries = list(os.scandir(target.parent if str(target.parent) else "."))
    except OSError:
        return []
    prefix = f".{target.name}."
    for entry in entries:
        match = _TEMP.fullmatch(entry.name)
        if match:
            if match["name"] == target.name:
                found.append(Path(entry.path))
        elif entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
            found.append(Path(entry.path))  # older Designers: ".NAME.tmp", ".NAME.XXXXXXXX.tmp"
    return found


def _remove_stale(target: Path) -> None:
    """Remove temporary files of ``target`` whose writer is gone (a killed save)."""
    for tmp in temp_files(target):
        match = _TEMP.fullmatch(tmp.name)
        if match is None:
            if _age_s(tmp) > LEGACY_STALE_S:  # no pid to ask: old enough to be abandoned
                _unlink(tmp)
        elif not _alive(int(match["pid"]), tmp):
            _unlink(tmp)


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _alive(pid: int, tmp: Path) -> bool:
    if pid == os.getpid():
        return True  # another thread of ours may be writing it now
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C there: judge by age instead
        return _age_s(tmp) < 3600
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def write_message(exc: BaseException, path: str | os.PathLike) -> str:
    """One line for any failure to write ``path``: 'cannot write PATH: CAUSE'."""
    if isinstance(exc, WriteError):
        return str(exc)
    return f"cannot write {path}: {cause_of(exc)}"
