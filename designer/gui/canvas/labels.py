"""What the canvas writes on its items, derived from the graph and the analysis.

Pure functions of model data (no painting): the text of a layer's box, of a collapsed
group's box and of an expanded group's frame, the shape label of an edge, and the ports a
box offers. The scene compares the results with what items show and repaints only changes.
"""

from __future__ import annotations

import weakref

from ...core.graph import Edge, Graph, Group, Node
from ...layers import registry
from .node_item import ERROR, OK, UNKNOWN, WARNING, BoxText, PortSpec
from .port_item import IN, OUT
from .style import fmt_count, fmt_params, fmt_shape


def placeholder(node: Node, title: str | None = None) -> BoxText:
    """A new box's text before the analysis has looked at it."""
    spec = registry.get(node.type)
    line1 = spec.describe(node.params) if spec is not None else ""
    return BoxText(title or node.id, node.type, line1 or _category(node.type), "", status=UNKNOWN,
                   quiet=not line1)


def placeholder_group(group: Group, count: int) -> BoxText:
    return BoxText(group.name, _layers(count), "", group.kind or "block", status=UNKNOWN)


def _category(layer_type: str) -> str:
    spec = registry.get(layer_type)
    return spec.category if spec is not None else "unknown layer type"


def _layers(n: int) -> str:
    return f"{n} layer{'s' if n != 1 else ''}"


def _short(message: str, node_id: str, layer_type: str = "") -> str:
    """The reason without the culprit's name (the box says which layer it is) and without
    the advice after ";" (the tooltip and the Problems panel have the whole message)."""
    text = message.strip()
    for head in (f"{layer_type} {node_id}", f"Input {node_id}", f"Output {node_id}", node_id):
        if head.strip() and text.startswith(head):
            text = text[len(head):].lstrip()
            break
    if text.startswith("'s "):
        text = text[3:]
    text = text.lstrip(":").strip()
    text = text.split(";")[0].split(", so ")[0].strip().rstrip(".")
    return text[:1].upper() + text[1:] if text else message


def node_text(node: Node, info, title: str | None = None) -> BoxText:
    """The text of a layer's box from its NodeInfo (None while not analysed); ``title``
    replaces the id shown in the header (a shorter one inside a labelled block)."""
    if info is None:
        return placeholder(node, title)
    errors = [i for i in info.issues if i.is_error]
    warnings = [i for i in info.issues if not i.is_error]
    status = ERROR if (errors or info.status == "error") else (WARNING if warnings else
                                                                (UNKNOWN if info.status == "unknown" else OK))
    spec = registry.get(node.type)
    line1 = info.label or (spec.describe(node.params) if spec else "")
    quiet = not line1
    line1 = line1 or _category(node.type)
    if info.output_shape is not None:
        line2 = f"→ {fmt_shape(info.output_shape)}"
    else:
        line2 = "shape unknown" if status == UNKNOWN else "no output shape"
    endpoint = node.type in ("Input", "Output")
    extra = "" if endpoint or info.output_shape is None else fmt_params(info.params)
    first = (errors or warnings or [None])[0]
    issue = _short(first.message, node.id, node.type) if first is not None else ""
    if status == UNKNOWN and not issue:
        line2 = "shape unknown"
    return BoxText(title or node.id, node.type, line1, line2, extra, issue, status, _tooltip(node, info), quiet)


def _tooltip(node: Node, info) -> str:
    lines = [f"{node.id} — {node.type}"]
    if info.label:
        lines.append(info.label)
    if info.input_shapes:
        ins = ", ".join(fmt_shape(s) for s in info.input_shapes)
        lines.append(f"in {ins} → out {fmt_shape(info.output_shape)}")
    elif info.output_shape is not None:
        lines.append(f"output {fmt_shape(info.output_shape)}")
    if info.output_shape is not None and node.type not in ("Input", "Output"):
        lines.append(f"{info.params:,} parameters · {info.macs:,} multiply-adds")
    if info.receptive_field:
        lines.append(f"receptive field {info.receptive_field[0]}×{info.receptive_field[1]}")
    for issue in info.issues:
        mark = "Error" if issue.is_error else "Warning"
        lines.append(f"{mark}: {issue.message}")
    return "\n".join(lines)


def _status(infos) -> str:
    if any(i.status == "error" or any(x.is_error for x in i.issues) for i in infos):
        return ERROR
    if any(i.issues for i in infos):
        return WARNING
    return OK


