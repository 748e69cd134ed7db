"""What the look-inside views show, in words: which design, which weights.

A ``ViewSubject`` names the design on the canvas and where the views' numbers come from:
its initial (untrained) weights, a run training now, the last weights a run of this design
left, or a checkpoint file the user opened. Every view shows ``subject.text()`` above its
figure, so a picture is never mistaken for another design's or another run's. ``stale``
says the design was edited after the run whose weights are shown. Pure: no Qt, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

INITIAL, LIVE, RUN, CHECKPOINT = "initial", "live", "run", "checkpoint"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 epoch``, ``3 epochs``, ``0 epochs`` (``many`` for irregular plurals)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


@dataclass(frozen=True)
class ViewSubject:
    """The design (by name) and the weights the views show."""

    design: str
    kind: str = INITIAL
    run: str = ""  # "Run 2" for a run's weights (live or after it)
    checkpoint: str = ""  # the file read, for RUN and CHECKPOINT
    epochs_done: int | None = None  # of a run's weights, when known
    stale: bool = False

    @property
    def trained(self) -> bool:
        return self.kind != INITIAL

    def edited(self, stale: bool) -> "ViewSubject":
        return replace(self, stale=stale) if stale != self.stale else self

    def named(self, design: str) -> "ViewSubject":
        """The same weights, the design renamed."""
        return replace(self, design=design) if design != self.design else self

    def weights_text(self, step: int = -1) -> str:
        """Where the weights come from, without the design name."""
        if self.kind == INITIAL:
            return "initial weights (untrained)"
        if self.kind == LIVE:
            at = f", step {step:,}" if step >= 0 else ""
            return f"{self.run or 'a run'} training now (live{at})"
        name = Path(self.checkpoint).name
        if self.kind == RUN:
            after = f" after {plural(self.epochs_done, 'epoch')}" if self.epochs_done is not None else ""
            return f"{self.run or 'a run'}: its last weights{after} (checkpoint {name})"
        return f"checkpoint {name}"

    def text(self, step: int = -1) -> str:
        """One line for a view's header: design · weights (· stale warning)."""
        line = f"{self.design or 'Untitled'} · {self.weights_text(step)}"
        if self.stale:
            line += (" · the design was edited since: these weights are the run's, not the "
                     "design's on the canvas (train again to update)")
        return line
