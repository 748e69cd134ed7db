"""Full analysis of a design: validation, then one pass in topological order computing each
node's shape, parameters, MACs, receptive field and activation memory.

Analysis is derived data: never stored on nodes, never saved. A shape error is recorded on
its node, nodes downstream of it are marked unknown, and the pass carries on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from itertools import count
from math import prod
from typing import Any, Iterable

from ..core.graph import Graph, collector_paused
from ..layers import registry
from ..layers.spec import ParamError, Shape
from .issues import Issue, error, warning
from . import memo
from .memo import BYTES_PER_VALUE, label, node_result, params_key, resolve
from .memory import MemoryEstimate, estimate_training_memory, largest_batch
from .structure import Structure, check_structure

OK, ERROR, UNKNOWN = "ok", "error", "unknown"
_SERIALS = count(1)

#: Structural problems that leave a node's own inputs undefined. Any other (a dead end, an
#: unreachable branch, two Outputs, an Input with inputs) does not hide what can be computed:
#: a design being built shows every shape that its wired part determines.
BLOCKING = frozenset({"missing-input", "too-many-inputs", "merge-inputs", "cycle"})


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
    #: How many of ``issues`` come first from the structural checks (the rest: this node's
    #: own analysis, then a softmax-before-loss warning); lets a re-analysis redo the rest.
    structural: int = field(default=0, repr=False, compare=False)

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

    #: The nodes the totals count: what the compiler emits (``live``) when the design is
    #: complete, else every node whose figures are known ("so far").
    counted: set[str] = field(default_factory=set)
    #: What a re-analysis after a parameter edit reuses (see ``incremental``): the structure
    #: pass, the graph's structure token it saw, and the softmax-before-loss warnings.
    structure: Structure | None = field(default=None, repr=False, compare=False)
    token: object = field(default=None, repr=False, compare=False)
    softmax: list[tuple[str, Issue]] = field(default_factory=list, repr=False, compare=False)
    #: Each node's index in ``order``, built by the first re-analysis and handed on.
    positions: dict[str, int] | None = field(default=None, repr=False, compare=False)
    #: After a re-analysis: the nodes whose NodeInfo is new (every other is the very object
    #: of the previous analysis, unchanged), so that views update only those. None after a
    #: full analysis: everything may have changed.
    redone: list[str] | None = field(default=None, repr=False, compare=False)
    #: A number of its own, and (after a re-analysis) the number of the analysis it started
    #: from: ``redone`` is relative to that one. A view that showed analysis ``serial`` S can
    #: update only ``redone`` when the next has ``base`` S, and must redo everything otherwise.
    serial: int = field(default_factory=lambda: next(_SERIALS), repr=False, compare=False)
    base: int | None = field(default=None, repr=False, compare=False)

    @cached_property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @cached_property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def complete(self) -> bool:
        """True when nothing stops the design from being built: the totals are final. While
        it is incomplete they count what is known so far (see ``counted``)."""
        return not self.errors

    @cached_property
    def analysed(self) -> int:
        """How many nodes have a known output shape (and so known figures)."""
        return sum(1 for info in self.nodes.values() if info.output_shape is not None)

    @cached_property
    def total_params(self) -> int:
        return sum(self.nodes[n].params for n in self.counted)

    @cached_property
    def trainable_params(self) -> int:
        return sum(self.nodes[n].trainable_params for n in self.counted)

    @cached_property
    def total_macs(self) -> int:
        return sum(self.nodes[n].macs for n in self.counted)

    @property
    def param_bytes(self) -> int:
        return self.total_params * BYTES_PER_VALUE

    @cached_property
    def activation_bytes(self) -> int:
        """Bytes of every layer output for one sample (what backward keeps, roughly)."""
        return sum(
            self.nodes[n].activation_bytes for n in self.counted if self.nodes[n].type != "Output"
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


def analyze(graph: Graph, previous: Analysis | None = None, changed: Iterable[str] = ()) -> Analysis:
    """Validate and analyse ``graph``; never raises for a bad design (issues say what is wrong).

    With ``previous`` (an analysis of this graph, or of a copy of it, before some edits) and
    ``changed`` (the nodes whose parameters those edits set), only the changed nodes and what
    their new results reach are analysed again, provided no node or edge was added or removed
    since (the graph's structure token says so); otherwise this is a full analysis. Both give
    the same result.
    """
    if previous is not None:
        from .incremental import reanalyze

        again = reanalyze(graph, previous, changed)
        if again is not None:
            return again
    memo.design_size(len(graph.nodes))
    with collector_paused(len(graph.nodes)):
        return _full(graph, _same_structure(graph, previous))


def _same_structure(graph: Graph, previous: Analysis | None):
    """``previous``'s structure checks when they still hold: no node or edge came or went
    since (the structure token) and every node kept its type (an Input's shape edited: every
    node is analysed again, the topological order and reachability are the same)."""
    if previous is None or previous.structure is None or previous.token is not graph.structure_token:
        return None
    infos = previous.nodes
    if len(infos) != len(graph.nodes) or any(
            (info := infos.get(nid)) is None or info.type != node.type for nid, node in graph.nodes.items()):
        return None
    return previous.structure


def _full(graph: Graph, st=None) -> Analysis:
    st = st if st is not None else check_structure(graph)
    infos = {nid: NodeInfo(nid, node.type) for nid, node in graph.nodes.items()}
    issues = list(st.issues)
    for issue in st.issues:
        for nid in (issue.node_id, *issue.nodes):
            if nid in infos and issue not in infos[nid].issues:
                infos[nid].issues.append(issue)
                infos[nid].structural += 1

    sinks = sink_types()
    for nid in st.order:
        _analyze_node(graph, nid, infos, issues, sinks)

    for nid in st.in_cycle:
        infos[nid].status = ERROR
    softmax = softmax_issues(graph, st.outputs, infos)
    for src, issue in softmax:
        infos[src].issues.append(issue)
        issues.append(issue)
    return finish(Analysis(graph.name, infos, list(st.order), issues, st.inputs, st.outputs, st.live,
                           structure=st, token=graph.structure_token, softmax=softmax))


def finish(analysis: Analysis) -> Analysis:
    """Decide what the totals count: the live nodes when the design is complete, else every
    node whose figures are known so far."""
    analysis.counted = analysis.live if analysis.complete else {
        nid for nid, info in analysis.nodes.items() if info.output_shape is not None}
    return analysis


def _analyze_node(graph: Graph, nid: str, infos: dict[str, NodeInfo], issues: list[Issue],
                  sinks: frozenset[str]) -> None:
    """Fill ``infos[nid]`` from its inputs' infos; its problems go to it and to ``issues``."""
    node = graph.nodes[nid]
    info = infos[nid]
    spec = registry.get(node.type)
    if spec is None:
        _fail(info, issues, error(
            "unknown-type", f"{nid} has the unknown layer type {node.type!r}; replace it with a "
            f"layer from the palette.", nid))
        return
    key = params_key(node.type, node.params)
    try:
        p = resolve(spec, node.params, key)
    except ParamError as exc:
        _fail(info, issues, error("bad-param", f"{node.type} {nid}: {exc}.", nid))
        return
    info.resolved = p
    info.label = label(spec, p, key)
    if info.issues and any(i.is_error and i.code in BLOCKING for i in info.issues):
        info.status = ERROR
        return

    shapes: list[Shape] = []
    sources: list[NodeInfo] = []
    for e in graph.in_edges(nid) if spec.inputs != 0 else ():
        src = infos[e.src]
        if src.output_shape is None or src.type in sinks:
            info.status = UNKNOWN
            return
        shapes.append(src.output_shape)
        sources.append(src)
    info.input_shapes = shapes
    result = node_result(spec, p, key, shapes)
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


def _prefix(message: str, layer: str, nid: str) -> str:
    """"Conv2d: kernel…" → "Conv2d conv3: kernel…" (the node's id names the culprit)."""
    if message.startswith(layer):
        return f"{layer} {nid}{message[len(layer):]}"
    return f"{layer} {nid}: {message}"


def sink_types() -> frozenset[str]:
    """The layer types whose result feeds no other layer (the Output), read once per pass."""
    return frozenset(s.type for s in registry.all_specs() if not s.has_output)


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


def softmax_issues(graph: Graph, outputs: list[str], infos: dict[str, NodeInfo]) -> list[tuple[str, Issue]]:
    """(node, warning) for each Softmax-like layer feeding a cross-entropy Output."""
    found = []
    for out in outputs:
        resolved = infos[out].resolved or {}
        if resolved.get("loss") != "cross_entropy":
            continue
        for src in graph.predecessors(out):
            spec = registry.get(graph.nodes[src].type)
            if spec is not None and "softmax" in spec.tags:
                found.append((src, warning(
                    "softmax-before-loss",
                    f"{spec.type} {src} feeds a cross-entropy Output, which applies softmax "
                    f"itself; remove {src} (keep it only for inference) or set the Output's loss "
                    f"to 'none'.", src)))
    return found
