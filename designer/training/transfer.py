"""Transfer learning on a compiled design: freeze nodes or groups, scale the learning rate of
others, and say how many parameters train.

Frozen parameters get ``requires_grad = False`` and are left out of the optimiser, so their
values stay bit for bit what they were; BatchNorm layers among them can keep evaluation mode
(running statistics unchanged) while the rest trains. Learning-rate multipliers become
optimiser parameter groups carrying ``lr_mult``, which ``optim.set_lr`` honours at every step
of every schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..core.freezing import TransferError, freeze_until, members  # noqa: F401  (re-exported)
from ..core.graph import Graph
from ..core.trainable import RANDOM_FROZEN, frozen_nodes  # noqa: F401  (re-exported)


@dataclass(frozen=True)
class TransferPlan:
    """Which nodes are frozen and each trainable node's learning-rate multiplier."""

    frozen: frozenset[str]
    multipliers: dict[str, float]


def plan(graph: Graph, freeze, multipliers: dict[str, float]) -> TransferPlan:
    """The nodes ``freeze`` and ``multipliers`` name. An id that names nothing any more (a
    layer deleted after it was frozen) is passed over: it has no weights left to train; the
    command line checks the ids it is given itself."""
    frozen = frozen_nodes(graph, {"freeze": list(freeze)})
    scaled: dict[str, float] = {}
    for ident, factor in multipliers.items():
        for nid in members(graph, ident) if ident in graph.nodes or ident in graph.groups else ():
            scaled[nid] = float(factor)
    return TransferPlan(frozen, scaled)


def apply(model: nn.Module, graph: Graph, config) -> tuple[list[dict], str]:
    """Freeze ``model`` (a compiled design) as ``config`` says; returns the optimiser's
    parameter groups and a one-line summary of trainable and frozen parameters."""
    names = getattr(model, "design_names", {})
    the_plan = plan(graph, config.freeze, config.lr_multipliers)
    frozen_count = 0
    groups: dict[float, list[torch.Tensor]] = {}
    for nid, name in names.items():
        layer = getattr(model, name, None)
        if not isinstance(layer, nn.Module):
            continue
        if nid in the_plan.frozen:
            for p in layer.parameters():
                p.requires_grad_(False)
                frozen_count += p.numel()
            if config.frozen_batchnorm_eval:
                _keep_evaluating(layer)
            continue
        factor = the_plan.multipliers.get(nid, 1.0)
        groups.setdefault(factor, []).extend(p for p in layer.parameters() if p.requires_grad)
    trainable = sum(p.numel() for ps in groups.values() for p in ps)
    param_groups = [{"params": ps, "lr": config.lr * f, "lr_mult": f} for f, ps in groups.items() if ps]
    summary = (f"transfer learning: {trainable:,} parameters train, {frozen_count:,} are frozen "
               f"({len(the_plan.frozen)} node(s))")
    if the_plan.multipliers:
        summary += f"; learning-rate multipliers on {len(the_plan.multipliers)} node(s)"
    return param_groups, summary


def load_pretrained(model: nn.Module, path, fresh=()) -> str:
    """Start from the weights in a state_dict file (in the design's naming or the original
    model's, as weights.match_state_dict reads them); tensors whose shape differs (a replaced
    head) and the layers of the nodes in ``fresh`` keep their fresh initialisation. Returns
    a note saying which."""
    from ..compiler.weights import read_state_dict

    state = read_state_dict(path)
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return load_fitting(model, state, path, fresh)


def load_fitting(model: nn.Module, state: dict, source, fresh=()) -> str:
    """Load every tensor of ``state`` that fits ``model`` (same name once mapped, same shape),
    except those of the layers of the nodes in ``fresh``; WeightsError when none fits."""
    from ..compiler.weights import WeightsError, compiled_name

    own = model.state_dict()
    names = getattr(model, "design_names", {})
    skipped = tuple(f"{names[n]}." for n in fresh if n in names)
    fitting = {}
    for key, tensor in state.items():
        name = compiled_name(key, own, names)
        if name in own and own[name].shape == tensor.shape and not name.startswith(skipped):
            fitting[name] = tensor
    if not fitting:
        raise WeightsError(f"none of the tensors in {source} fits the design")
    with torch.no_grad():
        model.load_state_dict({**own, **fitting})
    fresh_names = sorted({k.rsplit(".", 1)[0] for k in own
                          if k not in fitting and not k.endswith("num_batches_tracked")})
    note = (f"started from the weights in {source} ({len(fitting)} tensors loaded, "
            f"{len(fresh_names)} layer(s) left fresh)")
    if fresh_names:
        note += (f"; freshly initialised: {', '.join(fresh_names[:4])}"
                 f"{' ...' if len(fresh_names) > 4 else ''} (new, resized or replaced layers, e.g. a "
                 f"replaced head)")
    return note


def _stay_in_eval(module: nn.Module, mode: bool = True) -> nn.Module:
    return nn.Module.train(module, False)


def _keep_evaluating(layer: nn.Module) -> None:
    """A frozen BatchNorm keeps its running statistics: model.train() leaves it evaluating."""
    for module in layer.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.train = _stay_in_eval.__get__(module)
            module.eval()
