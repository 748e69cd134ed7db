"""Refuse work that cannot fit in memory before allocating anything for it.

A valid design can still be far too big for the machine (a Linear of 2 billion weights, a
40000×40000 input). Exports and figures compare the analysis' estimate with the memory
available now and say "needs X GB, Y GB free" instead of allocating until the system
kills the process or a C++ allocator aborts.
"""

from __future__ import annotations

import os


class NotEnoughMemory(ValueError):
    """The estimated memory of an operation exceeds what is available."""


def available_ram() -> int:
    """Bytes of RAM a new allocation can get now (MemAvailable on Linux; 0 when unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil  # optional: macOS and Windows

        return int(psutil.virtual_memory().available)
    except Exception:  # psutil missing or unsupported platform
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0


def size_text(n: float) -> str:
    """Bytes in words: '8.7 GB', '512 MB', '3.0 TB'."""
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{max(n, 0) / 2**10:.0f} KB"


def check_fits(needed: int, what: str, free: int | None = None) -> None:
    """NotEnoughMemory when ``needed`` bytes exceed ``free`` (default: available RAM).

    ``what`` completes "… needs X": e.g. "exporting the weights of this design"."""
    free = available_ram() if free is None else free
    if free and needed > free:
        raise NotEnoughMemory(f"{what} needs about {size_text(needed)} of memory, and "
                              f"{size_text(free)} is free; use a smaller design or input, or a "
                              f"machine with more memory")
