"""The Playground's classic experiments as presets: a design and its training settings.

Each preset reproduces one of TensorFlow Playground's lessons on Designer's toy sets:
a linear model fails on xor and on the circle; one hidden layer of 4 ReLUs solves the
circle; the spiral needs depth; sine features make the spiral easy; x₁x₂ makes xor linear.
``expect`` states the effect (validation accuracy above or below a bar), which the test
suite checks by training every preset headless.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.builder import DesignBuilder
from ..core.graph import Graph

SAMPLES = 500  # points per set, as in TensorFlow Playground
VAL_FRACTION = 0.5  # its default train/test ratio of 50 %


def training(dataset: str, epochs: int, lr: float = 0.03, batch_size: int = 10,
             noise: float = 0.1, optimizer: str = "adam", seed: int = 0) -> dict:
    """The training settings of a Playground run on a toy set."""
    return {
        "data": {"name": dataset, "options": {"samples": SAMPLES, "noise": noise},
                 "val_fraction": VAL_FRACTION},
        "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer, "lr": lr,
        "seed": seed, "threads": 1,
    }


def mlp(name: str, hidden: tuple[int, ...], activation: str = "ReLU",
        features: dict | None = None, description: str = "") -> Graph:
    """Input [2] → (InputFeatures) → (Linear → activation) per hidden layer → Linear 2."""
    b = DesignBuilder(name, description)
    x = b.input([2])
    if features is not None:
        x = b.add("InputFeatures", x, id="features", **features)
    for i, width in enumerate(hidden, start=1):
        x = b.linear(x, width, id=f"fc{i}")
        x = b.activation(x, activation, id=f"act{i}")
    b.output(b.linear(x, 2, id="out"))
    return b.build()


@dataclass(frozen=True)
class Preset:
    """A named experiment: the design, its settings, and the effect it shows."""

    name: str
    title: str
    lesson: str
    build: object  # () -> Graph
    dataset: str
    epochs: int
    #: ("above" | "below", validation accuracy) the run must reach or stay under.
    expect: tuple[str, float]
    lr: float = 0.03
    noise: float = 0.1

    def graph(self) -> Graph:
        graph = self.build()
        graph.training = training(self.dataset, self.epochs, lr=self.lr, noise=self.noise)
        return graph


_SIN = {"x1": True, "x2": True, "sin_x1": True, "sin_x2": True, "frequency": 3.0}

PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("linear-xor", "Linear model on xor", "A line cannot separate xor: about chance.",
           lambda: mlp("Linear model", ()), "xor", 20, ("below", 0.7)),
    Preset("linear-circle", "Linear model on the circle", "A line cannot cut a disc out of a "
           "ring: about chance.", lambda: mlp("Linear model", ()), "circle", 20, ("below", 0.7)),
    Preset("xor-product", "x₁x₂ makes xor linear", "With the feature x₁x₂ a linear model "
           "solves xor.", lambda: mlp("Linear on x1x2", (), features={"x1_x2": True}), "xor", 20,
           ("above", 0.9)),
    Preset("circle-4-relu", "4 ReLUs solve the circle", "One hidden layer of 4 ReLUs bends "
           "four lines into a closed region.", lambda: mlp("4 ReLUs", (4,)), "circle", 40,
           ("above", 0.9)),
    Preset("spiral-shallow", "Spiral, one small layer", "One hidden layer of 8 ReLUs on x₁, x₂ "
           "cannot follow the arms.", lambda: mlp("Shallow", (8,)), "spiral", 60, ("below", 0.8),
           lr=0.01, noise=0.0),
    Preset("spiral-deep", "Spiral needs depth", "Three hidden layers of 8 ReLUs wind around "
           "the spiral.", lambda: mlp("Deep", (8, 8, 8)), "spiral", 60, ("above", 0.88),
           lr=0.01, noise=0.0),
    Preset("spiral-sin", "Sine features make the spiral easy", "The same one layer of 8 ReLUs "
           "solves it when sin x₁ and sin x₂ are inputs too.",
           lambda: mlp("Sine features", (8,), features=_SIN), "spiral", 60, ("above", 0.9),
           lr=0.01, noise=0.0),
)}
