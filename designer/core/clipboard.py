"""Copy and paste of part of a design, as plain data (the GUI puts it on the system clipboard).

``copy_nodes`` takes the chosen nodes, the edges between them (edges to the rest of the
design are left behind) and the groups wholly inside the choice. ``paste_edit`` builds the
one undoable edit that adds them again with fresh ids, moved by an offset, so that pasting
twice never collides with what is there.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

from .edits import AddNodes, Compound, Edit, SetGroups
from .graph import Edge, Graph, Group, Node
from .layout import group_members
from .safe_read import within_depth
from .serialize import MAX_DEPTH

FORMAT = "designer.clipboard"
VERSION = 1
MAX_NODES = 10_000


def copy_nodes(graph: Graph, node_ids: list[str]) -> dict[str, Any]:
    """The chosen nodes with their inner edges and inner groups, as JSON-ready data."""
    chosen = set(node_ids)
    ids = [n for n in graph.nodes if n in chosen]
    nodes = [{"id": n, "type": graph.nodes[n].type, "params": copy.deepcopy(graph.nodes[n].params),
              "position": list(graph.nodes[n].position)} for n in ids]
    edges = [{"from": e.src, "to": e.dst, "port": e.port} for e in graph.edges
             if e.src in chosen and e.dst in chosen]
    members = group_members(graph)
    inner = [gid for gid, m in members.items() if m and set(m) <= chosen]
    groups = []
    for gid in inner:
        g = graph.groups[gid]
        groups.append({"id": gid, "name": g.name, "nodes": [n for n in g.nodes if n in chosen],
                       "kind": g.kind, "collapsed": g.collapsed,
                       "parent": g.parent if g.parent in inner else None})
    return {"format": FORMAT, "version": VERSION, "nodes": nodes, "edges": edges, "groups": groups}


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def loads(text: str) -> dict[str, Any]:
    """Parse clipboard text; ValueError (saying what is wrong) unless it is copied layers."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError, RecursionError):
        raise ValueError("the clipboard does not hold copied layers") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("the clipboard does not hold copied layers")
    if not within_depth(data, MAX_DEPTH):
        raise ValueError(f"the copied layers nest more than {MAX_DEPTH} levels deep")
    nodes = data.get("nodes")
    if not isinstance(nodes, list) or not nodes or len(nodes) > MAX_NODES:
        raise ValueError("the copied data holds no layers")
    ids = set()
    for node in nodes:
        _check_node(node)
        ids.add(node["id"])
    for edge in data.get("edges", []):
        if not (isinstance(edge, dict) and edge.get("from") in ids and edge.get("to") in ids
                and isinstance(edge.get("port", 0), int) and edge.get("port", 0) >= 0):
            raise ValueError(f"a copied edge is malformed: {edge!r}")
    for group in data.get("groups", []):
        if not (isinstance(group, dict) and isinstance(group.get("id"), str)
                and isinstance(group.get("nodes"), list) and set(group["nodes"]) <= ids):
            raise ValueError(f"a copied group is malformed: {group!r}")
    return data


def _check_node(node: Any) -> None:
    if not isinstance(node, dict):
        raise ValueError(f"a copied layer is malformed: {node!r}")
    pos = node.get("position", [0, 0])
    if not (isinstance(node.get("id"), str) and node["id"] and isinstance(node.get("type"), str)
            and isinstance(node.get("params", {}), dict) and isinstance(pos, list) and len(pos) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pos)):
        raise ValueError(f"a copied layer is malformed: {str(node)[:80]}")


def bounds(payload: dict[str, Any]) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of the copied nodes' positions."""
    xs = [n["position"][0] for n in payload["nodes"]]
    ys = [n["position"][1] for n in payload["nodes"]]
    return (min(xs), min(ys), max(xs), max(ys))


def centre(payload: dict[str, Any]) -> tuple[float, float]:
    left, top, right, bottom = bounds(payload)
    return ((left + right) / 2.0, (top + bottom) / 2.0)


def _fresh(base: str, taken: set[str], counters: dict[str, int] | None = None) -> str:
    """``base``, or the first free "<stem>N"; ``counters`` remembers where each stem's search
    got to (names only get taken during a paste), so pasting 1,000 layers stays linear."""
    if base not in taken:
        return base
    stem = base.rstrip("0123456789") or base
    n = counters.get(stem, 1) if counters is not None else 1
    while f"{stem}{n}" in taken:
        n += 1
    if counters is not None:
        counters[stem] = n + 1
    return f"{stem}{n}"


def paste_edit(graph: Graph, payload: dict[str, Any], offset: tuple[float, float]) -> tuple[Edit, list[str]]:
    """One edit adding the copied layers with fresh ids, moved by ``offset``; and their ids."""
    taken = set(graph.nodes) | set(graph.groups)
    rename: dict[str, str] = {}
    counters: dict[str, int] = {}
    for node in payload["nodes"]:
        rename[node["id"]] = _fresh(node["id"], taken, counters)
        taken.add(rename[node["id"]])
    nodes = []
    for node in payload["nodes"]:
        x, y = node["position"]
        nodes.append(Node(rename[node["id"]], node["type"], copy.deepcopy(node.get("params", {})),
                          (float(x) + offset[0], float(y) + offset[1])))
    edits: list[Edit] = [AddNodes(nodes, _edges(payload, rename), text="Paste")]
    groups = _groups(payload, rename, taken)
    if groups:
        table = {gid: g.copy() for gid, g in graph.groups.items()}
        table.update(groups)
        edits.append(SetGroups(table, text="Paste"))
    count = len(rename)
    text = f"Paste {count} layer{'s' if count != 1 else ''}"
    return Compound(edits, text=text), list(rename.values())


def _edges(payload: dict[str, Any], rename: dict[str, str]) -> list[Edge]:
    """The copied edges, renamed, with each target's ports renumbered 0, 1, … in order
    (a merge whose other inputs stayed behind keeps its inputs' order without gaps)."""
    by_dst: dict[str, list[dict]] = {}
    for e in payload.get("edges", []):
        by_dst.setdefault(e["to"], []).append(e)
    out = []
    for dst, edges in by_dst.items():
        for port, e in enumerate(sorted(edges, key=lambda e: e.get("port", 0))):
            out.append(Edge(rename[e["from"]], rename[dst], port))
    return out


def _groups(payload: dict[str, Any], rename: dict[str, str], taken: set[str]) -> dict[str, Group]:
    gids: dict[str, str] = {}
    for g in payload.get("groups", []):
        gids[g["id"]] = _fresh(g["id"], taken)
        taken.add(gids[g["id"]])
    groups = {}
    for g in payload.get("groups", []):
        new = gids[g["id"]]
        name = g.get("name") or new
        groups[new] = Group(new, name if name != g["id"] else new, [rename[n] for n in g["nodes"]],
                            str(g.get("kind", "")), bool(g.get("collapsed", True)), gids.get(g.get("parent")))
    return groups
