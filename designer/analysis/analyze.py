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
from ..layers.spec import ParamError, Shape, ShapeError
from .issues import Issue, error, warning
from .memory import MemoryEstimate, estimate_training_memory, largest_batch
from .structure import check_structure

BYTES_PER_VALUE = 4  # float32

OK, ERROR, UNKNOWN = "ok", "error", "unknown"


@dataclass
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
    inferred: dict[str, Any] = field(default_factory=dict)
    explain: list[str] = field(default_factory=list)
    label: str = ""
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == OK


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
    order = [nid for nid in st.order]
    return Analysis(graph.name, infos, order, issues, st.inputs, st.outputs, st.live)


def _analyze_node(graph: Graph, nid: str, infos: dict[str, NodeInfo], inputs, issues) -> None:
    node = graph.nodes[nid]
    info = infos[nid]
    spec = registry.get(node.type)
    if spec is None:
        _fail(info, issues, error(
            "unknown-type", f"{nid} has the unknown layer type {node.type!r}; replace it with a "
            f"layer from the palette.", nid))
        return
    try:
        p = spec.resolve(node.params)
    except ParamError as exc:
        _fail(info, issues, error("bad-param", f"{node.type} {nid}: {exc}.", nid))
        return
    info.resolved = p
    info.label = spec.label(p) if spec.label else ""
    if any(i.is_error for i in info.issues):
        info.status = ERROR
        return

    preds = graph.in_edges(nid)
    shapes: list[Shape] = []
    for e in preds:
        src = infos[e.src]
        if src.output_shape is None:
            info.status = UNKNOWN
            return
        shapes.append(src.output_shape)
    info.input_shapes = shapes
    try:
        out = spec.shape(p, shapes)
        if any(d < 1 for d in out):
            raise ShapeError(f"{node.type} would produce the empty shape {list(out)}")
    except ShapeError as exc:
        _fail(info, issues, error("shape", _prefix(str(exc), node.type, nid), nid))
        return

    info.output_shape = tuple(out)
    info.params = spec.count_params(p, shapes, out)
    info.trainable_params = info.params
    info.macs = spec.macs(p, shapes, out)
    info.activation_bytes = prod(out) * BYTES_PER_VALUE
    info.inferred = spec.inferred(p, shapes) if spec.inferred else {}
    info.explain = spec.explain(p, shapes) if spec.explain else []
    _receptive_field(spec, p, info, shapes, [infos[e.src] for e in preds])
    info.status = OK
    if spec.warnings:
        for code, message in spec.warnings(p, shapes, out):
            issue = warning(code, _prefix(message, node.type, nid), nid)
            info.issues.append(issue)
            issues.append(issue)


def _prefix(message: str, layer: str, nid: str) -> str:
    """"Conv2d: kernel…" → "Conv2d conv3: kernel…" (the node's id names the culprit)."""
    if message.startswith(layer):
        return f"{layer} {nid}{message[len(layer):]}"
    return f"{layer} {nid}: {message}"


def _fail(info: NodeInfo, issues: list[Issue], issue: Issue) -> None:
    info.status = ERROR
    info.issues.append(issue)
    issues.append(issue)


def _receptive_field(spec, p, info: NodeInfo, shapes, sources: list[NodeInfo]) -> None:
    """r_out = r_in + (k_eff − 1)·j_in and j_out = j_in·s per axis; merges take the max."""
    if spec.inputs == 0:
        if len(info.output_shape) == 3:
            info.receptive_field, info.jump = (1, 1), (1, 1)
        return
    fields = [s.receptive_field for s in sources if s.receptive_field is not None]
    if not fields:
        return
    rf = (max(f[0] for f in fields), max(f[1] for f in fields))
    jumps = [s.jump for s in sources if s.jump is not None]
    jump = (max(j[0] for j in jumps), max(j[1] for j in jumps))
    if spec.window is not None and len(shapes[0]) == 3:
        w = spec.window(p, shapes)
        rf = tuple(rf[a] + (w.dilation[a] * (w.kernel[a] - 1)) * jump[a] for a in range(2))
        jump = tuple(jump[a] * w.stride[a] for a in range(2))
    elif spec.global_field is not None and len(shapes[0]) == 3 and spec.global_field(p, shapes):
        rf = tuple(rf[a] + (shapes[0][1 + a] - 1) * jump[a] for a in range(2))
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
