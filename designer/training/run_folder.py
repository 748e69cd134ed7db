"""``designer train --checkpoint-dir``: a folder that can take this run's checkpoints.

Checked before any training, so that an hour of training never ends in "cannot write":
the folder is created if needed and a probe file is written and removed. A folder that
already holds another run's checkpoints is refused unless ``--overwrite`` is given (a
second run silently replacing the first one's ``best.pt`` lost a better model); resuming
a run writes into its own folder, which is allowed.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from ..core.atomic_write import cause_of
from .checkpoint import BEST, LAST


class FolderError(Exception):
    """The checkpoint folder cannot be used; the message says why and what to do."""


def check_checkpoint_dir(folder: str | os.PathLike, overwrite: bool = False,
                         resume_from: str | os.PathLike | None = None) -> Path:
    """The usable folder, or FolderError naming the problem."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FolderError(f"--checkpoint-dir {folder} is a file, not a folder; choose a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FolderError(f"cannot create the checkpoint folder {folder}: {cause_of(exc)}") from None
    _probe(folder)
    existing = [name for name in (BEST, LAST) if (folder / name).exists()]
    if existing and not overwrite and not _same_run(folder, resume_from):
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime((folder / existing[0]).stat().st_mtime))
        raise FolderError(f"{folder} already holds another run's checkpoints ({', '.join(existing)} "
                          f"from {when}); choose a new folder, or pass --overwrite to replace them")
    return folder


def _probe(folder: Path) -> None:
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".designer-probe-", delete=True) as fh:
            fh.write(b"x")
            fh.flush()
    except OSError as exc:
        raise FolderError(f"cannot write checkpoints into {folder}: {cause_of(exc)}; choose "
                          f"another --checkpoint-dir") from None


def _same_run(folder: Path, resume_from) -> bool:
    if resume_from is None:
        return False
    try:
        return Path(resume_from).resolve().parent == folder.resolve()
    except OSError:
        return False
