"""Loading torch in the background right after the window shows.

The first click on Train used to wait for ``import torch`` and for ``torch._dynamo``, which
the first optimiser's constructor imports (seconds each on a small machine). The window
shows without them (start-up stays fast); this thread then imports both, and the training
modules, while the user looks at the design, so a run's first point comes at once. An
import that a run needs while this thread is still importing simply waits for it (Python's
import lock), so starting a run early is never wrong, only not faster.
"""

from __future__ import annotations

import sys
import threading

_thread: threading.Thread | None = None


def warm_up_torch() -> threading.Thread | None:
    """Start importing torch on a daemon thread (once per process); the thread, or None if
    torch and its compiler front end are already loaded or a warm-up already started."""
    global _thread
    if _thread is not None or "torch._dynamo" in sys.modules:
        return None
    _thread = threading.Thread(target=_import_torch, name="designer-torch-warm-up", daemon=True)
    _thread.start()
    return _thread


def wait_for_warm_up(timeout_s: float = 60.0) -> None:
    """Let a warm-up that is still importing finish (before the interpreter shuts down)."""
    if _thread is not None and _thread.is_alive():
        _thread.join(timeout_s)


def _import_torch() -> None:
    try:
        import torch

        weight = torch.zeros(1, requires_grad=True)
        torch.optim.SGD([weight], lr=0.1).zero_grad()  # imports torch._dynamo
        from ...training import loop  # noqa: F401  (the engine, its data and compiler modules)
        from ...training.data import catalog  # noqa: F401
    except Exception:  # noqa: BLE001 - a broken torch is reported by the run that needs it
        pass
