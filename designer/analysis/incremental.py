"""Re-analysis after parameter edits: only the edited nodes and what their results reach.

A parameter edit changes neither the structure checks (they depend on types and edges) nor
any node upstream of it, so the previous analysis is reused: the edited nodes are analysed
again in topological order, and a node's successors only when its output (shape, receptive
field) changed. Results are never mutated in place: the new Analysis shares the unchanged
NodeInfo objects with the previous one, which stays valid for whoever still holds it.

``LiveAnalysis`` keeps the analysis of one Graph current from its change signals, choosing
this path for parameter edits and a full analysis after anything structural.
"""

from __future__ import annotations

from dataclasses import replace
from heapq import heapify, heappop, heappush
from typing import Iterable

from ..core.graph import Graph, collector_paused
from .analyze import Analysis, NodeInfo, _analyze_node, analyze, finish, sink_types, softmax_issues

SOFTMAX = "softmax-before-loss"
_SOURCES = frozenset({"Input"})


def reanalyze(graph: Graph, previous: Analysis, changed: Iterable[str]) -> Analysis | None:
    """The analysis of ``graph`` after edits that only set the parameters of ``changed``, or
    None when ``previous`` cannot be reused (the structure changed: analyse in full)."""
    st = previous.structure
    if st is None or previous.token is not graph.structure_token or len(graph.nodes) != len(previous.nodes):
        return None
    changed = list(dict.fromkeys(changed))
    for nid in changed:
        node, old = graph.nodes.get(nid), previous.nodes.get(nid)
        if node is None or old is None or node.type != old.type:
            return None
        if old.type in _SOURCES:
            return None  # an Input's shape reaches everything: a plain pass is cheaper
    with collector_paused(len(changed) * 4):
        return _reanalyze(graph, previous, changed)


def _reanalyze(graph: Graph, previous: Analysis, changed: list[str]) -> Analysis:
    st = previous.structure
    position = _positions(previous)
    infos = dict(previous.nodes)
    heap = [position[n] for n in changed if n in position]
    heapify(heap)
    queued = set(heap)
    redone: list[str] = []
    scratch: list = []
    sinks = sink_types()
    while heap:
        nid = previous.order[heappop(heap)]
        old = infos[nid]
        fresh = NodeInfo(nid, old.type, issues=old.issues[:old.structural], structural=old.structural)
        infos[nid] = fresh
        _analyze_node(graph, nid, infos, scratch, sinks)
        if fresh == old:  # same result (an edit undone, a value that changes nothing)
            infos[nid] = old
            continue
        redone.append(nid)
        if (fresh.output_shape, fresh.receptive_field, fresh.jump, fresh.status) != (
                old.output_shape, old.receptive_field, old.jump, old.status):
            for succ in graph.successors(nid):
                p = position.get(succ)
                if p is not None and p not in queued:
                    queued.add(p)
                    heappush(heap, p)

    softmax = softmax_issues(graph, st.outputs, infos)
    issues_changed = _apply_softmax(infos, previous, softmax, redone)
    for nid in redone:
        old, new = previous.nodes[nid], infos[nid]
        issues_changed = issues_changed or _own(old) != _own(new)
    issues = _issues(previous, infos, softmax) if issues_changed else previous.issues
    again = Analysis(graph.name, infos, previous.order, issues, previous.inputs, previous.outputs,
                     previous.live, structure=st, token=previous.token, softmax=softmax)
    again.positions = position
    touched = dict.fromkeys(redone + [src for src, _ in softmax] + [src for src, _ in previous.softmax])
    again.redone = [n for n in touched if infos[n] is not previous.nodes[n]]
    again.base = previous.serial
    _count(previous, again)
    _carry_totals(previous, again)
    return again


def _count(previous: Analysis, again: Analysis) -> None:
    """``finish``: what the totals count, from the previous set where it can be (only the
    redone nodes can have become known or unknown)."""
    if again.complete or previous.complete:
        finish(again)  # the live nodes (the same set), or everything known (visits every node)
        return
    infos, old_infos = again.nodes, previous.nodes
    flips = [n for n in again.redone if (infos[n].output_shape is None) != (old_infos[n].output_shape is None)]
    counted = previous.counted
    if flips:
        counted = set(counted)
        for n in flips:
            if infos[n].output_shape is None:
                counted.discard(n)
            else:
                counted.add(n)
    again.counted = counted


_SUMS = (("total_params", "params"), ("trainable_params", "trainable_params"), ("total_macs", "macs"))


