"""Everything a run needs, built and checked before the first step.

``setup`` checks the design, the data and the device in the order a user would fix them,
loads and fits the data, builds the model, optimiser, loss and batch sources, and restores a
checkpoint when resuming. Any problem raises SetupError with a plain message; the loop
turns it into a Failed event before RunStarted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

from ..analysis import Analysis, analyze
from ..compiler import CompileError, compile_design
from ..core.graph import Graph
from . import checkpoint as ckpt
from .augment import AugmentError, build_pipeline
from .batches import BatchSource
from .config import TrainingConfig
from .data import DataBundle, DatasetError, describe_dataset, load_dataset
from .data_checks import note_level, one_class_problem
from .devices import DeviceError, memory_report, pick_device
from .events import Note
from .fit import check_fit, loss_of
from . import speedups, transfer
from .optim import Objective, build_optimizer, make_objective


class SetupError(Exception):
    """A run that cannot start; ``kind`` as in Failed ("design", "mismatch", "data", ...)."""

    def __init__(self, kind: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.kind, self.message, self.details = kind, message, details


@dataclass
class Session:
    graph: Graph
    config: TrainingConfig
    analysis: Analysis
    device: torch.device
    bundle: DataBundle
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    objective: Objective
    train: BatchSource
    val: BatchSource
    state: ckpt.RunState
    amp_dtype: torch.dtype | None = None
    scaler: torch.amp.GradScaler | None = None
    snapshot_node: str | None = None
    rng: dict | None = None  # restored just before the first step when resuming
    notes: list[Note] = field(default_factory=list)
    fast: speedups.FastStep | None = None  # the training steps' forward pass (None: the model)

    @property
    def steps_per_epoch(self) -> int:
        return len(self.train)

    def val_data(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Validation samples prepared for the model (what probes evaluate)."""
        return self.val.x, self.val.y


def _resumed_config(graph: Graph, path) -> tuple[dict, TrainingConfig]:
    data = ckpt.load_checkpoint(path)
    if not ckpt.same_design(graph, data):
        raise SetupError("config", f"the checkpoint {path} was trained from a different design; "
                                   f"open that design to resume, or continue training from it")
    return data, TrainingConfig.from_dict(data["config"])


def _resume_epochs(config: TrainingConfig, data: dict, epochs: int | None) -> TrainingConfig:
    if epochs is None or epochs == config.epochs:
        return config
    done = int(data.get("state", {}).get("epoch", 0))
    if epochs <= done:
        raise SetupError("config", f"the checkpoint has already trained {done} epoch(s); to resume, "
                                   f"ask for more epochs than that (got {epochs})")
    return replace(config, epochs=epochs)


def _check(graph: Graph, config: TrainingConfig) -> tuple[Analysis, object]:
    analysis = analyze(graph)
    try:
        info = describe_dataset(config.data)
    except DatasetError as exc:
        raise SetupError("data", str(exc)) from None
    report = check_fit(graph, info, analysis)
    if not report.ok:
        kind = "design" if not analysis.valid or loss_of_none(graph, analysis) else "mismatch"
        raise SetupError(kind, report.message)
    return analysis, info


def loss_of_none(graph: Graph, analysis: Analysis) -> bool:
    return len(analysis.outputs) == 1 and loss_of(graph, analysis) == "none"


def _pipeline(config: TrainingConfig, bundle: DataBundle, notes: list[Note]):
    if not config.augment:
        return None
    if not bundle.is_image:
        notes.append(Note("augmentation applies to images only; these samples are vectors, so "
                          "it is skipped", "warning"))
        return None
    try:
        return build_pipeline(config.augment, bundle.sample_shape)
    except AugmentError as exc:
        raise SetupError("config", str(exc)) from None


def _fast_step(model, config: TrainingConfig, analysis: Analysis, n_train: int,
               notes: list[Note]) -> speedups.FastStep:
    channels_last = speedups.channels_last_applies(config, analysis.input_shape, notes)
    fast = speedups.FastStep(model, config.compile, channels_last)
    if fast.refused is not None:
        notes.append(fast.refused)
    if fast.compiled:
        left = n_train % config.batch_size if n_train >= config.batch_size else 0
        dropped = (f"; each epoch leaves out its last {left} samples (a partial batch, a "
                   f"different few each epoch) so that every step has the same shape"
                   if left > 1 else "")
        notes.append(Note(f"{fast.describe()}: the first training step compiles the design (on "
                          f"the CPU this can take a minute){dropped}"))
    elif channels_last:
        notes.append(Note("channels-last: images and convolution weights stored NHWC"))
    return fast


def _first_layer(analysis: Analysis) -> str | None:
    for kind in ("Conv2d", "Linear"):
        for nid in analysis.order:
            if nid in analysis.live and analysis.nodes[nid].type == kind:
                return nid
    return None


