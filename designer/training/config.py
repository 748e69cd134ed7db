"""The training configuration: one dataclass that round-trips to a plain dict.

The dict is what a design file keeps in its "training" section (``graph.training``), so every
value is JSON: numbers, strings, booleans, lists and objects. Reading checks every field and
says which one is wrong and what it accepts. No torch here: a GUI can edit and check a config
without loading torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .augment import AugmentError, AugmentStep
from .schedules import Schedule, ScheduleError

#: Optimiser names (the same keys as designer.analysis.memory.OPTIMIZER_STATE).
OPTIMIZERS: dict[str, str] = {
    "sgd": "plain stochastic gradient descent",
    "momentum": "SGD with momentum",
    "nesterov": "SGD with Nesterov momentum",
    "adam": "Adam",
    "adamw": "AdamW (Adam with decoupled weight decay)",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
}
DEVICES = ("auto", "cpu", "cuda", "mps")
#: Arithmetic precision of the training step (see designer.training.speedups).
PRECISIONS: dict[str, str] = {
    "auto": "16-bit autocast on CUDA for designs big enough to gain from it, else 32-bit",
    "fp32": "32-bit floats everywhere",
    "bf16": "bfloat16 autocast on the CPU or CUDA, whatever the design's size",
}
#: torch.compile of the training step (see designer.training.speedups).
COMPILE_MODES: dict[str, str] = {
    "off": "run the design eagerly, op by op",
    "on": "torch.compile (mode 'default'): fused kernels after a first, slow compiled step",
    "reduce-overhead": "torch.compile with CUDA graphs: for small designs on a CUDA GPU",
}
VALIDATION = ("split", "test")
# Sane bounds (issue 14): beyond them torch crashes (threads), overflows (seed) or a run
# would never end; each message states the limit.
MAX_EPOCHS = 1_000_000
MAX_BATCH = 1 << 20
MAX_SEED = 2**32 - 1
MAX_THREADS = 256


class ConfigError(ValueError):
    """A training setting that is missing, of the wrong type or out of range."""


@dataclass(frozen=True)
class DataConfig:
    """Which dataset, its options (size, root folder, ...) and how to hold out validation data.

    ``validation`` is "split" (a seeded, stratified fraction of the training data) or "test"
    (the dataset's own test split). ``permute_pixels`` applies one fixed random permutation of
    pixel positions to every image.
    """

    name: str = "digits"
    options: dict = field(default_factory=dict)
    validation: str = "split"
    val_fraction: float = 0.2
    permute_pixels: bool = False

    def __post_init__(self) -> None:
        _need(isinstance(self.name, str) and self.name, "data.name must be a dataset name", self.name)
        _need(isinstance(self.options, dict), "data.options must be an object", self.options)
        _need(self.validation in VALIDATION, f"data.validation must be one of {VALIDATION}",
              self.validation)
        _need(_real(self.val_fraction) and 0 < self.val_fraction < 1,
              "data.val_fraction must be between 0 and 1 (exclusive)", self.val_fraction)
        _need(isinstance(self.permute_pixels, bool), "data.permute_pixels must be true or false",
              self.permute_pixels)


@dataclass(frozen=True)
class TrainingConfig:
    """Every setting of a run. Defaults train the bundled examples sensibly on the CPU.

    ``precision`` "auto" uses 16-bit autocast on CUDA for designs big enough to gain from it,
    "fp32" never, "bf16" bf16 autocast on the CPU or CUDA whatever the size (older files'
    ``mixed_precision`` true/false read as "auto"/"fp32"). ``compile`` "on" runs the training
    step through torch.compile, "reduce-overhead" also records CUDA graphs (CUDA only);
    ``channels_last`` stores images and convolution weights channels-last (NHWC). All three
    are off (or "auto") by default: measured gains are per design and device (bench/README).
    ``workers`` augment in separate processes (-1: 4 on CUDA, none on the CPU, whose cores
    the training needs); they start by forkserver/spawn, so a script that trains with them
    keeps its top-level code under ``if __name__ == "__main__":``. ``threads`` sets torch's
    CPU threads for the run (0: auto — every core torch may use; the window's worker keeps
    one core for the window, and ``designer train`` leaves out cores busy with other work).
    ``patience`` > 0 stops after that many epochs without a validation-loss gain of more than
    ``min_delta``.
    ``snapshot_every`` > 0 adds first-layer weight snapshots every that many steps.
    ``l1`` > 0 adds l1 · Σ|w| over the weights (not the biases) to the loss that is minimised
    (the reported loss stays the data loss); ``weight_decay`` is the L2 counterpart.
    Transfer learning: ``freeze`` lists node or group ids whose weights stay as they are
    (BatchNorm layers among them keep evaluation mode when ``frozen_batchnorm_eval``);
    ``lr_multipliers`` scales the learning rate of some nodes or groups (discriminative
    fine-tuning); ``fresh_layers`` (a replaced head, see core.head) start from a fresh
    initialisation even where pretrained weights hold a tensor that fits. See
    designer.training.transfer. ``weights`` (a state_dict or checkpoint file; "" for none)
    is what every run of these settings starts from (what fits is loaded), unless a run is
    resumed or continued from a checkpoint: the window's "Starts from" choice, kept with the
    design so that each Train uses it until it is cleared.
    """

    data: DataConfig = field(default_factory=DataConfig)
    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    l1: float = 0.0
    momentum: float = 0.9
    betas: tuple[float, float] = (0.9, 0.999)
    schedule: Schedule = field(default_factory=Schedule)
    label_smoothing: float = 0.0
    augment: tuple[AugmentStep, ...] = ()
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"
    compile: str = "off"
    channels_last: bool = False
    patience: int = 0
    min_delta: float = 0.0
    workers: int = -1
    threads: int = 0
    snapshot_every: int = 0
    freeze: tuple[str, ...] = ()
    frozen_batchnorm_eval: bool = True
    lr_multipliers: dict = field(default_factory=dict)
    fresh_layers: tuple[str, ...] = ()
    weights: str = ""

    def __post_init__(self) -> None:
        _need(isinstance(self.weights, str), "weights must be a file path (or empty)", self.weights)
        _need(isinstance(self.fresh_layers, tuple) and all(isinstance(i, str) for i in self.fresh_layers),
              "fresh_layers must be a list of node ids", self.fresh_layers)
        _need(isinstance(self.freeze, tuple) and all(isinstance(i, str) for i in self.freeze),
              "freeze must be a list of node or group ids", self.freeze)
        _need(isinstance(self.frozen_batchnorm_eval, bool),
              "frozen_batchnorm_eval must be true or false", self.frozen_batchnorm_eval)
        _need(isinstance(self.lr_multipliers, dict) and all(
            isinstance(k, str) and _real(v) and v >= 0 for k, v in self.lr_multipliers.items()),
            "lr_multipliers must map node or group ids to numbers of at least 0", self.lr_multipliers)
        _need(_whole(self.epochs) and 1 <= self.epochs <= MAX_EPOCHS,
              f"epochs must be 1 to {MAX_EPOCHS:,}", self.epochs)
        _need(_whole(self.batch_size) and 1 <= self.batch_size <= MAX_BATCH,
              f"batch_size must be 1 to {MAX_BATCH:,}", self.batch_size)
        _need(self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}",
              self.optimizer)
        _need(_real(self.lr) and self.lr > 0, "lr must be more than 0", self.lr)
        _need(_real(self.weight_decay) and self.weight_decay >= 0, "weight_decay must be 0 or more",
              self.weight_decay)
        _need(_real(self.l1) and self.l1 >= 0, "l1 must be 0 or more", self.l1)
        _need(_real(self.momentum) and 0 <= self.momentum < 1, "momentum must be in [0, 1)",
              self.momentum)
        _need(isinstance(self.betas, tuple) and len(self.betas) == 2
              and all(_real(b) and 0 <= b < 1 for b in self.betas),
              "betas must be two numbers in [0, 1)", self.betas)
        _need(_real(self.label_smoothing) and 0 <= self.label_smoothing < 1,
              "label_smoothing must be in [0, 1)", self.label_smoothing)
        _need(_whole(self.seed) and 0 <= self.seed <= MAX_SEED,
              f"seed must be a whole number from 0 to {MAX_SEED:,} (2**32 - 1)", self.seed)
        _need(self.device in DEVICES, f"device must be one of {', '.join(DEVICES)}", self.device)
        _need(isinstance(self.precision, str) and self.precision in PRECISIONS,
              f"precision must be one of {', '.join(PRECISIONS)}", self.precision)
        _need(isinstance(self.compile, str) and self.compile in COMPILE_MODES,
              f"compile must be one of {', '.join(COMPILE_MODES)}", self.compile)
        _need(isinstance(self.channels_last, bool), "channels_last must be true or false",
              self.channels_last)
        _need(_whole(self.patience) and self.patience >= 0, "patience must be 0 (off) or more",
              self.patience)
        _need(_real(self.min_delta) and self.min_delta >= 0, "min_delta must be 0 or more",
              self.min_delta)
        _need(_whole(self.workers) and self.workers >= -1, "workers must be -1 (auto) or more",
              self.workers)
        _need(_whole(self.threads) and 0 <= self.threads <= MAX_THREADS,
              f"threads must be 0 (auto) to {MAX_THREADS}", self.threads)
        _need(_whole(self.snapshot_every) and self.snapshot_every >= 0,
              "snapshot_every must be 0 (each epoch) or a number of steps", self.snapshot_every)

    @property
    def mixed_precision(self) -> bool:
        """Whether 16-bit autocast may be used (precision other than "fp32")."""
        return self.precision != "fp32"

    # ----------------------------------------------------------------- dict round trip
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "data":
                value = {g.name: getattr(value, g.name) for g in fields(value)}
                value["options"] = dict(value["options"])
            elif f.name == "schedule":
                value = value.to_dict()
            elif f.name == "augment":
                value = [step.to_dict() for step in value]
            elif f.name in ("betas", "freeze", "fresh_layers"):
                value = list(value)
            elif f.name == "lr_multipliers":
                value = dict(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Any) -> "TrainingConfig":
        """A config from a dict such as ``graph.training``; missing keys take the defaults."""
        if data is None:
            return cls()
        _need(isinstance(data, dict), "the training settings must be an object", data)
        values = _legacy(dict(data))
        _no_unknown(values, cls, "the training settings")
        try:
            if "data" in values:
                values["data"] = _data_from_dict(values["data"])
            if "schedule" in values:
                values["schedule"] = Schedule.from_dict(values["schedule"])
            if "augment" in values:
                _need(isinstance(values["augment"], list), "augment must be a list", values["augment"])
                values["augment"] = tuple(AugmentStep.from_dict(a) for a in values["augment"])
            if "freeze" in values:
                _need(isinstance(values["freeze"], list), "freeze must be a list of node or group ids",
                      values["freeze"])
                values["freeze"] = tuple(values["freeze"])
            if "fresh_layers" in values:
                _need(isinstance(values["fresh_layers"], list), "fresh_layers must be a list of node ids",
                      values["fresh_layers"])
                values["fresh_layers"] = tuple(values["fresh_layers"])
            if "betas" in values:
                _need(isinstance(values["betas"], list), "betas must be a list of two numbers",
                      values["betas"])
                values["betas"] = tuple(values["betas"])
        except (ScheduleError, AugmentError) as exc:
            raise ConfigError(str(exc)) from None
        return cls(**{k: _int_if_whole(k, v) for k, v in values.items()})

    def updated(self, **changes: Any) -> "TrainingConfig":
        """A copy with some settings changed (checked like any config)."""
        return replace(self, **changes)


def _legacy(values: dict) -> dict:
    """Settings saved by earlier versions: ``mixed_precision`` true/false became ``precision``
    "auto"/"fp32" (a ``precision`` saved beside it wins)."""
    if "mixed_precision" in values:
        old = values.pop("mixed_precision")
        _need(isinstance(old, bool), "mixed_precision must be true or false", old)
        values.setdefault("precision", "auto" if old else "fp32")
    return values


_INT_FIELDS = {"epochs", "batch_size", "seed", "patience", "workers", "threads", "snapshot_every"}


def _int_if_whole(key: str, value: Any) -> Any:
    """JSON has one number type: accept 10.0 for an integer setting."""
    if key in _INT_FIELDS and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _data_from_dict(data: Any) -> DataConfig:
    _need(isinstance(data, dict), "data must be an object like {'name': 'digits'}", data)
    _no_unknown(data, DataConfig, "data")
    return DataConfig(**data)


def _no_unknown(data: dict, cls, where: str) -> None:
    allowed = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in {where} (allowed: {', '.join(sorted(allowed))})")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _real(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _need(ok: bool, message: str, value: Any) -> None:
    if not ok:
        raise ConfigError(f"{message}, got {value!r}")
