"""Guard against PySide6 6.12.0 on Python 3.11, which leaks a reference to ``True`` on every
signal emit and aborts the interpreter after about 10,000 emits (pyproject excludes it)."""

import sys

from PySide6.QtCore import QObject, Signal

EMITS = 20_000


class _Emitter(QObject):
    toggled = Signal(bool)


def test_emitting_true_keeps_the_refcount_of_true_stable(qtbot):
    emitter = _Emitter()
    received = []
    emitter.toggled.connect(lambda value: received.append(value) if len(received) < 1 else None)
    before = sys.getrefcount(True)
    for _ in range(EMITS):
        emitter.toggled.emit(True)
    after = sys.getrefcount(True)
    assert received == [True]
    # Python 3.12+ makes True immortal (a huge constant); on 3.11 a leak shows as +20,000.
    assert abs(after - before) < 100, f"refcount of True moved by {after - before} over {EMITS} emits"
