"""SetTraining: the undoable edit that changes a design's training settings (graph.training).

Like the core edits it only mutates the graph; it emits the graph's ``changed`` signal so
the document (and everything that follows it: autosave, the viewers) sees the change.
Successive changes of the same setting (a spin-box drag, typing) merge into one undo step.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ...core.edits import Edit
from ...core.graph import Graph


@dataclass
class SetTraining(Edit):
    new: dict[str, Any]
    old: dict[str, Any] | None = None
    merge_key: str | None = None
    text: str = "Change training settings"

    def apply(self, graph: Graph) -> None:
        if self.old is None:
            self.old = copy.deepcopy(graph.training)
        graph.training = copy.deepcopy(self.new)
        graph.changed.emit()

    def revert(self, graph: Graph) -> None:
        graph.training = copy.deepcopy(self.old or {})
        graph.changed.emit()

    def merge(self, other: Edit) -> bool:
        if (isinstance(other, SetTraining) and self.merge_key is not None
                and other.merge_key == self.merge_key):
            self.new = other.new
            return True
        return False
