"""The Playground's events: the 2-D points of a run and its maps over the input plane.

Numpy arrays and Python scalars only (no torch), so the GUI imports them freely. The probe in
``designer.training.boundary`` yields a PlaygroundPoints once and BoundaryMaps every so
often, on the training thread; the loop yields them between its own events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, eq=False)
class PlaygroundPoints:
    """The run's points in input coordinates (before normalisation) and their labels."""

    train_x: np.ndarray = field(repr=False)  # [N, 2]
    train_y: np.ndarray = field(repr=False)  # [N]
    test_x: np.ndarray = field(repr=False)
    test_y: np.ndarray = field(repr=False)
    extent: tuple[float, float, float, float] = (-1.0, 1.0, -1.0, 1.0)  # x0, x1, y0, y1


@dataclass(frozen=True, eq=False)
class UnitMaps:
    """One column of unit maps: a node's output per unit over the grid, [units, H, W]."""

    node_id: str
    title: str
    maps: np.ndarray = field(repr=False)


@dataclass(frozen=True, eq=False)
class BoundaryMaps:
    """The network over the input plane at one step.

    ``output`` [H, W] is the probability of class 1 (row 0 at y0, the bottom), ``layers``
    the hidden units' maps by layer, input side first; ``train_loss``/``test_loss`` are
    the data losses on all training and test points at this step.
    """

    step: int
    epoch: int
    extent: tuple[float, float, float, float]
    output: np.ndarray = field(repr=False)
    layers: tuple[UnitMaps, ...] = ()
    train_loss: float = float("nan")
    test_loss: float = float("nan")
    cost_s: float = 0.0  # what computing this event took, on the training thread
