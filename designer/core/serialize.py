"""The design file format (JSON, UTF-8, one node or edge per line) and atomic saving.

Reading is strict about structure (what would be lost or misread) and lenient about
content the analysis judges (an unknown layer type or a bad parameter loads, and is then
reported as an issue, so that a user can fix it in the editor instead of losing the file).
Every structural problem raises DesignFileError with a message that says what and where.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from .atomic_write import write_text
from .graph import Edge, Graph, GraphError, Group, Node
from .safe_read import read_limited, within_depth

FORMAT = "designer.network"
VERSION = 1
MAX_NODES = 100_000
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_COORD = 1e7
MAX_DEPTH = 32  # nesting of lists/objects: the format itself needs 5

TOP_KEYS = {"format", "version", "name", "description", "nodes", "edges", "groups", "training"}
NODE_KEYS = {"id", "type", "params", "position"}
EDGE_KEYS = {"from", "to", "port"}
GROUP_KEYS = {"id", "name", "nodes", "kind", "collapsed", "parent"}


class DesignFileError(ValueError):
    """A design file or dict that cannot be read; the message says what and how to fix it."""


# --------------------------------------------------------------------------- writing
def to_dict(graph: Graph) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "name": graph.name,
        "description": graph.description,
        "nodes": [
            {"id": n.id, "type": n.type, "params": n.params, "position": [_num(n.position[0]), _num(n.position[1])]}
            for n in graph.nodes.values()
        ],
        "edges": [_edge_dict(e) for e in graph.edges],
    }
    if graph.groups:
        data["groups"] = [_group_dict(g) for g in graph.groups.values()]
    if graph.training:
        data["training"] = graph.training
    return data


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 2)


def _edge_dict(e: Edge) -> dict[str, Any]:
    d: dict[str, Any] = {"from": e.src, "to": e.dst}
    if e.port:
        d["port"] = e.port
    return d


def _group_dict(g: Group) -> dict[str, Any]:
    d: dict[str, Any] = {"id": g.id, "name": g.name, "nodes": g.nodes}
    if g.kind:
        d["kind"] = g.kind
    d["collapsed"] = g.collapsed
    if g.parent:
        d["parent"] = g.parent
    return d


def dumps(graph: Graph) -> str:
    """JSON text with one node, edge or group per line, so that diffs stay readable."""
    data = to_dict(graph)
    lines = ["{"]
    head = [k for k in data if k not in ("nodes", "edges", "groups", "training")]
    for key in head:
        lines.append(f"  {json.dumps(key)}: {json.dumps(data[key], ensure_ascii=False)},")
    for key in ("nodes", "edges", "groups"):
        if key not in data:
            continue
        items = data[key]
        lines.append(f"  {json.dumps(key)}: [")
        for i, item in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            lines.append(f"    {json.dumps(item, ensure_ascii=False)}{comma}")
        lines.append("  ],")
    if "training" in data:
        text = json.dumps(data["training"], ensure_ascii=False, indent=2).replace("\n", "\n  ")
        lines.append(f'  "training": {text},')
    lines[-1] = lines[-1].rstrip(",")
    lines.append("}")
    return "\n".join(lines) + "\n"


def save(graph: Graph, path: str | os.PathLike) -> None:
    """Write atomically (designer.core.atomic_write); WriteError names the path and cause."""
    write_text_atomic(Path(path), dumps(graph))


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` through the one atomic writer (WriteError, an OSError, on failure)."""
    write_text(path, text)


# --------------------------------------------------------------------------- reading
def load(path: str | os.PathLike) -> Graph:
    path = Path(path)
    raw = read_limited(path, MAX_FILE_BYTES, "a design file", DesignFileError)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DesignFileError(f"{path} is not UTF-8 text (byte {exc.start}); is it a design file?") from None
    try:
        return loads(text)
    except DesignFileError as exc:
        raise DesignFileError(f"{path}: {exc}") from None


def loads(text: str) -> Graph:
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise DesignFileError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except ValueError as exc:
        raise DesignFileError(str(exc)) from None
    except RecursionError:
        raise DesignFileError(f"the JSON is nested too deeply; a design file nests at most "
                              f"{MAX_DEPTH} levels") from None
    return from_dict(data)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not valid JSON: {name} is not allowed in a design file")


def from_dict(data: Any) -> Graph:
    """Build a Graph from parsed JSON, checking every structural rule; nothing is half-built."""
    data = migrate(data)
    if not within_depth(data, MAX_DEPTH):
        raise DesignFileError(f"the design nests lists and objects more than {MAX_DEPTH} levels "
                              f"deep (in a parameter or the training settings?); no design needs that")
    _keys(data, TOP_KEYS, "the top level")
    graph = Graph(_text(data.get("name", "Untitled"), "name"), _text(data.get("description", ""), "description"))
    nodes = _list(data.get("nodes"), "nodes")
    if len(nodes) > MAX_NODES:
        raise DesignFileError(f"the design has {len(nodes):,} nodes; the limit is {MAX_NODES:,}")
    for i, raw in enumerate(nodes):
        node = _node(raw, i)
        if node.id in graph.nodes:
            raise DesignFileError(f"nodes[{i}]: the id {node.id!r} is used twice; ids must be unique")
        graph.add_node(node)
    for i, raw in enumerate(_list(data.get("edges", []), "edges")):
        edge = _edge(raw, i)
        try:
            graph.add_edge(edge)
        except GraphError as exc:
            raise DesignFileError(f"edges[{i}]: {exc}") from None
    groups = {}
    for i, raw in enumerate(_list(data.get("groups", []), "groups")):
        group = _group(raw, i, graph, groups)
        groups[group.id] = group
    owner: dict[str, str] = {}
    for group in groups.values():
        for member in group.nodes:
            if member in owner:
                raise DesignFileError(
                    f"node {member!r} is listed by groups {owner[member]!r} and {group.id!r}; "
                    f"a node belongs directly to one group (nest groups with 'parent')"
                )
            owner[member] = group.id
        if group.parent is not None and group.parent not in groups:
            raise DesignFileError(f"group {group.id!r}: its parent {group.parent!r} is not a group")
    for group in groups.values():
        chain, parent = [group.id], group.parent
        while parent is not None:
            if parent in chain:
                loop = " → ".join(chain + [parent])
                raise DesignFileError(f"groups nest in a loop ({loop}); a group cannot contain itself")
            chain.append(parent)
            parent = groups[parent].parent
    graph.groups = groups
    training = data.get("training", {})
    if not isinstance(training, dict):
        raise DesignFileError(f"'training' must be an object, got {_typename(training)}")
    graph.training = training
    return graph


