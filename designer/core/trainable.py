"""Per-node transfer-learning settings as the inspector and the canvas see them: is a node
frozen, which learning-rate multiplier applies to it, and the training settings after a
node's or a group's "Trainable" switch or multiplier changed.

The settings are the design's own (``graph.training``: ``freeze``, a list of node or group
ids, and ``lr_multipliers``, id → factor, where a later entry wins over an earlier one as in
``training.transfer.plan``). Ids that no longer name anything (a node deleted since) are
ignored here; the functions returning new settings never mutate the ones given. Pure.
"""

from __future__ import annotations

import copy
from typing import Any, Iterable

from .freezing import members
from .graph import Graph


#: A run's note when layers are frozen but nothing is loaded into them (no pretrained
#: weights, no checkpoint): a legitimate experiment, but rarely what was meant.
RANDOM_FROZEN = ("the frozen layers start from random (initial) weights: no pretrained weights "
                 "are loaded, so only the unfrozen layers learn, on random features. Load "
                 "pretrained weights first (Run → Fine-tune from Pretrained Weights… in the window, "
                 "--weights FILE on the command line), or unfreeze the layers")


def _nodes_of(graph: Graph, ident: str) -> list[str]:
    """The nodes ``ident`` names (a node, or a group's nodes); [] for an unknown id."""
    if ident in graph.nodes:
        return [ident]
    if ident in graph.groups:
        return [n for n in members(graph, ident) if n in graph.nodes]
    return []


#: The last answer of frozen_nodes with what it depended on (the views ask after every edit),
#: one tuple replaced whole, so that the training thread and the window never mix two answers.
_last: list = [None]


def frozen_nodes(graph: Graph, settings: dict | None = None) -> frozenset[str]:
    """Every node whose weights the training settings keep as they are. Remembered until the
    freeze list, the graph's structure or its groups change: a 5,000-layer design frozen up
    to its middle is answered again in no time after a parameter edit."""
    settings = graph.training if settings is None else settings
    freeze = tuple((settings or {}).get("freeze", ()) or ())
    if not freeze:
        return frozenset()
    token, groups = graph.structure_token, graph.groups
    last = _last[0]
    if last is not None and last[0] is token and last[1] is groups and last[2] == freeze:
        return last[3]
    found: set[str] = {i for i in freeze if i in graph.nodes}
    wanted = [i for i in freeze if i in groups and i not in graph.nodes]
    if wanted:
        children: dict[str | None, list[str]] = {}
        for gid, group in groups.items():
            children.setdefault(group.parent, []).append(gid)
        stack, seen = list(wanted), set()
        while stack:
            gid = stack.pop()
            if gid in seen:
                continue
            seen.add(gid)
            found.update(n for n in groups[gid].nodes if n in graph.nodes)
            stack.extend(children.get(gid, ()))
    result = frozenset(found)
    _last[0] = (token, groups, freeze, result)
    return result


def multiplier_of(graph: Graph, node_id: str, settings: dict | None = None) -> float:
    """The learning-rate multiplier that applies to ``node_id`` (1.0 when none does)."""
    settings = graph.training if settings is None else settings
    factor = 1.0
    for ident, value in ((settings or {}).get("lr_multipliers", {}) or {}).items():
        if node_id in _nodes_of(graph, ident):
            factor = float(value)
    return factor


def with_trainable(graph: Graph, settings: dict | None, ids: Iterable[str], trainable: bool,
                   group: str | None = None) -> dict[str, Any]:
    """``settings`` after switching ``ids`` (or every node of ``group``) to trainable or
    frozen. Freezing a group records the group's id; unfreezing a node inside a frozen group
    replaces the group's entry by its other nodes, so nothing else changes."""
    out = copy.deepcopy(settings or {})
    freeze = list(out.get("freeze", []))
    targets = set(_nodes_of(graph, group)) if group else set()
    targets.update(i for i in ids if i in graph.nodes)
    if trainable:
        kept: list[str] = []
        for ident in freeze:
            inside = _nodes_of(graph, ident)
            if ident == group or ident in targets:
                continue
            if ident in graph.groups and targets.intersection(inside):
                kept.extend(n for n in inside if n not in targets)
                continue
            kept.append(ident)
        freeze = kept
    else:
        already = frozen_nodes(graph, out)
        if group is not None:
            freeze = [i for i in freeze if not (set(_nodes_of(graph, i)) <= targets and _nodes_of(graph, i))]
            freeze.append(group)
        else:
            freeze += [i for i in ids if i in graph.nodes and i not in already]
    freeze = list(dict.fromkeys(freeze))
    if freeze:
        out["freeze"] = freeze
    else:
        out.pop("freeze", None)
    return out


def with_multiplier(graph: Graph, settings: dict | None, ids: Iterable[str], factor: float,
                    group: str | None = None) -> dict[str, Any]:
    """``settings`` after setting the learning-rate multiplier of ``ids`` (or of every node
    of ``group``, replacing the entries of what lies inside it) to ``factor``. An entry that
    would only restate the multiplier in force (1.0, or an enclosing group's) is left out."""
    out = copy.deepcopy(settings or {})
    factors = dict(out.get("lr_multipliers", {}))
    factor = float(factor)
    if group is not None:
        inside = set(_nodes_of(graph, group))
        for ident in list(factors):
            nodes = _nodes_of(graph, ident)
            if ident == group or (nodes and set(nodes) <= inside):
                del factors[ident]
        trial = {**out, "lr_multipliers": factors}
        if any(multiplier_of(graph, n, trial) != factor for n in inside):
            factors[group] = factor
    else:
        for node_id in ids:
            factors.pop(node_id, None)
            if multiplier_of(graph, node_id, {**out, "lr_multipliers": factors}) != factor:
                factors[node_id] = factor
    if factors:
        out["lr_multipliers"] = factors
    else:
        out.pop("lr_multipliers", None)
    return out


def frozen_groups(graph: Graph, frozen: Iterable[str], weighted: Iterable[str]) -> frozenset[str]:
    """The groups whose every layer with weights (``weighted``) is ``frozen``, nested groups
    included; a group without such layers is not called frozen. One pass over the groups'
    nodes (the canvas asks after every edit of a large design)."""
    frozen, weighted = set(frozen), set(weighted)
    seen: dict[str, bool] = {}  # group -> all frozen so far (present: it has weighted layers)
    for gid, group in graph.groups.items():
        for node_id in group.nodes:
            if node_id not in weighted:
                continue
            is_frozen = node_id in frozen
            at, hops = gid, 0
            while at in graph.groups and hops <= len(graph.groups):
                seen[at] = seen.get(at, True) and is_frozen
                at, hops = graph.groups[at].parent, hops + 1
    return frozenset(gid for gid, all_frozen in seen.items() if all_frozen)


def renamed(settings: dict | None, old: str, new: str) -> dict[str, Any] | None:
    """``settings`` with node id ``old`` called ``new`` in ``freeze``, ``lr_multipliers`` and
    ``fresh_layers`` (a renamed layer stays frozen); None when none of them names it."""
    settings = settings or {}
    out = copy.deepcopy(settings)
    for key in ("freeze", "fresh_layers"):
        if isinstance(settings.get(key), list) and old in settings[key]:
            out[key] = [new if i == old else i for i in settings[key]]
    factors = settings.get("lr_multipliers")
    if isinstance(factors, dict) and old in factors:
        out["lr_multipliers"] = {new if k == old else k: v for k, v in factors.items()}
    return out if out != settings else None
