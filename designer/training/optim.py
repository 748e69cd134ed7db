"""Optimisers, the loss the design's Output asks for, and the accuracy that goes with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from .data.base import CLASSIFICATION


def build_optimizer(params, cfg) -> torch.optim.Optimizer:
    """The optimiser named by ``cfg.optimizer`` with its lr, weight decay, momentum or betas."""
    name, lr, wd = cfg.optimizer, cfg.lr, cfg.weight_decay
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if name in ("momentum", "nesterov"):
        momentum = cfg.momentum or 0.9  # Nesterov needs some momentum
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=wd,
                               nesterov=name == "nesterov")
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=cfg.betas, weight_decay=wd)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=cfg.betas, weight_decay=wd)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=wd)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=wd)
    raise ValueError(f"unknown optimiser {name!r}")


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Every group's rate, scaled by its ``lr_mult`` (discriminative fine-tuning) if it has one."""
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get("lr_mult", 1.0)


@dataclass(frozen=True)
class Objective:
    """``loss(out, y)`` → scalar tensor; ``correct(out, y)`` → count tensor, or None if the
    task has no accuracy (regression)."""

    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    correct: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None


def _argmax_correct(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (out.argmax(1) == y).sum()


def _threshold_correct(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((out[:, 0] > 0.5) == (y > 0)).sum()


def make_objective(loss: str, task: str, width: int, label_smoothing: float = 0.0) -> Objective:
    """The loss for the Output's ``loss`` param ("cross_entropy" or "mse") on this task.

    MSE on classes regresses one-hot targets (or the 0/1 label for a single output).
    """
    classify = task == CLASSIFICATION
    if loss == "cross_entropy":
        def ce(out, y):
            return F.cross_entropy(out.float(), y, label_smoothing=label_smoothing)

        return Objective(ce, _argmax_correct)
    if not classify:
        def mse(out, y):
            return F.mse_loss(out.float(), y.view_as(out).float())

        return Objective(mse, None)
    if width == 1:
        def mse_binary(out, y):
            return F.mse_loss(out[:, 0].float(), y.float())

        return Objective(mse_binary, _threshold_correct)

    def mse_onehot(out, y):
        return F.mse_loss(out.float(), F.one_hot(y, width).float())

    return Objective(mse_onehot, _argmax_correct)