def group_text(graph: Graph, gid: str, members: list[str], analysis, edge_items) -> BoxText:
    """A collapsed group: input → output shapes, its kind, and its members' parameter total
    (``edge_items``: the edges drawn to or from the group's box)."""
    group = graph.groups[gid]
    infos = [analysis.nodes[m] for m in members if m in analysis.nodes]
    total = sum(i.params for i in infos)
    ins, outs = [], []
    for item in edge_items:
        if item.dst.key == gid:
            ins.append(_shape_of(analysis, item.edges[0].src))
        if item.src.key == gid:
            outs.append(_shape_of(analysis, item.edges[0].src))
    ins, outs = list(dict.fromkeys(ins)), list(dict.fromkeys(outs))
    line1 = f"{' + '.join(ins) or '—'} → {' + '.join(outs) or '—'}"
    status = _status(infos)
    problems = [x for i in infos for x in i.issues]
    issue = problems[0].message if problems else ""
    tooltip = "\n".join([f"{group.name} — {group.kind or 'block'} of {_layers(len(members))}",
                         f"in {' + '.join(ins) or '—'} → out {' + '.join(outs) or '—'}",
                         f"{total:,} parameters (all layers inside)",
                         *(f"{'Error' if p.is_error else 'Warning'}: {p.message}" for p in problems[:6]),
                         "Click + or double-click to expand"])
    return BoxText(group.name, _layers(len(members)), line1, group.kind or "block",
                   fmt_params(total), issue, status, tooltip)


def _shape_of(analysis, node_id: str) -> str:
    info = analysis.nodes.get(node_id)
    return fmt_shape(info.output_shape) if info is not None and info.output_shape else "?"


def frame_text(group: Group, members: list[str], analysis) -> tuple[str, str, str, str]:
    """(title, detail, status, tooltip) of an expanded group's frame."""
    infos = [analysis.nodes[m] for m in members if m in analysis.nodes]
    total = sum(i.params for i in infos)
    detail = " · ".join(x for x in (group.kind, _layers(len(members)), f"{fmt_count(total)} params") if x)
    tooltip = f"{group.name}: {detail}\nClick − or double-click the title to collapse"
    return group.name, detail, _status(infos), tooltip


def edge_label(graph: Graph, edges: list[Edge], analysis) -> tuple[str, str]:
    """(shape text, tooltip) of an edge: the tensor that flows along it."""
    edge = edges[0]
    text = _shape_of(analysis, edge.src)
    if text == "?":
        text = ""
    targets = ", ".join(f"{e.dst} (input {e.port})" for e in edges)
    tip = f"{edge.src} → {targets}"
    if text:
        tip += f"\ntensor {text} per sample"
    return text, tip


def port_specs(graph: Graph, box, owner: dict[str, str], members: dict[str, list[str]]) -> list[PortSpec]:
    """The ports a box should show: a layer's inputs (a merge: one per edge plus a free one)
    and output; a collapsed group: one input per outside source, one output per member
    that feeds outside."""
    if box.key in graph.nodes:
        return _node_ports(graph, box.key)
    ins: list[str] = []
    outs: list[str] = []
    inside = set(members.get(box.key, []))
    for edge in _boundary_edges(graph, inside):
        if edge.dst in inside and edge.src not in inside:
            ins.append(owner.get(edge.src, edge.src))
        elif edge.src in inside and edge.dst not in inside:
            outs.append(edge.src)
    ins, outs = list(dict.fromkeys(ins)), list(dict.fromkeys(outs))
    specs = [PortSpec(IN, None, None, src, f"input from {src}") for src in ins]
    specs += [PortSpec(OUT, m, None, m, f"output of {m}: drag to an input to connect") for m in outs]
    return specs


def port_signature(graph: Graph, box_key: str) -> tuple | None:
    """What a layer's ports depend on (its type, the input ports in use, whether it feeds
    anything): equal signatures give equal ``port_specs``. None for a group's box."""
    node = graph.nodes.get(box_key)
    if node is None:
        return None
    return (node.type, tuple(e.port for e in graph.in_edges(box_key)), bool(graph.out_edges(box_key)))


_EDGE_RANKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _boundary_edges(graph: Graph, inside: set[str]) -> list[Edge]:
    """The edges touching ``inside``, in file order, found from the members' own edges (a
    scan of every edge per collapsed group made a group rebuild quadratic: 3.5 s for 1,250
    blocks); the file-order index is kept per graph until its structure changes."""
    token = graph.structure_token
    cached = _EDGE_RANKS.get(graph)
    if cached is None or cached[0] is not token:
        cached = (token, {e: i for i, e in enumerate(graph.edges)})
        _EDGE_RANKS[graph] = cached
    found = {e for m in inside for e in (*graph.in_edges(m), *graph.out_edges(m))}
    return sorted(found, key=cached[1].__getitem__)


def _node_ports(graph: Graph, nid: str) -> list[PortSpec]:
    spec = registry.get(graph.nodes[nid].type)
    used = sorted(e.port for e in graph.in_edges(nid))
    if spec is None or spec.inputs == 1:
        ports = sorted(set(used) | {0})
    elif spec.inputs == 0:
        ports = used
    else:
        ports = sorted(set(used) | {graph.free_port(nid)})
    specs = []
    for p in ports:
        free = p not in used
        tip = f"input {p}" + (" (free: drag from an output to here)" if free else "")
        if spec is not None and spec.type == "Concat":
            tip += "; Concat stacks its inputs in port order, left to right"
        specs.append(PortSpec(IN, nid, p, p, tip))
    if spec is None or spec.has_output or graph.out_edges(nid):
        specs.append(PortSpec(OUT, nid, None, 0, "output: drag to an input to connect"))
    return specs
