"""Which nodes a transfer-learning setting names: a node id, or a group id standing for every
node inside it (nested groups included), and "everything up to this node" in the design's
order. Pure: used by training, the training-script export and the command line.
"""

from __future__ import annotations

from .graph import Graph


class TransferError(ValueError):
    """A freeze or learning-rate setting that names no node or group of the design."""


def members(graph: Graph, ident: str) -> list[str]:
    """The nodes named by ``ident``: the node itself, or every node of the group (nested
    groups included)."""
    if ident in graph.nodes:
        return [ident]
    if ident not in graph.groups:
        known = ", ".join(list(graph.groups)[:5])
        raise TransferError(f"{ident!r} is neither a node nor a group of the design"
                            + (f" (groups: {known}, ...)" if known else ""))
    found = list(graph.groups[ident].nodes)
    for group in graph.groups.values():
        if group.parent == ident:
            found += members(graph, group.id)
    return found


def freeze_until(graph: Graph, order: list[str], node_id: str) -> list[str]:
    """Every node up to and including ``node_id`` in the design's order (the backbone)."""
    if node_id not in graph.nodes:
        raise TransferError(f"--freeze-until {node_id!r}: the design has no such node")
    return order[: order.index(node_id) + 1] if node_id in order else [node_id]