def migrate(data: Any) -> dict[str, Any]:
    """Check the header and bring older versions up to date (version 1 is the first)."""
    if not isinstance(data, dict):
        raise DesignFileError(f"a design file holds a JSON object, got {_typename(data)}")
    fmt = data.get("format")
    if fmt != FORMAT:
        raise DesignFileError(
            f"this is not a Designer network file: 'format' is {fmt!r}, expected {FORMAT!r}"
        )
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise DesignFileError(f"'version' must be a whole number, got {version!r}")
    if version > VERSION:
        raise DesignFileError(
            f"the file was written by a newer Designer (format version {version}); this one "
            f"reads versions up to {VERSION}: please update Designer"
        )
    if version < 1:
        raise DesignFileError(f"format version {version} does not exist; the first is 1")
    return data


def _keys(obj: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise DesignFileError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} in "
            f"{where} (allowed: {', '.join(sorted(allowed))})"
        )


def _typename(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _list(value: Any, what: str) -> list:
    if not isinstance(value, list):
        raise DesignFileError(f"'{what}' must be a list, got {_typename(value)}")
    return value


def _text(value: Any, what: str, limit: int = 100_000) -> str:
    if not isinstance(value, str):
        raise DesignFileError(f"'{what}' must be a string, got {_typename(value)}")
    if len(value) > limit:
        raise DesignFileError(f"'{what}' is {len(value):,} characters long; the limit is {limit:,}")
    return value


def _ident(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DesignFileError(f"{where}: an id must be a non-empty string, got {value!r}")
    if len(value) > 200 or any(ord(c) < 32 for c in value):
        raise DesignFileError(f"{where}: the id {value[:40]!r} is too long or has control characters")
    return value


def _node(raw: Any, i: int) -> Node:
    where = f"nodes[{i}]"
    if not isinstance(raw, dict):
        raise DesignFileError(f"{where} must be an object, got {_typename(raw)}")
    _keys(raw, NODE_KEYS, where)
    node_id = _ident(raw.get("id"), where)
    where = f"node {node_id!r}"
    kind = raw.get("type")
    if not isinstance(kind, str) or not kind:
        raise DesignFileError(f"{where}: 'type' must be a layer type name, got {kind!r}")
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise DesignFileError(f"{where}: 'params' must be an object, got {_typename(params)}")
    position = raw.get("position", [0, 0])
    if (
        not isinstance(position, list)
        or len(position) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position)
        or not all(math.isfinite(v) and abs(v) <= MAX_COORD for v in position)
    ):
        raise DesignFileError(f"{where}: 'position' must be [x, y] with finite numbers, got {position!r}")
    return Node(node_id, kind, params, (float(position[0]), float(position[1])))


def _edge(raw: Any, i: int) -> Edge:
    where = f"edges[{i}]"
    if not isinstance(raw, dict):
        raise DesignFileError(f"{where} must be an object, got {_typename(raw)}")
    _keys(raw, EDGE_KEYS, where)
    for key in ("from", "to"):
        if key not in raw:
            raise DesignFileError(f"{where}: missing {key!r}")
    port = raw.get("port", 0)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port < 10_000:
        raise DesignFileError(f"{where}: 'port' must be a whole number ≥ 0, got {port!r}")
    return Edge(_ident(raw["from"], where), _ident(raw["to"], where), port)


def _group(raw: Any, i: int, graph: Graph, groups: dict[str, Group]) -> Group:
    where = f"groups[{i}]"
    if not isinstance(raw, dict):
        raise DesignFileError(f"{where} must be an object, got {_typename(raw)}")
    _keys(raw, GROUP_KEYS, where)
    gid = _ident(raw.get("id"), where)
    if gid in groups or gid in graph.nodes:
        raise DesignFileError(f"{where}: the id {gid!r} is already used by a node or group")
    members = _list(raw.get("nodes", []), f"{where}.nodes")
    for member in members:
        if member not in graph.nodes:
            raise DesignFileError(f"group {gid!r} lists {member!r}, which is not a node")
    collapsed = raw.get("collapsed", True)
    if not isinstance(collapsed, bool):
        raise DesignFileError(f"group {gid!r}: 'collapsed' must be true or false")
    parent = raw.get("parent")
    if parent is not None:
        parent = _ident(parent, where)
    return Group(gid, _text(raw.get("name", gid), f"{where}.name", 200), list(members),
                 _text(raw.get("kind", ""), f"{where}.kind", 200), collapsed, parent)
