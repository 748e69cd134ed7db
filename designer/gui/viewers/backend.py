"""The viewers' model and data when no run is training: loaded and used on the probe worker.

A ``ModelSpec`` (plain strings, safe to hand between threads) says which design, which
checkpoint (none: the design's initial weights) and which dataset. ``ModelBackend`` lives on
the worker thread: it compiles and loads the model and the validation data once per spec
and serves probe requests with ``designer.training.probes``. Torch is imported here only
inside functions, and only ever runs on the worker thread.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from ...training.probes import ProbeRequest, ProbeResult

NEEDS_DATA = {"activations", "predictions", "health", "augmentations", "explain"}


@dataclass(frozen=True)
class ModelSpec:
    """Design JSON, checkpoint path ("" for the initial weights) and DataConfig JSON ("": the
    checkpoint's own data, or the default dataset for a design without training settings).
    ``strict``: the checkpoint must hold this design (a file the user picked), else the
    probe answers why not instead of showing another design's weights as this one's."""

    design: str
    checkpoint: str = ""
    data: str = ""
    seed: int = 0
    strict: bool = False

    @classmethod
    def of_graph(cls, graph, checkpoint: str = "", strict: bool = False) -> "ModelSpec":
        """The spec of a design as it is now (a snapshot: later edits do not change it).
        With a checkpoint, the data are the checkpoint's own."""
        from ...core.serialize import to_dict

        training = graph.training or {}
        data = None if checkpoint else training.get("data")
        return cls(json.dumps(to_dict(graph), sort_keys=True), str(checkpoint or ""),
                   json.dumps(data, sort_keys=True) if data else "", int(training.get("seed", 0) or 0),
                   bool(checkpoint) and strict)

    @property
    def model_key(self) -> str:
        stamp = ""
        if self.checkpoint and os.path.exists(self.checkpoint):
            stamp = str(os.stat(self.checkpoint).st_mtime_ns)
        text = self.checkpoint + stamp if self.checkpoint else self.design
        if self.strict:
            text += self.design
        return hashlib.sha1(text.encode()).hexdigest()


@dataclass
class Loaded:
    """What a spec loads into: the model, its class names, data config and input shape."""

    model: Any
    classes: tuple[str, ...]
    data_config: Any
    input_shape: tuple[int, ...]
    seed: int


class ModelBackend:
    """Caches one model and one dataset; call only from the worker thread."""

    def __init__(self) -> None:
        self._key: str | None = None
        self._loaded: Loaded | None = None
        self._data_key: tuple | None = None
        self._bundle = None

    def run(self, spec: ModelSpec, request: ProbeRequest, report=None) -> ProbeResult:
        """Serve ``request`` on the spec's model; errors come back in the result's text.
        ``report`` receives the work's progress events (on this thread)."""
        from ...training import probes

        try:
            loaded = self._load(spec)
            bundle = self._data(loaded) if request.kind in NEEDS_DATA else None
        except ValueError as exc:  # CheckpointError, DatasetError, CompileError, ConfigError
            return ProbeResult(request.request_id, request.kind, {}, -1, str(exc))
        classes = loaded.classes or (tuple(bundle.classes) if bundle is not None else ())
        return probes.run_request(loaded.model, request, bundle, classes, report=report)

    def _load(self, spec: ModelSpec) -> Loaded:
        key = spec.model_key
        if key != self._key or self._loaded is None:
            self._loaded = _from_checkpoint(spec) if spec.checkpoint else _from_design(spec)
            self._key = key
        return self._loaded

    def _data(self, loaded: Loaded):
        from ...training.data import load_dataset

        key = (repr(loaded.data_config), loaded.input_shape, loaded.seed)
        if key != self._data_key or self._bundle is None:
            self._bundle = load_dataset(loaded.data_config, loaded.input_shape, loaded.seed)
            self._data_key = key
        return self._bundle


def _compile(graph):
    from ...analysis import analyze
    from ...compiler import compile_design

    analysis = analyze(graph)
    return compile_design(graph, analysis), tuple(analysis.input_shape or ())


def _from_design(spec: ModelSpec) -> Loaded:
    """The design with its initial weights (seeded, leaving the global generator alone)."""
    import torch

    from ...core.serialize import from_dict
    from ...training.config import DataConfig

    graph = from_dict(json.loads(spec.design))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed)
        model, shape = _compile(graph)
    return Loaded(model.eval(), (), _data_config(spec.data) if spec.data else DataConfig(), shape, spec.seed)


def _from_checkpoint(spec: ModelSpec) -> Loaded:
    """The checkpoint's own design and weights, with the data it was trained on."""
    from ...training.checkpoint import CheckpointError, design_of, load_checkpoint
    from ...training.config import TrainingConfig

    data = load_checkpoint(spec.checkpoint)
    design = design_of(data)
    if spec.strict:
        _check_same_design(spec, design)
    model, shape = _compile(design)
    try:
        model.load_state_dict(data["model"])
    except (KeyError, RuntimeError) as exc:
        raise CheckpointError(f"the weights in {spec.checkpoint} do not fit its design: {exc}") from None
    config = TrainingConfig.from_dict(data.get("config"))
    classes = tuple(data.get("data", {}).get("classes", ()))
    if spec.data:  # another dataset than the one trained on: its own class names
        return Loaded(model.eval(), (), _data_config(spec.data), shape, config.seed)
    return Loaded(model.eval(), classes, config.data, shape, config.seed)


def _check_same_design(spec: ModelSpec, design) -> None:
    """A checkpoint of another design is refused, never shown as the canvas design's."""
    from ...core.serialize import to_dict
    from ...training.checkpoint import CheckpointError
    from ..training_panel.runs import structure

    canvas = json.loads(spec.design)
    if structure(to_dict(design)) != structure(canvas):
        raise CheckpointError(
            f"{os.path.basename(spec.checkpoint)} holds the weights of the design "
            f"“{design.name}”, not of “{canvas.get('name', 'Untitled')}” on the canvas: open that "
            f"design to look inside it, or choose a checkpoint of this one")


def _data_config(text: str):
    from ...training.config import TrainingConfig

    return TrainingConfig.from_dict({"data": json.loads(text)}).data
