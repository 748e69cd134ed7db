"""Document: the open design — its Graph, undo stack, file path, live analysis and the
selection shared by the views.

Every change to the design goes through ``push(edit)``: the edit is applied, and only if it
succeeds is it put on the undo stack, so a refused change leaves nothing half-applied.
Analysis is recomputed lazily: graph changes mark it stale, the next event-loop turn (or the
next read of ``analysis``) recomputes it once, however many signals a compound edit emitted.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from ..analysis import Analysis
from ..analysis.incremental import LiveAnalysis
from ..core import serialize
from ..core.edits import Edit
from ..core.graph import Graph
from ..core.heap import freeze_heap
from .undo import EditCommand


class Document(QObject):
    analysis_changed = Signal(object)  # Analysis
    selection_changed = Signal(list)  # node ids
    path_changed = Signal(object)  # Path | None
    modified_changed = Signal(bool)
    graph_replaced = Signal()  # a new Graph object (New / Open): views rebuild themselves
    edit_refused = Signal(str)  # the reason an edit was not applied
    #: An edit (push, undo, redo) is about to change the graph / has finished changing it:
    #: views defer their per-item work (selection, ports, indexing) to the end of the batch.
    batch_started = Signal()
    batch_finished = Signal()

    def __init__(self, graph: Graph | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._graph = graph or Graph()
        self._path: Path | None = None
        self._analysis: Analysis | None = None
        self._selection: list[str] = []
        self._batch_depth = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._refresh)
        self._graph.changed.connect(self._on_graph_changed)
        self._live = LiveAnalysis(self._graph)  # parameter edits re-analyse only what they reach
        self._freeze_timer = QTimer(self)
        self._freeze_timer.setSingleShot(True)
        self._freeze_timer.setInterval(0)
        self._freeze_timer.timeout.connect(lambda: freeze_heap(len(self._graph.nodes)))

    # ------------------------------------------------------------ state
    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def analysis(self) -> Analysis:
        if self._analysis is None:
            self._analysis = self._live.analysis
        return self._analysis

    @property
    def selection(self) -> list[str]:
        return list(self._selection)

    def set_selection(self, node_ids: list[str]) -> None:
        ids = [n for n in node_ids if n in self._graph.nodes]
        if ids != self._selection:
            self._selection = ids
            self.selection_changed.emit(list(ids))

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group the graph signals of one edit: ``batch_started`` before the first,
        ``batch_finished`` after the last (nested batches count as one)."""
        self._batch_depth += 1
        if self._batch_depth == 1:
            self.batch_started.emit()
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                self.batch_finished.emit()

    @property
    def in_batch(self) -> bool:
        return self._batch_depth > 0

    # ------------------------------------------------------------ editing
    def push(self, edit: Edit) -> bool:
        """Apply ``edit`` and record it for undo; False (and edit_refused) if it was refused."""
        before = self._graph.structure_token
        try:
            with self.batch():
                edit.apply(self._graph)
        except (ValueError, KeyError) as exc:
            self.edit_refused.emit(str(exc))
            return False
        tokens = (before, self._graph.structure_token)
        self.undo_stack.push(EditCommand(self._graph, edit, self.batch, tokens))
        return True

    def apply_view_state(self, edit: Edit) -> bool:
        """Apply a change of view state that the design file keeps (a block's expanded or
        collapsed look, and the layout around it): no undo entry, the modified flag stays
        as it is. False (and edit_refused) if it was refused."""
        try:
            edit.apply(self._graph)
        except (ValueError, KeyError) as exc:
            self.edit_refused.emit(str(exc))
            return False
        return True

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    def _on_graph_changed(self) -> None:
        self._analysis = None
        self._timer.start()

    def _refresh(self) -> None:
        self.analysis_changed.emit(self.analysis)
        if self._selection and any(n not in self._graph.nodes for n in self._selection):
            self.set_selection(self._selection)

    def refresh_now(self) -> Analysis:
        """Recompute and broadcast at once (tests, and before saving/compiling)."""
        self._timer.stop()
        self._refresh()
        return self.analysis

    # ------------------------------------------------------------ files
    def replace_graph(self, graph: Graph, path: Path | None = None) -> None:
        """Show another design (New, Open): a fresh undo history, a clean state. The heap is
        collected and frozen once a large design is shown — the next event-loop turn, after
        its first paint (``freeze_heap``: its edits set off no full collector passes)."""
        self._graph.changed.disconnect(self._on_graph_changed)
        self._graph = graph
        self._graph.changed.connect(self._on_graph_changed)
        self._live.close()
        self._live = LiveAnalysis(graph)
        self._selection = []
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._set_path(path)
        self._analysis = None
        self.graph_replaced.emit()
        self.selection_changed.emit([])
        self.refresh_now()
        self._freeze_timer.start()  # once the new design is painted

    def open(self, path: str | Path) -> None:
        """Load a file; raises DesignFileError and leaves the current design untouched."""
        graph = serialize.load(path)
        self.replace_graph(graph, Path(path))

    def save(self, path: str | Path | None = None) -> Path:
        """Save atomically (to ``path`` or the current file); raises OSError on failure."""
        target = Path(path) if path is not None else self._path
        if target is None:
            raise ValueError("the design has no file yet; choose where to save it")
        serialize.save(self._graph, target)
        self._set_path(target)
        self.undo_stack.setClean()
        return target

    def _set_path(self, path: Path | None) -> None:
        if path != self._path:
            self._path = path
            self.path_changed.emit(path)
