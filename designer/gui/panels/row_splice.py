"""Row changes of a flat Qt item model as one splice: the rows that both the old and the new
list begin and end with stay where they are; only the middle is removed and inserted, so a
view keeps its scroll position, its selection and the layout of every untouched row (a model
reset would throw all of that away and lay out every row again)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QAbstractItemModel, QModelIndex


def common_ends(old: list, new: list) -> tuple[int, int]:
    """(head, tail): how many items the lists share at their start, then at their end (the
    two never overlap)."""
    n = min(len(old), len(new))
    head = 0
    while head < n and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < n - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return head, tail


def splice(model: QAbstractItemModel, old_count: int, new_count: int, head: int, tail: int,
           removed: Callable[[], None], inserted: Callable[[], None]) -> None:
    """Tell ``model``'s views that rows ``head`` .. ``old_count - tail`` were replaced by
    ``new_count - head - tail`` rows: ``removed()`` must drop the old middle from the model's
    data (between beginRemoveRows and endRemoveRows), ``inserted()`` put the new one in."""
    old_mid, new_mid = old_count - head - tail, new_count - head - tail
    if old_mid > 0:
        model.beginRemoveRows(QModelIndex(), head, head + old_mid - 1)
        removed()
        model.endRemoveRows()
    if new_mid > 0:
        model.beginInsertRows(QModelIndex(), head, head + new_mid - 1)
        inserted()
        model.endInsertRows()
