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

    def __init__(self, graph: Graph, edit: Edit, batch=nullcontext,
                 tokens: tuple[object, object] | None = None) -> None:
        super().__init__(edit.text)
        self.graph = graph
        self.edit = edit
        self._batch = batch
        self._applied = True
        #: The graph's structure tokens before and after the edit: undo and redo bring the
        #: structure back exactly, so they bring its token back (its analysis is reused).
        self._tokens = tokens

    def redo(self) -> None:
        if self._applied:  # the first redo() that QUndoStack.push calls: already applied
            self._applied = False
            return
        with self._batch():
            self.edit.apply(self.graph)
            self._restore_token(1)

    def undo(self) -> None:
        with self._batch():
            self.edit.revert(self.graph)
            self._restore_token(0)

    def _restore_token(self, which: int) -> None:
        tokens = self._tokens
        if tokens is not None and tokens[0] is not tokens[1]:  # a parameter edit keeps its token
            self.graph.restore_structure_token(tokens[which])

    def id(self) -> int:
        return MERGE_ID if getattr(self.edit, "merge_key", None) else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand):
            return False
        return self.edit.merge(other.edit)
