"""The canvas's transfer-learning menu entries: "Freeze up to here" on a layer (every layer
before it and the layer itself keep their weights while training), "Freeze block" on a group,
and "Unfreeze all". Each is one undoable change of the design's training settings."""

from __future__ import annotations

from ...core.freezing import freeze_until, members
from ..training_panel.config_edit import SetTraining


def freeze_entries(view, target) -> list[tuple[str, object]]:
    """(text, slot) menu entries for ``target`` (a NodeItem or a group item, or None)."""
    document = view.document
    graph = document.graph
    entries: list[tuple[str, object]] = []
    node_id = getattr(target, "node_id", None)
    group_id = getattr(target, "group_id", None)
    if node_id in graph.nodes:
        entries.append(("Freeze up to here", lambda: _set_frozen(
            document, freeze_until(graph, document.analysis.order, node_id), "Freeze up to here")))
    elif group_id in graph.groups:
        frozen = list(dict.fromkeys([*_frozen(graph), *members(graph, group_id)]))
        entries.append(("Freeze block", lambda: _set_frozen(document, frozen, f"Freeze {group_id}")))
    if _frozen(graph):
        entries.append(("Unfreeze all", lambda: _set_frozen(document, [], "Unfreeze all")))
    return [(None, None), *entries] if entries else []


def _frozen(graph) -> list[str]:
    return list((graph.training or {}).get("freeze", []))


def _set_frozen(document, ids: list[str], text: str) -> None:
    settings = dict(document.graph.training or {})
    if ids:
        settings["freeze"] = list(ids)
    else:
        settings.pop("freeze", None)
    document.push(SetTraining(settings, text=text))
