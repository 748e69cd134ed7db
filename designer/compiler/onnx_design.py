"""Give an ONNX file exported by Designer its design back (design → ONNX → design).

The network itself always comes from the ONNX graph through onnx2torch, with the file's
weights; the design kept in the file's metadata (onnx_export.DESIGN_KEY) only supplies what
ONNX does not hold, and only where it agrees with what was imported:

- node ids: each ONNX node is scoped by the attribute name of its layer ("/layer1_0_conv1/Conv"),
  which the metadata maps back to the id ("layer1.0.conv1");
- each layer's parameters as the design wrote them, where they resolve to the imported ones
  (ONNX stores floats as float32: eps 1e-5 comes back as 9.99999974e-06);
- the catalog form of layers that ONNX writes another way, from a table of exact
  equivalences (an AdaptiveAvgPool2d to a size that divides the input is an AveragePool);
- groups, positions, training settings, the design's name and description, when every node
  was matched.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from ..analysis import analyze
from ..core.graph import Group
from ..core.serialize import from_dict
from .onnx_symbolic import EVAL_IDENTITIES


def restore_design(result, kept: dict) -> str:
    """Apply ``kept`` (the metadata) to an ImportResult; says what it gave back ("" when the
    metadata does not fit at all)."""
    try:
        original = from_dict(kept["design"])
        names = dict(kept["names"])
    except Exception:  # metadata written by something else, or damaged: import as a plain file
        return ""
    mapping = _match_ids(result.graph, original, names)
    if not mapping:
        return ""
    _rename_all(result, {old: new for old, new in mapping.items() if old != new})
    _restore_forms(result.graph, original)
    if set(result.graph.nodes) != set(original.nodes) - _dropped(original):
        return f"the ids of {len(mapping)} of its {len(original.nodes)} layers"
    _restore_layout(result.graph, original)
    return "its ids, layer forms, groups, layout and training settings"


def _dropped(original) -> set[str]:
    """Nodes of the design that the compiled model leaves out (dead ends)."""
    analysis = analyze(original)
    return set(original.nodes) - set(analysis.live)


def _match_ids(graph, original, names: dict[str, str]) -> dict[str, str]:
    """Imported id -> design id, for nodes whose ONNX scope is exactly one design layer."""
    by_name = {name: nid for nid, name in names.items()}
    scopes: dict[str, list[str]] = {}
    mapping = {}
    for node in graph:
        if node.type in ("Input", "Output"):
            ends = [n.id for n in original if n.type == node.type]
            if len(ends) == 1:
                mapping[node.id] = ends[0]
            continue
        scope = node.id.strip("/").rsplit("/", 1)[0]
        scopes.setdefault(scope, []).append(node.id)
    for scope, ids in scopes.items():
        target = by_name.get(scope)
        if target is not None and len(ids) == 1 and target in original.nodes:
            mapping[ids[0]] = target
    return mapping


def _rename_all(result, mapping: dict[str, str]) -> None:
    """Rename in two steps so that swapped or chained ids never collide."""
    from .import_onnx import rename

    graph = result.graph
    temporary = {}
    for i, old in enumerate(mapping):
        temp = f"onnx_import_{i}"
        while temp in graph.nodes or temp in graph.groups:
            temp += "_"
        rename(result, old, temp)
        temporary[temp] = (old, mapping[old])
    for temp, (old, new) in temporary.items():
        taken = new in graph.nodes or new in graph.groups  # by an unmatched node: keep the old id
        rename(result, temp, old if taken else new)


def _restore_forms(graph, original) -> None:
    """Each matched node gets the design's type and parameters where they compute the same."""
    mine, theirs = analyze(graph), analyze(original)
    for node in list(graph):
        if node.id not in original.nodes or node.id not in mine.nodes or node.id not in theirs.nodes:
            continue
        got, want = mine.nodes[node.id], theirs.nodes[node.id]
        if not got.ok or not want.ok or got.input_shapes != want.input_shapes:
            continue
        design_node = original.node(node.id)
        if got.type == want.type and _close(_canonical(got.resolved), _canonical(want.resolved)):
            graph.set_params(node.id, dict(design_node.params))
        elif _equivalent(got, want):
            _retype(graph, node.id, design_node)


def _retype(graph, node_id: str, design_node) -> None:
    """A fresh import has no view or undo stack yet: the type is set in place."""
    node = graph.node(node_id)
    node.type = design_node.type
    graph.set_params(node_id, dict(design_node.params))


def _equivalent(got, want) -> bool:
    """Exact equivalences between a catalog form and the form ONNX gives back."""
    if got.type == "Identity" and want.type in EVAL_IDENTITIES:
        return True  # written as an ONNX Identity by onnx_symbolic
    if want.type == "Transpose" and got.type == "Permute":  # ONNX has one Transpose: a permutation
        rank = len(want.input_shapes[0]) + 1
        order = list(range(rank))
        a, b = (int(want.resolved[k]) % rank for k in ("dim0", "dim1"))
        order[a], order[b] = order[b], order[a]
        return [int(d) % rank for d in got.resolved.get("dims", ())] == order
    size = want.resolved.get("output_size") if want.resolved else None
    spatial = tuple(want.input_shapes[0][1:]) if want.input_shapes else ()
    if want.type == "AdaptiveAvgPool2d" and size and tuple(size) == (1, 1) and got.type == "Mean":
        # ONNX GlobalAveragePool, which onnx2torch computes as a mean over the spatial axes
        dims = {d % 4 for d in got.resolved.get("dims", ())}  # axes count the batch
        return dims == {2, 3} and bool(got.resolved.get("keepdim")) and len(spatial) == 2
    if want.type in ("AdaptiveAvgPool2d", "AdaptiveMaxPool2d") and size and len(spatial) == 2:
        plain = want.type.replace("Adaptive", "")
        if got.type != plain or any(n % s for n, s in zip(spatial, size)):
            return False
        kernel = tuple(n // s for n, s in zip(spatial, size))
        r = got.resolved
        stride = r.get("stride") or r.get("kernel_size")
        return (tuple(r.get("kernel_size")) == kernel and tuple(stride) == kernel
                and tuple(r.get("padding", (0, 0))) == (0, 0) and not r.get("ceil_mode")
                and tuple(r.get("dilation", (1, 1))) == (1, 1))
    return False


def _canonical(resolved: dict | None) -> dict:
    """Parameters with their defaults spelled out: a pooling stride of None is the kernel size."""
    resolved = dict(resolved or {})
    if "stride" in resolved and resolved["stride"] is None and "kernel_size" in resolved:
        resolved["stride"] = resolved["kernel_size"]
    return resolved


def _close(a: Any, b: Any) -> bool:
    """Equal, with floats equal to float32 precision (ONNX attributes are float32)."""
    if isinstance(a, float) or isinstance(b, float):
        try:
            # float32 in ONNX; BatchNorm's momentum is stored as 1 - momentum (0.9997 → 3e-4 ± 1e-8)
            return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-7)
        except (TypeError, ValueError):
            return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b


def _restore_layout(graph, original) -> None:
    """The design's groups, positions, name and description (every node was matched)."""
    for node in original:
        if node.id in graph.nodes:
            graph.move_node(node.id, tuple(node.position))
    groups = {}
    for gid, group in original.groups.items():
        members = [n for n in group.nodes if n in graph.nodes]
        groups[gid] = Group(group.id, group.name, members, group.kind, group.collapsed, group.parent)
    graph.set_groups(groups)
    graph.set_meta(original.name, original.description)
    if original.training:  # its ids (freeze, lr multipliers) are the design's again
        graph.training = copy.deepcopy(original.training)
