"""The one generic QUndoCommand adapter: it puts a pure core edit on a QUndoStack."""

from __future__ import annotations

from contextlib import nullcontext

from PySide6.QtGui import QUndoCommand

from ..core.edits import Edit
from ..core.graph import Graph

MERGE_ID = 1001


class EditCommand(QUndoCommand):
    """Wraps an Edit that has already been applied (Document.push applies it first, so that a
    refused edit never reaches the stack). ``batch`` (the document's) wraps undo and redo,
    so that views handle the many graph signals of a large edit as one change."""

    def __init__(self, graph: Graph, edit: Edit, batch=nullcontext) -> None:
        super().__init__(edit.text)
        self.graph = graph
        self.edit = edit
        self._batch = batch
        self._applied = True

    def redo(self) -> None:
        if self._applied:  # the first redo() that QUndoStack.push calls: already applied
            self._applied = False
            return
        with self._batch():
            self.edit.apply(self.graph)

    def undo(self) -> None:
        with self._batch():
            self.edit.revert(self.graph)

    def id(self) -> int:
        return MERGE_ID if getattr(self.edit, "merge_key", None) else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand):
            return False
        return self.edit.merge(other.edit)
