"""The canvas's transfer-learning menu entries: "Freeze up to here" on a layer (every layer
before it and the layer itself keep their weights while training), "Freeze block" on a group,
"Unfreeze all", and "Replace the head…" on the classifier layer. Each is one undoable change
of the design."""

from __future__ import annotations

from ...core.freezing import freeze_until, members
from ...core.head import find_head
from ..transfer_actions import ask_replace_head
from ..training_panel.config_edit import SetTraining


def freeze_entries(view, target) -> list[tuple[str, object]]:
    """(text, slot) menu entries for ``target`` (a NodeItem or a group item, or None)."""
    document = view.document
    graph = document.graph
    entries: list[tuple[str, object]] = []
    node_id = getattr(target, "node_id", None)
    group_id = getattr(target, "group_id", None)
    order = document.analysis.order
    head = find_head(graph)
    if node_id in graph.nodes:
        entries.append(("Freeze up to here", lambda: _set_frozen(
            document, freeze_until(graph, order, node_id), "Freeze up to here")))
    elif group_id in graph.groups:
        inside = set(members(graph, group_id))
        last = next((n for n in reversed(order) if n in inside), None)
        if last is not None:  # a block: up to its last layer
            entries.append(("Freeze up to here", lambda: _set_frozen(
                document, freeze_until(graph, order, last), "Freeze up to here")))
        frozen = list(dict.fromkeys([*_frozen(graph), *members(graph, group_id)]))
        entries.append(("Freeze block", lambda: _set_frozen(document, frozen, f"Freeze {group_id}")))
    window = view.window() if hasattr(view, "window") else None
    if head is not None and hasattr(window, "training") and (
            node_id == head or (group_id in graph.groups and head in members(graph, group_id))):
        entries.append(("Replace the head…", lambda: ask_replace_head(window, head)))
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
