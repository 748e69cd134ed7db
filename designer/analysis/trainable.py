"""Trainable versus frozen parameters: what the summary, the inspector and ``designer summary``
report once some layers are frozen for transfer learning.

Counts come from the analysis (the same totals as everywhere else, so the "so far" rule of an
incomplete design holds here too); which nodes are frozen comes from the design's training
settings (``core.trainable``). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.graph import Graph
from ..core.trainable import frozen_nodes
from .analyze import Analysis


@dataclass(frozen=True)
class ParamSplit:
    """``trainable`` + ``frozen`` = the analysis's trainable total; ``frozen_nodes`` are the
    nodes the settings freeze (parameter-free ones included)."""

    trainable: int
    frozen: int
    frozen_nodes: frozenset[str]

    @property
    def any_frozen(self) -> bool:
        return self.frozen > 0


def param_split(graph: Graph, analysis: Analysis) -> ParamSplit:
    """How many of the design's trainable parameters train, and how many are frozen."""
    frozen_ids = frozen_nodes(graph)
    counted = analysis.counted
    frozen = sum(analysis.nodes[n].trainable_params for n in frozen_ids
                 if n in counted and n in analysis.nodes)
    return ParamSplit(analysis.trainable_params - frozen, frozen, frozen_ids)


def split_text(split: ParamSplit) -> str:
    """"1,234 trainable · 11,176,512 frozen" (just the trainable count when nothing is frozen)."""
    if not split.any_frozen:
        return f"{split.trainable:,} trainable"
    return f"{split.trainable:,} trainable · {split.frozen:,} frozen"
