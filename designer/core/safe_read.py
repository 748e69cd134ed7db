"""Reading untrusted input without hanging, exhausting memory or overflowing the stack.

``read_limited`` refuses what is not a regular file (a FIFO would block forever, /dev/zero
never ends) and stops reading one byte past the size limit, whatever the file system says
the size is. ``within_depth`` checks the nesting of parsed JSON without recursion.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any


def read_limited(path: str | os.PathLike, limit: int, what: str, error: type[Exception]) -> bytes:
    """The bytes of ``path`` (at most ``limit``); ``error(message)`` when it cannot be read.

    ``what`` names the expected kind of file in messages ("a design file")."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path} is a folder; choose {what}")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path} is not a regular file (a device, pipe or socket); choose {what}")
    if info.st_size > limit:
        raise error(f"{path} is {info.st_size / 2**20:.0f} MB; {what} is at most "
                    f"{limit // 2**20} MB. Is it really {what}?")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between stat and open
            raise error(f"{path} is not a regular file; choose {what}")
        return _read_up_to(fd, limit, path, what, error)
    finally:
        os.close(fd)


def _read_up_to(fd: int, limit: int, path: Path, what: str, error) -> bytes:
    parts, total = [], 0
    while True:
        try:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
        except OSError as exc:
            if exc.errno == errno.EAGAIN:
                continue
            raise error(f"{path}: cannot be read ({exc.strerror})") from None
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        total += len(chunk)
        if total > limit:
            raise error(f"{path} is larger than {limit // 2**20} MB; {what} is at most "
                        f"{limit // 2**20} MB. Is it really {what}?")


def within_depth(data: Any, limit: int) -> bool:
    """Whether lists/dicts in ``data`` nest at most ``limit`` levels (iterative, any size)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, (list, tuple)):
            children = value
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, tuple)))
    return True
