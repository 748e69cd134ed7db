"""Checkpoints: the weights with everything needed to resume a run exactly or continue it.

A checkpoint holds the design it was trained from (serialize.to_dict), the training config,
the model, optimiser, schedule and grad-scaler states, the loop's progress and history, the
random-number generator states, and what the data looked like (classes, input shape,
normalisation). ``best.pt`` is the epoch with the lowest validation loss, ``last.pt`` the most
recent state. Files are written atomically with a checksum of their content, which is
verified before anything is resumed from them; they are read with ``weights_only=True``.
"""

from __future__ import annotations

import io
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..compiler.checksum import checksum
from ..core.atomic_write import WriteError, cause_of, write_bytes
from ..core.serialize import DesignFileError, from_dict, to_dict

FORMAT = "designer.checkpoint"
VERSION = 1
BEST, LAST = "best.pt", "last.pt"


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not belong to the design given."""


@dataclass
class RunState:
    """Where a run is: epochs done, batches done in the current epoch, totals and history."""

    epoch: int = 0
    batch: int = 0
    step: int = 0
    best_val_loss: float = math.inf
    best_val_accuracy: float = math.nan
    best_epoch: int = 0
    bad_epochs: int = 0
    history: list[dict] = field(default_factory=list)
    loss_sum: float = 0.0
    correct_sum: float = 0.0
    seen: int = 0
    epoch_time_s: float = 0.0
    train_time_s: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "RunState":
        return cls(**data)


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def payload(name: str, graph, config, model, optimizer, scaler, state: RunState, lr: float,
            steps_per_epoch: int, bundle) -> dict[str, Any]:
    """What a checkpoint holds (see the module docstring); ``name`` is BEST or LAST."""
    return {
        "kind": name.removesuffix(".pt"),
        "design": to_dict(graph),
        "config": config.to_dict(),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": {"schedule": config.schedule.to_dict(), "step": state.step,
                      "steps_per_epoch": steps_per_epoch, "lr": lr},
        "scaler": scaler.state_dict() if scaler is not None else None,
        "state": state.to_dict(),
        "rng": rng_state(),
        "data": {"dataset": bundle.info.name, "classes": list(bundle.classes),
                 "input_shape": list(bundle.input_shape), **bundle.normalisation()},
    }


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` with a checksum of its content, through the atomic writer (serialised
    in memory first); WriteError (an OSError naming the path and cause) on failure."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(path, cause_of(exc), exc.errno) from None
    data = {"format": FORMAT, "version": VERSION, **payload}
    data["checksum"] = checksum(data)
    buffer = io.BytesIO()
    torch.save(data, buffer)
    write_bytes(path, buffer.getvalue())


def load_checkpoint(path) -> dict[str, Any]:
    """The checkpoint's contents, its checksum verified; CheckpointError with a plain reason
    when it is unreadable or damaged."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} is not a regular file (a folder, pipe or device)"
                              if path.exists() else f"checkpoint {path} does not exist")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling errors come in many types
        raise CheckpointError(f"{path} is not a readable checkpoint ({type(exc).__name__}: "
                              f"{str(exc)[:200]})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a Designer checkpoint")
    if data.get("version", 0) > VERSION:
        raise CheckpointError(f"{path} was written by a newer Designer; please update")
    stored = data.pop("checksum", None)
    if stored is not None and stored != checksum(data):
        raise CheckpointError(f"{path} is damaged: its content does not match its checksum "
                              f"(a disk or copy error?); use another checkpoint")
    return data




def design_of(checkpoint: dict):
    """The Graph a checkpoint was trained from."""
    try:
        return from_dict(checkpoint["design"])
    except (DesignFileError, KeyError) as exc:
        raise CheckpointError(f"the checkpoint's design cannot be read: {exc}") from None


def _structure(data: dict) -> tuple:
    nodes = sorted((n["id"], n["type"], repr(sorted(n.get("params", {}).items()))) for n in data["nodes"])
    edges = sorted((e["from"], e["to"], e.get("port", 0)) for e in data["edges"])
    return nodes, edges


def same_design(graph, checkpoint: dict) -> bool:
    """True when ``graph`` has the checkpoint design's layers, parameters and connections."""
    return _structure(to_dict(graph)) == _structure(checkpoint["design"])
