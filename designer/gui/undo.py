"""The one generic QUndoCommand adapter: it puts a pure core edit on a QUndoStack."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ..core.edits import Edit
from ..core.graph import Graph

MERGE_ID = 1001


class EditCommand(QUndoCommand):
    """Wraps an Edit that has already been applied (Document.push applies it first, so that a
    refused edit never reaches the stack)."""

    def __init__(self, graph: Graph, edit: Edit) -> None:
        super().__init__(edit.text)
        self.graph = graph
        self.edit = edit
        self._applied = True

    def redo(self) -> None:
        if self._applied:  # the first redo() that QUndoStack.push calls: already applied
            self._applied = False
            return
        self.edit.apply(self.graph)

    def undo(self) -> None:
        self.edit.revert(self.graph)

    def id(self) -> int:
        return MERGE_ID if getattr(self.edit, "merge_key", None) else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand):
            return False
        return self.edit.merge(other.edit)
