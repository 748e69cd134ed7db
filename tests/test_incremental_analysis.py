"""Re-analysis after parameter edits (issue 13): the same result as a full analysis, whatever
the edits, and the previous analysis is left untouched."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.analysis import analyze
from designer.analysis.incremental import LiveAnalysis, reanalyze
from designer.core import edits
from designer.core.graph import Edge, Node
from designer.core.serialize import load
from designer.zoo import find
from strategies import _edit_params, damaged_designs, valid_designs


def same(a, b) -> None:
    assert a.name == b.name
    assert a.nodes == b.nodes  # every NodeInfo field, issues included
    assert a.issues == b.issues
    assert (a.total_params, a.trainable_params, a.total_macs, a.activation_bytes) == (
        b.total_params, b.trainable_params, b.total_macs, b.activation_bytes)
    assert a.counted == b.counted and a.valid == b.valid and a.order == b.order
    assert a.analysed == b.analysed and a.errors == b.errors and a.warnings == b.warnings


def snapshot(analysis):
    return copy.deepcopy((analysis.nodes, analysis.issues))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(valid_designs(), damaged_designs()), st.data())
def test_reanalysis_after_parameter_edits_equals_a_full_analysis(graph, data):
    before = analyze(graph)
    if data.draw(st.booleans(), label="totals read before the edits"):  # carried, not summed again
        _ = (before.total_params, before.trainable_params, before.total_macs, before.activation_bytes,
             before.analysed, before.errors, before.warnings)
    kept = snapshot(before)
    changed = set()
    for _ in range(data.draw(st.integers(1, 4))):
        if not graph.nodes:
            return
        ids = set(graph.nodes)
        params = {n: dict(graph.nodes[n].params) for n in ids}
        _edit_params(data.draw, graph)
        # By repr: 0 → 0.0 or 1 → True is an edit too (messages and shapes tell them apart).
        changed |= {n for n in ids if repr(graph.nodes[n].params) != repr(params[n])}
    again = reanalyze(graph, before, changed)
    if again is None:  # an Input was edited: its shape reaches everything, a full pass it is
        assert any(before.nodes[n].type == "Input" for n in changed)
        again = analyze(graph, before, changed)
        assert again.redone is None
        same(again, analyze(graph))
        return
    assert set(again.redone) == {n for n in again.nodes if again.nodes[n] is not before.nodes[n]}
    assert again.base == before.serial != again.serial
    same(again, analyze(graph))
    assert snapshot(before) == kept  # the previous analysis was not touched
    # and once more from the re-analysis, undoing nothing: still equal
    same(analyze(graph, again, changed), analyze(graph))


def test_structural_change_falls_back_to_a_full_analysis():
    g = load(find("lenet5"))
    before = analyze(g)
    edits.RemoveEdge(Edge("fc3", "output")).apply(g)
    assert reanalyze(g, before, []) is None
    same(analyze(g, before, []), analyze(g))


def test_a_type_swap_is_never_taken_for_a_parameter_edit():
    g = load(find("lenet5"))
    before = analyze(g)
    g.nodes["relu1"].type = "Sigmoid"  # behind the graph's back: the type no longer matches
    assert reanalyze(g, before, ["relu1"]) is None


def test_softmax_warning_follows_the_output_loss():
    g = load(find("lenet5"))
    g.add_node(Node("sm", "Softmax", {}))
    edits.RemoveEdge(Edge("fc3", "output")).apply(g)
    g.add_edge(Edge("fc3", "sm"))
    g.add_edge(Edge("sm", "output"))
    g.set_params("output", {"loss": "none"})
    before = analyze(g)
    assert [i.code for i in before.warnings] == []
    g.set_params("output", {"loss": "cross_entropy"})
    again = analyze(g, before, ["output"])
    assert [i.code for i in again.warnings] == ["softmax-before-loss"]
    same(again, analyze(g))
    g.set_params("output", {"loss": "mse"})
    same(analyze(g, again, ["output"]), analyze(g))


def test_an_edit_recomputes_only_what_it_reaches():
    g = load(find("lenet5"))
    before = analyze(g)
    g.set_params("fc2", {**g.nodes["fc2"].params, "out_features": 50})
    again = analyze(g, before, ["fc2"])
    unchanged = [n for n in g.nodes if again.nodes[n] is before.nodes[n]]
    assert again.redone == [n for n in g.nodes if n not in unchanged] == ["fc2", "relu4", "fc3"]
    # fc2 → relu4 → fc3 again; fc3 still gives 10 values, so the Output is left as it was
    assert unchanged == ["input", "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc1", "relu3",
                         "output"]
    assert again.total_params == analyze(g).total_params


def test_live_analysis_follows_the_graph():
    g = load(find("lenet5"))
    live = LiveAnalysis(g)
    first = live.analysis
    assert live.analysis is first and not live.stale
    edits.SetParams("conv1", {**g.nodes["conv1"].params, "out_channels": 8}).apply(g)
    assert live.stale
    same(live.analysis, analyze(g))
    edits.RemoveNodes(["relu4"]).apply(g)
    same(live.analysis, analyze(g))
    edits.SetMeta("renamed", "").apply(g)
    assert live.analysis.name == "renamed"
    live.close()
    g.set_params("conv1", {**g.nodes["conv1"].params, "out_channels": 4})
    assert not live._changed


def test_an_edit_that_changes_nothing_reuses_every_result():
    g = load(find("lenet5"))
    before = analyze(g)
    g.set_params("conv1", dict(g.nodes["conv1"].params))
    again = analyze(g, before, ["conv1"])
    assert again.redone == [] and all(again.nodes[n] is before.nodes[n] for n in g.nodes)
    assert again.issues is before.issues


def test_totals_of_an_incomplete_design_follow_edits_that_make_layers_known_or_unknown():
    """While a design has an error the totals count the layers whose shapes are known: an
    edit can make some unknown (or known again); the carried totals follow."""
    g = load(find("lenet5"))
    g.set_params("fc3", dict(g.nodes["fc3"].params, in_features=5))  # a Linear that cannot take its input
    live = LiveAnalysis(g)
    steps = [("conv1", {"out_channels": 8}), ("conv2", {"kernel_size": 40}), ("conv2", {"kernel_size": 5}),
             ("fc1", {"out_features": 64})]
    for nid, change in steps:
        before = live.analysis
        assert not before.complete
        _ = (before.total_params, before.trainable_params, before.total_macs, before.activation_bytes,
             before.analysed)
        g.set_params(nid, dict(g.nodes[nid].params, **change))
        again = live.analysis
        assert again.base == before.serial and again.redone
        same(again, analyze(g))