def setup(graph: Graph, config: TrainingConfig, resume_from=None, continue_from=None,
          epochs: int | None = None) -> Session:
    """Build a Session, or raise SetupError saying what stops the run. ``epochs`` (when
    resuming) replaces the checkpoint's number of epochs."""
    resumed = None
    if resume_from is not None:
        resumed, config = _resumed_config(graph, resume_from)
        config = _resume_epochs(config, resumed, epochs)
    analysis, info = _check(graph, config)
    try:
        device = pick_device(config.device)
        speedups.check(config, device)
    except (DeviceError, speedups.SpeedError) as exc:
        raise SetupError("config", str(exc)) from None
    try:
        bundle = load_dataset(config.data, analysis.input_shape, config.seed)
    except DatasetError as exc:
        raise SetupError("data", str(exc)) from None
    if problem := one_class_problem(bundle):
        raise SetupError("data", problem)
    notes = [Note(text, note_level(text)) for text in bundle.notes]
    mem = memory_report(analysis, config.batch_size, config.optimizer, device)
    notes.append(Note(mem.message, "info" if mem.fits else "warning"))
    torch.manual_seed(config.seed)
    try:
        model = compile_design(graph, analysis).to(device)
    except CompileError as exc:
        raise SetupError("design", str(exc)) from None
    try:
        params, summary = transfer.apply(model, graph, config)
    except transfer.TransferError as exc:
        raise SetupError("config", str(exc)) from None
    if not params:
        raise SetupError("config", "every layer is frozen: nothing would train; unfreeze some")
    if config.freeze or config.lr_multipliers:
        notes.append(Note(summary))
    optimizer = build_optimizer(params, config)
    width = analysis.output_shape[0]
    objective = make_objective(loss_of(graph, analysis), info.task, width, config.label_smoothing)
    amp_dtype, scaler = speedups.precision_plan(device, config, analysis.total_macs, notes)
    fast = _fast_step(model, config, analysis, len(bundle.train_y), notes)
    pipeline = _pipeline(config, bundle, notes)
    train = BatchSource(bundle.train_x, bundle.train_y, config.batch_size, device, bundle.finisher,
                        pipeline, True, config.workers, config.seed,
                        drop_last=speedups.needs_full_batches(config))
    val = BatchSource(bundle.val_x, bundle.val_y, config.batch_size * 2, device,
                      bundle.finisher, None, False)
    if train.resident:
        notes.append(Note(f"the training set stays on {device} for the whole run and is augmented "
                          f"there, batch by batch"))
    session = Session(graph, config, analysis, device, bundle, model, optimizer, objective, train,
                      val, ckpt.RunState(), amp_dtype, scaler, _first_layer(analysis), None, notes,
                      fast)
    if resumed is not None:
        _restore(session, resumed, resume_from)
    elif continue_from is not None or config.weights:
        _continue(session, continue_from if continue_from is not None else config.weights)
    elif any(not p.requires_grad for p in model.parameters()):
        notes.append(Note(transfer.RANDOM_FROZEN, "warning"))
    return session


def _restore(session: Session, data: dict, path) -> None:
    """Exact resume: weights, optimiser, scaler, progress and random state."""
    session.model.load_state_dict(data["model"])
    session.optimizer.load_state_dict(data["optimizer"])
    if session.scaler is not None and data.get("scaler"):
        session.scaler.load_state_dict(data["scaler"])
    session.state = ckpt.RunState.from_dict(data["state"])
    session.rng = data["rng"]
    st = session.state
    session.notes.append(Note(f"resuming from {path}: epoch {st.epoch + 1}, batch {st.batch}, "
                              f"step {st.step}"))


def _start_from_weights(session: Session, path, state: dict | None = None) -> None:
    """Pretrained weights (a state_dict file, or ``state``: a checkpoint's): what fits is
    loaded, a replaced head (config.fresh_layers) and resized layers start fresh."""
    from ..compiler.weights import WeightsError

    fresh = session.config.fresh_layers
    try:
        note = (transfer.load_pretrained(session.model, path, fresh) if state is None
                else transfer.load_fitting(session.model, state, path, fresh))
    except WeightsError as exc:
        raise SetupError("config", str(exc)) from None
    session.notes.append(Note(note))


def _replaced_since(config, data: dict) -> bool:
    """Was a layer replaced (its head, see core.head) after the checkpoint's run? Then the
    checkpoint holds the old layer: everything else is loaded, the new layer starts fresh."""
    before = set((data.get("config") or {}).get("fresh_layers", ()))
    return any(n not in before for n in config.fresh_layers)


def _continue(session: Session, path) -> None:
    """Continue with new settings: the checkpoint's weights (and optimiser state when the
    optimiser is the same), a fresh schedule and step count."""
    try:
        data = ckpt.load_checkpoint(path)
        if _replaced_since(session.config, data):
            _start_from_weights(session, path, data["model"])
            return
        session.model.load_state_dict(data["model"])
    except ckpt.CheckpointError as exc:
        if "is not a Designer checkpoint" not in str(exc) and not str(path).endswith(".safetensors"):
            raise SetupError("config", str(exc)) from None
        _start_from_weights(session, path)  # a plain state_dict: pretrained weights
        return
    except RuntimeError as exc:
        raise SetupError("config", f"the weights in {path} do not fit this design (a layer's size "
                                   f"changed?)", details=str(exc)) from None
    kept = "restarted"
    if data["config"].get("optimizer") == session.config.optimizer:
        try:
            session.optimizer.load_state_dict(data["optimizer"])
            for group in session.optimizer.param_groups:  # the new settings win
                group.update(build_optimizer([torch.zeros(1)], session.config).defaults)
            kept = "kept"
        except (ValueError, KeyError, RuntimeError):
            pass
    session.notes.append(Note(f"continuing from the weights in {path} (trained "
                              f"{data['state']['epoch']} epoch(s)); optimiser state {kept}"))