def _carry_totals(previous: Analysis, again: Analysis) -> None:
    """The totals ``previous`` has already summed, carried over with the differences of the
    redone nodes only (each sum visits every node: milliseconds per edit at 5,000 nodes)."""
    known, new = previous.__dict__, again.__dict__  # where cached_property keeps its values
    old_infos, infos, redone = previous.nodes, again.nodes, again.redone
    if "analysed" in known:
        new["analysed"] = known["analysed"] + sum(
            (infos[n].output_shape is not None) - (old_infos[n].output_shape is not None) for n in redone)
    if again.issues is previous.issues:
        for name in ("errors", "warnings"):
            if name in known:
                new[name] = known[name]
    if previous.complete != again.complete:  # the totals count other nodes now: sum afresh
        return
    was, now = previous.counted, again.counted  # they differ at most in redone nodes
    for total, attr in _SUMS:
        if total in known:
            new[total] = known[total] + sum(
                (getattr(infos[n], attr) if n in now else 0) - (getattr(old_infos[n], attr) if n in was else 0)
                for n in redone)
    if "activation_bytes" in known:
        new["activation_bytes"] = known["activation_bytes"] + sum(
            (infos[n].activation_bytes if n in now else 0) - (old_infos[n].activation_bytes if n in was else 0)
            for n in redone if infos[n].type != "Output")


def _positions(analysis: Analysis) -> dict[str, int]:
    """Each analysed node's index in the topological order (kept for the next re-analysis)."""
    if analysis.positions is None:
        analysis.positions = {nid: i for i, nid in enumerate(analysis.order)}
    return analysis.positions


def _own(info: NodeInfo) -> list:
    """The issues this node's own analysis found (neither structural nor softmax)."""
    return [i for i in info.issues[info.structural:] if i.code != SOFTMAX]


def _apply_softmax(infos: dict[str, NodeInfo], previous: Analysis, softmax, redone: list[str]) -> bool:
    """Put the softmax-before-loss warnings where they now belong; True if they moved."""
    new_by_node: dict[str, list] = {}
    for src, issue in softmax:
        new_by_node.setdefault(src, []).append(issue)
    old_nodes = {src for src, _ in previous.softmax}
    moved = [i for _, i in previous.softmax] != [i for _, i in softmax]
    for nid in old_nodes | set(new_by_node) | set(redone):
        info = infos[nid]
        keep = [i for i in info.issues if i.code != SOFTMAX]
        want = keep + new_by_node.get(nid, [])
        if want != info.issues:
            if info is previous.nodes[nid]:  # never change the previous analysis' objects
                info = _copy(info)
                infos[nid] = info
            info.issues = want
    return moved


def _copy(info: NodeInfo) -> NodeInfo:
    return replace(info, issues=list(info.issues))


def _issues(previous: Analysis, infos: dict[str, NodeInfo], softmax) -> list:
    """The issue list in the order a full analysis gives: structure, each node's own in
    topological order, then softmax-before-loss."""
    st = previous.structure
    issues = list(st.issues)
    for nid in previous.order:
        info = infos[nid]
        if len(info.issues) > info.structural:
            issues.extend(_own(info))
    issues.extend(issue for _, issue in softmax)
    return issues


class LiveAnalysis:
    """The current analysis of one Graph, updated from its change signals: parameter edits
    re-analyse only what they reach; adding or removing nodes or edges, a full analysis.

        live = LiveAnalysis(graph)
        live.analysis        # recomputed on first read after a change
        live.close()         # stop listening (the graph is replaced)
    """

    #: Analyses kept by structure token, for undo and redo (``Graph.restore_structure_token``).
    KEEP = 6

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._analysis: Analysis | None = None
        self._changed: set[str] = set()
        #: The last analysis of each recent structure, while no parameter changed since: an
        #: undo of a delete or a paste brings that structure back, and its analysis with it.
        self._by_token: dict[object, Analysis] = {}
        graph.node_changed.connect(self._on_node_changed)

    @property
    def stale(self) -> bool:
        a = self._analysis
        return (a is None or bool(self._changed) or a.token is not self.graph.structure_token
                or a.name != self.graph.name)

    @property
    def analysis(self) -> Analysis:
        if self.stale:
            graph = self.graph
            kept = self._by_token.get(graph.structure_token)
            if kept is not None and kept is not self._analysis and kept.name == graph.name:
                self._analysis = kept  # the graph is back as it was when this was made
            else:
                self._analysis = analyze(graph, self._analysis, self._changed)
            self._changed = set()
            self._keep(self._analysis)
        return self._analysis

    def _keep(self, analysis: Analysis) -> None:
        kept = self._by_token
        kept.pop(analysis.token, None)
        kept[analysis.token] = analysis
        while len(kept) > self.KEEP:
            del kept[next(iter(kept))]

    def _on_node_changed(self, node_id: str) -> None:
        self._changed.add(node_id)
        # The analysis kept for this structure no longer holds (its parameters changed).
        self._by_token.pop(self.graph.structure_token, None)

    def close(self) -> None:
        self.graph.node_changed.disconnect(self._on_node_changed)
