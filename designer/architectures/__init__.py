"""Reference architectures written with the builder API; ``python -m designer.architectures``
writes them to examples/ as JSON (the committed example zoo)."""

from __future__ import annotations

from typing import Callable

from ..core.graph import Graph
from . import classic

#: example file stem -> builder. Each entry is one file in examples/.
ARCHITECTURES: dict[str, Callable[[], Graph]] = {
    "lenet5": classic.lenet5,
}
