"""Analysis of whole designs: validation issues with stable codes, propagation past errors,
receptive fields, memory estimates. Pure: neither torch nor Qt is needed here."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings

from designer.analysis import CODES, analyze
from designer.analysis.memory import OPTIMIZER_STATE, estimate_training_memory, largest_batch
from designer.core.builder import DesignBuilder
from designer.core.graph import Edge, Graph, Node
from designer.zoo import find
from designer.core.serialize import load
from strategies import damaged_designs


def codes(analysis, severity=None):
    return sorted(i.code for i in analysis.issues if severity is None or i.severity == severity)


def graph_of(nodes: list[tuple], edges: list[tuple]) -> Graph:
    """A graph from (id, type, params) nodes and (src, dst[, port]) edges."""
    g = Graph("t")
    for nid, kind, *params in nodes:
        g.add_node(Node(nid, kind, params[0] if params else {}))
    for src, dst, *port in edges:
        g.add_edge(Edge(src, dst, port[0] if port else 0))
    return g


def chain(*layers, shape=(3, 8, 8), loss="none") -> Graph:
    """Input -> layers (type, params[, id]) -> Output."""
    b = DesignBuilder("chain")
    x = b.input(list(shape))
    for layer in layers:
        kind, params, *nid = layer
        x = b.add(kind, x, id=nid[0] if nid else None, **params)
    b.output(x, loss=loss)
    return b.build(layout=False)


IO = [("input", "Input", {"shape": [3, 8, 8]}), ("output", "Output", {"loss": "none"})]


# ---------------------------------------------------------------- structure
def test_every_reported_code_is_documented():
    assert all(code == code.lower() and " " not in code for code in CODES)


def test_cycle_names_the_nodes_in_it():
    g = graph_of(IO + [("add", "Add"), ("b", "ReLU"), ("c", "ReLU")],
                 [("input", "add", 0), ("c", "add", 1), ("add", "b"), ("b", "c"), ("c", "output")])
    a = analyze(g)
    (cycle,) = [i for i in a.errors if i.code == "cycle"]
    assert set(cycle.nodes) == {"add", "b", "c"}
    loop = cycle.message.split("(")[1].split(")")[0].split(" → ")
    assert loop[0] == loop[-1] and set(loop) == {"add", "b", "c"}
    assert "delete one of the edges" in cycle.message
    assert {a.nodes[n].status for n in ("add", "b", "c")} == {"error"}
    assert a.nodes["input"].status == "ok" and a.nodes["output"].status == "unknown"
    assert not a.valid


def test_two_separate_cycles_are_two_issues():
    g = graph_of(IO + [("r", "ReLU"), ("a1", "ReLU"), ("a2", "ReLU"), ("b1", "ReLU"), ("b2", "ReLU")],
                 [("input", "r"), ("r", "output"), ("a1", "a2"), ("a2", "a1"), ("b1", "b2"), ("b2", "b1")])
    cycles = [i for i in analyze(g).errors if i.code == "cycle"]
    assert sorted(sorted(i.nodes) for i in cycles) == [["a1", "a2"], ["b1", "b2"]]


@pytest.mark.parametrize("nodes, edges, expected", [
    ([("r", "ReLU"), ("output", "Output")], [("r", "output")], {"no-input", "missing-input"}),
    ([IO[0], ("r", "ReLU")], [("input", "r")], {"no-output"}),
    ([IO[0], ("r", "ReLU"), ("o1", "Output"), ("o2", "Output")], [("input", "r"), ("r", "o1"), ("r", "o2")],
     {"multiple-outputs"}),
    (IO + [("add", "Add")], [("input", "add"), ("add", "output")], {"merge-inputs"}),
    (IO + [("cat", "Concat")], [("cat", "output")], {"merge-inputs", "unreachable", "dead-end"}),
    (IO + [("r1", "ReLU"), ("r2", "ReLU")], [("input", "r1"), ("input", "r2"), ("r1", "r2", 1), ("r2", "output")],
     {"too-many-inputs"}),
    (IO + [("x", "Convolution")], [("input", "x"), ("x", "output")], {"unknown-type"}),
    (IO + [("r", "ReLU")], [("input", "r"), ("r", "output"), ("r", "input")], {"input-has-inputs", "cycle"}),
    (IO + [("r", "ReLU"), ("s", "ReLU")], [("input", "r"), ("r", "output"), ("output", "s")],
     {"output-has-outputs", "dead-end"}),
    (IO + [("r", "ReLU"), ("s", "ReLU")], [("input", "output"), ("r", "s")], {"missing-input", "unreachable"}),
    (IO + [("in2", "Input", {"shape": [3]}), ("r", "ReLU")], [("input", "r"), ("r", "output")], {"dead-end"}),
])
def test_structural_issue_codes(nodes, edges, expected):
    a = analyze(graph_of(nodes, edges))
    assert set(codes(a)) == expected
    assert set(codes(a)) <= set(CODES)
    for issue in a.issues:
        assert issue.message.endswith(".") and (issue.node_id is None or issue.node_id in issue.message)


def test_too_many_inputs_names_the_sources():
    g = graph_of(IO + [("r1", "ReLU"), ("r2", "ReLU")],
                 [("input", "r1"), ("input", "r2"), ("r1", "r2", 1), ("r2", "output")])
    (issue,) = analyze(g).errors
    assert issue.node_id == "r2" and "ReLU r2 takes one input but has 2 (input, r1)" in issue.message
    assert "Add or Concat" in issue.message


def test_dead_end_branch_is_a_warning_and_the_design_stays_valid():
    b = DesignBuilder("dead")
    x = b.input([3, 8, 8])
    y = b.relu(x, id="used")
    b.add("Sigmoid", y, id="dangling")
    b.output(y)
    a = analyze(b.build(layout=False))
    assert a.valid and codes(a) == ["dead-end"]
    assert a.warnings[0].node_id == "dangling" and "left out of the model" in a.warnings[0].message
    assert "dangling" not in a.live and a.nodes["dangling"].output_shape == (3, 8, 8)


def test_empty_design_has_no_issues_and_nothing_to_run():
    a = analyze(Graph("empty"))
    assert a.issues == [] and a.order == [] and a.total_params == 0


# ---------------------------------------------------------------- shapes that cannot meet
def _two_branches(merge: str, left: list, right: list):
    b = DesignBuilder("branches")
    x = b.input([3, 8, 8])
    ends = []
    for branch in (left, right):
        y = x
        for kind, params in branch:
            y = b.add(kind, y, **params)
        ends.append(y)
    b.output(b.add(merge, *ends, id="merge"), loss="none")
    return analyze(b.build(layout=False))


def test_concat_of_different_spatial_sizes():
    a = _two_branches("Concat", [("MaxPool2d", {"kernel_size": 2})], [("ReLU", {})])
    (issue,) = a.errors
    assert issue.code == "shape" and issue.node_id == "merge"
    assert issue.message.startswith("Concat merge")
    assert "input 0 is 3×4×4 but input 1 is 3×8×8" in issue.message


def test_add_of_different_shapes():
    a = _two_branches("Add", [("Conv2d", {"out_channels": 4, "kernel_size": 1})], [("ReLU", {})])
    (issue,) = a.errors
    assert issue.message.startswith("Add merge needs inputs of the same shape, or of size 1 on the axes "
                                    "where they differ: input 0 is 4×8×8 but "
                                    "input 1 is 3×8×8")
    assert "1×1 Conv2d" in issue.message


def test_multiply_and_concat_that_do_meet():
    a = _two_branches("Concat", [("Conv2d", {"out_channels": 5, "kernel_size": 3, "padding": 1})], [])
    assert a.valid and a.nodes["merge"].output_shape == (8, 8, 8)
    a = _two_branches("Multiply", [("Sigmoid", {})], [("Tanh", {})])
    assert a.valid and a.nodes["merge"].output_shape == (3, 8, 8)


def test_dimension_shrunk_to_zero():
    g = chain(*[("MaxPool2d", {"kernel_size": 2}, f"pool{i}") for i in range(1, 6)])
    a = analyze(g)
    assert [a.nodes[f"pool{i}"].output_shape for i in range(1, 4)] == [(3, 4, 4), (3, 2, 2), (3, 1, 1)]
    (issue,) = a.errors
    assert issue.node_id == "pool4" and issue.code == "shape"
    assert "kernel 2 is larger than the padded input 1×1" in issue.message
    assert a.nodes["pool5"].status == "unknown" and a.nodes["output"].status == "unknown"


def test_layer_too_large_to_build_is_an_error_not_a_crash():
    a = analyze(chain(("Flatten", {}), ("Linear", {"out_features": 1 << 20}, "fc"), shape=(3, 64, 64)))
    (issue,) = a.errors
    assert issue.node_id == "fc" and "12,885,950,464 weights; the limit is 2,147,483,648" in issue.message


# ---------------------------------------------------------------- warnings
def test_linear_on_a_feature_map_warns():
    a = analyze(chain(("Linear", {"out_features": 5}, "fc")))
    assert a.valid and codes(a) == ["linear-on-map"]
    assert a.nodes["fc"].output_shape == (3, 8, 5)
    assert "3-D tensor 3×8×8" in a.warnings[0].message and "Flatten" in a.warnings[0].message
    assert codes(analyze(chain(("Flatten", {}), ("Linear", {"out_features": 5})))) == []


@pytest.mark.parametrize("layer, lost", [
    (("Conv2d", {"out_channels": 4, "kernel_size": 3, "stride": 2}), "last 1 row of its 8×8 input"),
    (("MaxPool2d", {"kernel_size": 3}), "last 2 rows"),
    (("AvgPool2d", {"kernel_size": [2, 3], "stride": [2, 3]}), "last 2 columns"),
])
def test_border_pixels_dropped_warns(layer, lost):
    a = analyze(chain(layer))
    assert a.valid and "border-dropped" in codes(a)
    assert any(lost in i.message for i in a.warnings)


def test_no_border_warning_when_windows_tile_or_ceil_mode():
    for layer in [("Conv2d", {"kernel_size": 3, "stride": 1}), ("MaxPool2d", {"kernel_size": 2}),
                  ("MaxPool2d", {"kernel_size": 3, "ceil_mode": True}),
                  ("Conv2d", {"kernel_size": 3, "stride": 2, "padding": 1})]:
        assert codes(analyze(chain(layer))) == [], layer


def test_softmax_before_cross_entropy_warns():
    g = chain(("Flatten", {}), ("Linear", {"out_features": 10}), ("Softmax", {}, "sm"), loss="cross_entropy")
    a = analyze(g)
    assert a.valid and codes(a) == ["softmax-before-loss"]
    assert a.warnings[0].node_id == "sm" and "applies softmax itself" in a.warnings[0].message
    g = chain(("Flatten", {}), ("Linear", {"out_features": 10}), ("Softmax", {}), loss="none")
    assert codes(analyze(g)) == []


# ---------------------------------------------------------------- propagation
def test_error_marks_only_downstream_nodes_unknown():
    b = DesignBuilder("propagation")
    x = b.input([3, 8, 8])
    bad = b.conv2d(x, 4, 11, id="bad")
    after_bad = b.relu(bad, id="after_bad")
    good = b.conv2d(x, 4, 3, padding=1, id="good")
    after_good = b.relu(good, id="after_good")
    sibling = b.add("Sigmoid", after_good, id="sibling")
    merged = b.add_(after_bad, after_good, id="merged")
    b.add("Tanh", sibling, id="sibling_tail")
    b.output(merged, loss="none")
    a = analyze(b.build(layout=False))
    status = {nid: info.status for nid, info in a.nodes.items()}
    assert status["bad"] == "error"
    assert status["after_bad"] == status["merged"] == status["output"] == "unknown"
    assert status["good"] == status["after_good"] == status["sibling"] == status["sibling_tail"] == "ok"
    assert a.nodes["sibling_tail"].output_shape == (4, 8, 8)
    assert [i.node_id for i in a.errors] == ["bad"]
    assert a.nodes["after_bad"].output_shape is None and a.nodes["after_bad"].issues == []


def test_bad_param_and_unknown_type_also_stop_only_their_branch():
    g = graph_of(IO + [("u", "Nonsense"), ("v", "ReLU"), ("p", "Dropout", {"p": 3}), ("w", "ReLU"),
                       ("cat", "Concat"), ("ok", "ReLU")],
                 [("input", "u"), ("u", "v"), ("input", "p"), ("p", "w"), ("v", "cat", 0), ("w", "cat", 1),
                  ("cat", "output"), ("input", "ok")])
    a = analyze(g)
    assert codes(a, "error") == ["bad-param", "unknown-type"]
    assert a.nodes["ok"].output_shape == (3, 8, 8)
    assert {a.nodes[n].status for n in ("v", "w", "cat", "output")} == {"unknown"}


# ---------------------------------------------------------------- receptive fields
def test_lenet5_receptive_fields():
    a = analyze(load(find("lenet5")))
    rf = {nid: (a.nodes[nid].receptive_field, a.nodes[nid].jump) for nid in a.order}
    assert rf["input"] == ((1, 1), (1, 1))
    assert rf["conv1"] == ((5, 5), (1, 1))
    assert rf["pool1"] == ((6, 6), (2, 2))
    assert rf["conv2"] == ((14, 14), (2, 2))
    assert rf["pool2"] == ((16, 16), (4, 4))
    assert rf["flatten"][0] == (32, 32)  # 16 + (5 − 1)·4: each feature sees the whole input
    assert rf["fc3"][0] == (32, 32)


def _expected_field(layers):
    """r_out = r_in + (k − 1)·d·j_in, j_out = j_in·s, per axis, written out independently."""
    r, j = [1, 1], [1, 1]
    for kind, p in layers:
        if kind in ("Conv2d", "MaxPool2d", "AvgPool2d"):
            k = _pair(p.get("kernel_size", 3 if kind == "Conv2d" else 2))
            s = _pair(p.get("stride", 1 if kind == "Conv2d" else p.get("kernel_size", 2)))
            d = _pair(p.get("dilation", 1))
            for a in range(2):
                r[a] += (k[a] - 1) * d[a] * j[a]
                j[a] *= s[a]
    return tuple(r), tuple(j)


def _pair(v):
    return tuple(v) if isinstance(v, list) else (v, v)


def test_receptive_field_formula_on_random_chains():
    rng = random.Random(7)
    for _ in range(60):
        layers = []
        for _ in range(rng.randint(1, 5)):
            kind = rng.choice(["Conv2d", "MaxPool2d", "AvgPool2d", "ReLU", "BatchNorm2d"])
            p = {}
            if kind == "Conv2d":
                p = {"kernel_size": [rng.randint(1, 3), rng.randint(1, 3)], "stride": rng.randint(1, 2),
                     "dilation": rng.randint(1, 2), "padding": "same" if rng.random() < 0.3 else 1}
                if p["padding"] == "same":
                    p["stride"] = 1
            elif kind != "ReLU" and kind != "BatchNorm2d":
                p = {"kernel_size": rng.randint(1, 2), "stride": rng.choice([1, 2])}
                if kind == "MaxPool2d":
                    p["dilation"] = rng.randint(1, 2)
            layers.append((kind, p))
        a = analyze(chain(*[(k, p, f"n{i}") for i, (k, p) in enumerate(layers)], shape=(2, 64, 64)))
        assert a.valid, a.errors
        last = a.nodes[f"n{len(layers) - 1}"]
        assert (last.receptive_field, last.jump) == _expected_field(layers), layers


def test_merge_takes_the_larger_field_and_jump():
    b = DesignBuilder("merge field")
    x = b.input([3, 16, 16])
    deep = b.conv2d(b.conv2d(x, 4, 3, padding=1), 4, 3, padding=1)  # rf 5
    wide = b.conv2d(x, 4, [7, 1], padding=[3, 0])  # rf 7×1
    b.output(b.add_(deep, wide, id="sum"), loss="none")
    info = analyze(b.build(layout=False)).nodes["sum"]
    assert info.receptive_field == (7, 5) and info.jump == (1, 1)


def test_no_receptive_field_for_vectors():
    a = analyze(chain(("Linear", {"out_features": 4}, "fc"), shape=(10,)))
    assert a.nodes["input"].receptive_field is None and a.nodes["fc"].receptive_field is None


# ---------------------------------------------------------------- totals and memory
def test_lenet5_totals_and_activation_bytes():
    a = analyze(load(find("lenet5")))
    assert a.total_params == a.trainable_params == 61_706
    assert a.total_macs == 416_520
    assert a.param_bytes == 4 * 61_706
    per_layer = {nid: info.activation_bytes for nid, info in a.nodes.items()}
    assert per_layer["conv1"] == 6 * 28 * 28 * 4 and per_layer["flatten"] == 400 * 4
    values = 1024 + 2 * 4704 + 1176 + 2 * 1600 + 2 * 400 + 2 * 120 + 2 * 84 + 10  # Output not counted
    assert a.activation_bytes == values * 4 == 64_104
    assert a.input_shape == (1, 32, 32) and a.output_shape == (10,)


def test_dead_end_branch_counts_nothing():
    b = DesignBuilder("dead")
    x = b.input([3, 8, 8])
    b.conv2d(x, 64, 3, id="dangling")
    b.output(b.relu(x))
    a = analyze(b.build(layout=False))
    assert a.nodes["dangling"].params == 64 * 27 + 64
    assert a.total_params == 0 and a.total_macs == 0
    assert a.activation_bytes == 2 * 3 * 8 * 8 * 4


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZER_STATE))
def test_training_memory_estimate(optimizer):
    a = analyze(load(find("lenet5")))
    est = a.training_memory(32, optimizer)
    weights = 61_706 * 4
    assert (est.weights, est.gradients) == (weights, weights)
    assert est.optimizer_state == weights * OPTIMIZER_STATE[optimizer]
    assert est.activations == 32 * (2 * 64_104 + 1024 * 4)
    assert est.total == 2 * weights + est.optimizer_state + est.activations and est.batch_size == 32


def test_largest_batch_is_the_last_that_fits():
    a = analyze(load(find("lenet5")))
    fixed = a.training_memory(0).total
    per_sample = 2 * 64_104 + 4096
    assert fixed == 4 * 61_706 * 4  # weights, gradients and Adam's two moments
    for free in [fixed - 1, fixed, fixed + per_sample - 1, fixed + per_sample, 10**9]:
        n = a.largest_batch(free)
        assert n == max(0, (free - fixed) // per_sample)
        if n:
            assert a.training_memory(n).total <= free < a.training_memory(n + 1).total
    assert largest_batch(10, 0, 0, 10**6, "sgd") == 0  # nothing grows with the batch


def test_unknown_optimizer_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown optimiser 'lbfgs'; expected one of sgd"):
        estimate_training_memory(1, 1, 1, 1, "lbfgs")


# ---------------------------------------------------------------- partial designs (issue 9 §1)
#: Problems on a node itself that leave its own output undefined; anything else (dead-end,
#: unreachable, several Outputs, an Input with inputs) must not hide a shape.
BLOCKING = {"bad-param", "unknown-type", "shape", "cycle", "missing-input", "too-many-inputs", "merge-inputs"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(damaged_designs())
def test_every_node_whose_inputs_are_known_has_a_shape(graph):
    a = analyze(graph)
    known = {nid for nid, info in a.nodes.items() if info.output_shape is not None}
    for nid, info in a.nodes.items():
        preds = [graph.nodes[p] for p in graph.predecessors(nid)]
        own = {i.code for i in info.issues if i.is_error and i.node_id == nid} | (
            {"cycle"} if any(i.code == "cycle" and nid in i.nodes for i in info.issues) else set())
        inputs_known = info.type == "Input" or all(p.id in known and p.type != "Output" for p in preds)
        if info.output_shape is None:
            # Unknown only below something unknown, or because of a problem of its own.
            assert (own & BLOCKING) or not inputs_known, (nid, info.status, own)
        else:
            assert inputs_known and info.status == "ok", (nid, info.status)
            assert not own & BLOCKING, (nid, own)
        if info.status == "error":
            assert own, (nid, info, a.issues, graph.edges)
    counted = a.live if a.complete else known
    assert a.counted == counted
    assert a.total_params == sum(a.nodes[n].params for n in counted)
    assert a.total_macs == sum(a.nodes[n].macs for n in counted)
    assert a.complete == a.valid


def test_every_node_of_a_knot_of_loops_carries_the_cycle_issue():
    g = graph_of(IO + [("a", "Add"), ("b", "ReLU"), ("c", "Add"), ("d", "ReLU")],
                 [("input", "a", 0), ("a", "b"), ("b", "c", 0), ("c", "a", 1), ("c", "d"), ("d", "c", 1),
                  ("d", "output")])
    a = analyze(g)
    (cycle,) = [i for i in a.errors if i.code == "cycle"]
    assert set(cycle.nodes) == {"a", "b", "c", "d"}
    assert all(cycle in a.nodes[n].issues and a.nodes[n].status == "error" for n in "abcd")
