"""Full analysis of a design: validation, then one pass in topological order computing each
node's shape, parameters, MACs, receptive field and activation memory.

Analysis is derived data: never stored on nodes, never saved. A shape error is recorded on
its node, nodes downstream of it are marked unknown, and the pass carries on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import Any

from ..core.graph import Graph
from ..layers import registry
from ..layers.spec import MAX_NUMEL, ParamError, Shape, ShapeError
from .issues import Issue, error, warning
from .memory import MemoryEstimate, estimate_training_memory, largest_batch
from .structure import check_structure

BYTES_PER_VALUE = 4  # float32

OK, ERROR, UNKNOWN = "ok", "error", "unknown"


@dataclass(slots=True)
class NodeInfo:
    """What the analysis derived for one node."""

    id: str
    type: str
    status: str = UNKNOWN
    input_shapes: list[Shape] = field(default_factory=list)
    output_shape: Shape | None = None
    params: int = 0
    trainable_params: int = 0
    macs: int = 0
    receptive_field: tuple[int, int] | None = None
    jump: tuple[int, int] | None = None
    activation_bytes: int = 0
    resolved: dict[str, Any] | None = None
    label: str = ""
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def inferred(self) -> dict[str, Any]:
        """Values derived from the input shape (in_channels = 6), for the inspector."""
        spec = registry.get(self.type)
        if self.status != OK or spec is None or spec.inferred is None:
            return {}
        return spec.inferred(self.resolved, self.input_shapes)

    @property
    def explain(self) -> list[str]:
        """The output-size arithmetic with the numbers filled in (computed when asked)."""
        spec = registry.get(self.type)
        if self.status != OK or spec is None or spec.explain is None:
            return []
        return spec.explain(self.resolved, self.input_shapes)


@dataclass
class Analysis:
    """The analysis of a whole design (see NodeInfo for per-node figures)."""

    name: str
    nodes: dict[str, NodeInfo]
    order: list[str]
    issues: list[Issue]
    inputs: list[str]
    outputs: list[str]
    live: set[str]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(self.nodes[n].params for n in self.live if n in self.nodes)

    @property
    def trainable_params(self) -> int:
        return sum(self.nodes[n].trainable_params for n in self.live if n in self.nodes)

    @property
    def total_macs(self) -> int:
        return sum(self.nodes[n].macs for n in self.live if n in self.nodes)

    @property
    def param_bytes(self) -> int:
        return self.total_params * BYTES_PER_VALUE

    @property
    def activation_bytes(self) -> int:
        """Bytes of every layer output for one sample (what backward keeps, roughly)."""
        return sum(
            self.nodes[n].activation_bytes
            for n in self.live
            if n in self.nodes and self.nodes[n].type != "Output"
        )

    @property
    def output_shape(self) -> Shape | None:
        return self.nodes[self.outputs[0]].output_shape if len(self.outputs) == 1 else None

    @property
    def input_shape(self) -> Shape | None:
        return self.nodes[self.inputs[0]].output_shape if len(self.inputs) == 1 else None

    def issues_for(self, node_id: str) -> list[Issue]:
        return self.nodes[node_id].issues if node_id in self.nodes else []

    def training_memory(self, batch_size: int, optimizer: str = "adam") -> MemoryEstimate:
        return estimate_training_memory(
            self.total_params, self.activation_bytes, self._input_bytes(), batch_size, optimizer
        )

    def largest_batch(self, free_bytes: int, optimizer: str = "adam") -> int:
        """Largest batch whose estimated training memory fits in ``free_bytes`` (0 if none)."""
        return largest_batch(
            self.total_params, self.activation_bytes, self._input_bytes(), free_bytes, optimizer
        )

    def _input_bytes(self) -> int:
        return sum(
            prod(self.nodes[i].output_shape) * BYTES_PER_VALUE
            for i in self.inputs
            if self.nodes[i].output_shape
        )


def analyze(graph: Graph) -> Analysis:
    """Validate and analyse ``graph``; never raises for a bad design (issues say what is wrong)."""
    st = check_structure(graph)
    infos = {nid: NodeInfo(nid, node.type) for nid, node in graph.nodes.items()}
    issues = list(st.issues)
    for issue in st.issues:
        for nid in (issue.node_id, *issue.nodes):
            if nid in infos and issue not in infos[nid].issues:
                infos[nid].issues.append(issue)

    for nid in st.order:
        _analyze_node(graph, nid, infos, st.inputs, issues)

    for nid in st.in_cycle:
        infos[nid].status = ERROR
    _check_softmax_before_loss(graph, infos, issues)
    return Analysis(graph.name, infos, list(st.order), issues, st.inputs, st.outputs, st.live)


def _analyze_node(graph: Graph, nid: str, infos: dict[str, NodeInfo], inputs, issues) -> None:
    node = graph.nodes[nid]
    info = infos[nid]
    spec = registry.get(node.type)
    if spec is None:
        _fail(info, issues, error(
            "unknown-type", f"{nid} has the unknown layer type {node.type!r}; replace it with a "
            f"layer from the palette.", nid))
        return
    key = _params_key(node.type, node.params)
    try:
        p = _resolve(spec, node.params, key)
    except ParamError as exc:
        _fail(info, issues, error("bad-param", f"{node.type} {nid}: {exc}.", nid))
        return
    info.resolved = p
    info.label = _label(spec, p, key)
    if info.issues and any(i.is_error for i in info.issues):
        info.status = ERROR
        return

    shapes: list[Shape] = []
    sources: list[NodeInfo] = []
    for e in graph.in_edges(nid):
        src = infos[e.src]
        if src.output_shape is None:
            info.status = UNKNOWN
            return
        shapes.append(src.output_shape)
        sources.append(src)
    info.input_shapes = shapes
    result = _node_result(spec, p, key, shapes)
    if isinstance(result, str):
        _fail(info, issues, error("shape", _prefix(result, node.type, nid), nid))
        return
    out, n_params, macs, window, is_global, warns, act_bytes = result
    info.output_shape = out
    info.params = info.trainable_params = n_params
    info.macs = macs
    info.activation_bytes = act_bytes
    _receptive_field(spec, info, shapes, sources, window, is_global)
    info.status = OK
    for code, message in warns:
        issue = warning(code, _prefix(message, node.type, nid), nid)
        info.issues.append(issue)
        issues.append(issue)


# Pure functions of (layer type, parameters, input shapes), memoised: designs repeat the same
# layer configurations, and the editor re-analyses after every small edit. Bounded in size.
_CACHE_LIMIT = 20_000
_resolved_cache: dict[tuple, Any] = {}
_result_cache: dict[tuple, Any] = {}
_label_cache: dict[tuple, str] = {}


def _freeze(value: Any, depth: int = 0) -> Any:
    if depth > 32:  # absurd nesting (built in code): keyed by identity, never recursed into
        return ("__id__", id(value))
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v, depth + 1)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("__seq__",) + tuple(_freeze(v, depth + 1) for v in value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return (type(value).__name__, value)
    return ("__id__", id(value))


_key_cache: dict[tuple[str, int], tuple[dict, tuple]] = {}


def _params_key(layer_type: str, params: dict) -> tuple:
    """The hashable form of ``params``; the last one seen for the same dict object is reused
    after a cheap equality check (so in-place changes are still noticed)."""
    slot = (layer_type, id(params))
    hit = _key_cache.get(slot)
    if hit is not None and hit[0] == params:
        return hit[1]
    key = _freeze(params)
    _remember(_key_cache, slot, (_copy_params(params), key))
    return key


def _copy_params(params: dict) -> dict:
    return {k: (list(v) if isinstance(v, list) else v) for k, v in params.items()}


def _remember(cache: dict, key: tuple, value: Any) -> Any:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _resolve(spec, raw: dict, key: tuple) -> dict:
    ck = (spec.type, key)
    hit = _resolved_cache.get(ck)
    if hit is None:
        try:
            hit = spec.resolve(raw)
        except ParamError as exc:
            hit = exc
        _remember(_resolved_cache, ck, hit)
    if isinstance(hit, ParamError):
        raise hit
    return hit


def _label(spec, p: dict, key: tuple) -> str:
    if spec.label is None:
        return ""
    ck = (spec.type, key)
    hit = _label_cache.get(ck)
    return hit if hit is not None else _remember(_label_cache, ck, spec.label(p))


def _node_result(spec, p: dict, key: tuple, shapes: list[Shape]):
    """(shape, params, MACs, window, global?, warnings, activation bytes) or the ShapeError
    message."""
    ck = (spec.type, key, tuple(shapes))
    hit = _result_cache.get(ck)
    if hit is not None:
        return hit
    try:
        out = tuple(spec.shape(p, shapes))
        if any(d < 1 for d in out):
            raise ShapeError(f"{spec.type} would produce the empty shape {list(out)}")
        n_params = spec.count_params(p, shapes, out)
        _check_buildable(spec.type, out, n_params)
    except ShapeError as exc:
        return _remember(_result_cache, ck, str(exc))
    spatial = len(shapes) > 0 and len(shapes[0]) == 3
    window = spec.window(p, shapes) if spec.window is not None and spatial else None
    is_global = bool(spatial and spec.global_field is not None and spec.global_field(p, shapes))
    warns = tuple(spec.warnings(p, shapes, out)) if spec.warnings else ()
    result = (out, n_params, spec.macs(p, shapes, out), window, is_global, warns,
              prod(out) * BYTES_PER_VALUE)
    return _remember(_result_cache, ck, result)


def _check_buildable(layer: str, out: Shape, n_params: int) -> None:
    """A layer torch could not even allocate is an error, not a crash when compiling."""
    if n_params > MAX_NUMEL:
        raise ShapeError(f"{layer} would hold {n_params:,} weights; the limit is {MAX_NUMEL:,}: "
                         f"use fewer channels or units, or downsample first")
    if prod(out) > MAX_NUMEL:
        raise ShapeError(f"{layer} would produce {prod(out):,} values per sample "
                         f"({'×'.join(map(str, out))}); the limit is {MAX_NUMEL:,}: use fewer "
                         f"channels or units, or downsample first")


def _prefix(message: str, layer: str, nid: str) -> str:
    """"Conv2d: kernel…" → "Conv2d conv3: kernel…" (the node's id names the culprit)."""
    if message.startswith(layer):
        return f"{layer} {nid}{message[len(layer):]}"
    return f"{layer} {nid}: {message}"


def _fail(info: NodeInfo, issues: list[Issue], issue: Issue) -> None:
    info.status = ERROR
    info.issues.append(issue)
    issues.append(issue)


def _receptive_field(spec, info: NodeInfo, shapes, sources: list[NodeInfo], window, is_global) -> None:
    """r_out = r_in + d·(k − 1)·j_in and j_out = j_in·s per axis; merges take the max."""
    if spec.inputs == 0:
        if len(info.output_shape) == 3:
            info.receptive_field, info.jump = (1, 1), (1, 1)
        return
    if len(sources) == 1:
        rf, jump = sources[0].receptive_field, sources[0].jump
        if rf is None:
            return
    else:
        fields = [s.receptive_field for s in sources if s.receptive_field is not None]
        if not fields:
            return
        jumps = [s.jump for s in sources if s.jump is not None]
        rf = (max(f[0] for f in fields), max(f[1] for f in fields))
        jump = (max(j[0] for j in jumps), max(j[1] for j in jumps))
    if window is not None:
        k, d, s = window.kernel, window.dilation, window.stride
        rf = (rf[0] + d[0] * (k[0] - 1) * jump[0], rf[1] + d[1] * (k[1] - 1) * jump[1])
        jump = (jump[0] * s[0], jump[1] * s[1])
    elif is_global:
        rf = (rf[0] + (shapes[0][1] - 1) * jump[0], rf[1] + (shapes[0][2] - 1) * jump[1])
    info.receptive_field, info.jump = rf, jump


def _check_softmax_before_loss(graph: Graph, infos: dict[str, NodeInfo], issues) -> None:
    for node in graph.nodes.values():
        if node.type != "Output":
            continue
        resolved = infos[node.id].resolved or {}
        if resolved.get("loss") != "cross_entropy":
            continue
        for src in graph.predecessors(node.id):
            spec = registry.get(graph.nodes[src].type)
            if spec is not None and "softmax" in spec.tags:
                issue = warning(
                    "softmax-before-loss",
                    f"{spec.type} {src} feeds a cross-entropy Output, which applies softmax "
                    f"itself; remove {src} (keep it only for inference) or set the Output's loss "
                    f"to 'none'.", src)
                infos[src].issues.append(issue)
                issues.append(issue)
