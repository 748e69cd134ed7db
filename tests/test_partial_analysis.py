"""Analysis of designs still being built (issue 9 §1): every node whose inputs are known has
its shape, parameters, MACs and receptive field, whatever else is broken or unconnected;
only what lies downstream of a broken or unconnected node is unknown. Totals count every node
whose count is known and say when the design is incomplete."""

from __future__ import annotations

import json

import pytest

from designer.analysis import analyze
from designer.analysis.report import format_table, summary_dict, totals_text
from designer.core.builder import DesignBuilder
from designer.core.edits import RemoveEdge, RemoveNodes
from designer.core.graph import Edge, Graph, Node
from designer.core.serialize import load
from designer.zoo import find

LENET_PARAMS, LENET_MACS = 61_706, 416_520


def shapes(analysis) -> dict:
    return {nid: info.output_shape for nid, info in analysis.nodes.items()}


def lenet() -> Graph:
    return load(find("lenet5"))


def issue_example() -> Graph:
    """The issue's design: Input(1×28×28) → Conv2d(16, 3) → ReLU, and an Output not wired."""
    g = Graph("partial")
    g.add_node(Node("input", "Input", {"shape": [1, 28, 28]}))
    g.add_node(Node("conv", "Conv2d", {"out_channels": 16, "kernel_size": 3}))
    g.add_node(Node("relu", "ReLU", {}))
    g.add_node(Node("output", "Output", {"loss": "none"}))
    g.add_edge(Edge("input", "conv"))
    g.add_edge(Edge("conv", "relu"))
    return g


# ---------------------------------------------------------------- table of partial designs
def test_dangling_chain_with_output_unwired_has_its_shapes():
    a = analyze(issue_example())
    assert shapes(a) == {"input": (1, 28, 28), "conv": (16, 26, 26), "relu": (16, 26, 26), "output": None}
    assert [a.nodes[n].status for n in ("input", "conv", "relu")] == ["ok"] * 3
    assert a.nodes["output"].status == "error"
    assert a.nodes["conv"].receptive_field == (3, 3)
    assert not a.valid and not a.complete
    assert a.total_params == a.trainable_params == 16 * 9 + 16
    assert a.total_macs == 16 * 26 * 26 * 9
    assert a.activation_bytes == (28 * 28 + 2 * 16 * 26 * 26) * 4  # the Input counts, as in LeNet-5
    assert a.input_shape == (1, 28, 28)
    assert a.counted == {"input", "conv", "relu"}


def test_lenet_with_output_unwired_counts_everything_so_far():
    g = lenet()
    RemoveEdge(Edge("fc3", "output")).apply(g)
    a = analyze(g)
    assert all(shape is not None for nid, shape in shapes(a).items() if nid != "output")
    assert a.nodes["fc3"].output_shape == (10,) and a.nodes["output"].output_shape is None
    assert (a.total_params, a.total_macs) == (LENET_PARAMS, LENET_MACS)
    assert not a.complete
    assert totals_text(a) == f"{LENET_PARAMS:,} parameters so far; {len(a.errors)} problem" + (
        "s" if len(a.errors) != 1 else "")


def test_middle_node_deleted_keeps_the_shapes_above_it():
    g = lenet()
    RemoveNodes(["conv2"]).apply(g)
    a = analyze(g)
    known = {nid for nid, shape in shapes(a).items() if shape is not None}
    assert known == {"input", "conv1", "relu1", "pool1"}
    assert a.nodes["pool1"].output_shape == (6, 14, 14)
    assert a.nodes["relu2"].status == "error"  # it lost its input: the first broken node
    assert {a.nodes[n].status for n in ("pool2", "flatten", "fc1", "fc3", "output")} == {"unknown"}
    assert a.total_params == 6 * 25 + 6
    assert a.total_macs == 6 * 28 * 28 * 25
    assert not a.complete


def test_two_separate_chains_both_have_shapes_and_count():
    b = DesignBuilder("two chains")
    x = b.input([1, 8, 8], id="in_a")
    x = b.conv2d(x, 4, 3, id="conv_a")
    b.output(b.add("Flatten", x, id="flat_a"), loss="none")
    y = b.input([3, 10, 10], id="in_b")
    b.conv2d(b.relu(y, id="relu_b"), 2, 5, id="conv_b")  # a second chain, not wired to the Output
    a = analyze(b.build(layout=False))
    assert a.nodes["conv_a"].output_shape == (4, 6, 6) and a.nodes["flat_a"].output_shape == (144,)
    assert a.nodes["relu_b"].output_shape == (3, 10, 10) and a.nodes["conv_b"].output_shape == (2, 6, 6)
    assert a.nodes["output"].output_shape == (144,)
    assert not a.valid  # in_b never reaches the Output
    assert a.total_params == (4 * 9 + 4) + (2 * 3 * 25 + 2)


def test_two_chains_and_no_output_at_all():
    b = DesignBuilder("no output")
    b.conv2d(b.input([1, 8, 8], id="i1"), 2, 3, id="c1")
    b.relu(b.input([4], id="i2"), id="r2")
    a = analyze(b.build(layout=False))
    assert [i.code for i in a.errors] == ["no-output"]
    assert shapes(a) == {"i1": (1, 8, 8), "c1": (2, 6, 6), "i2": (4,), "r2": (4,)}
    assert a.total_params == 2 * 9 + 2 and not a.complete


def test_lone_input_has_its_shape():
    g = Graph("lone")
    g.add_node(Node("input", "Input", {"shape": [3, 32, 32]}))
    a = analyze(g)
    assert a.nodes["input"].output_shape == (3, 32, 32) and a.nodes["input"].status == "ok"
    assert a.nodes["input"].receptive_field == (1, 1)
    assert a.total_params == 0 and not a.complete


def test_input_with_an_incoming_edge_keeps_its_shape():
    g = issue_example()
    g.add_node(Node("stray", "ReLU", {}))
    g.add_edge(Edge("stray", "input"))
    a = analyze(g)
    assert {"input-has-inputs", "missing-input"} <= {i.code for i in a.errors}
    assert a.nodes["input"].output_shape == (1, 28, 28) and a.nodes["relu"].output_shape == (16, 26, 26)


def test_everything_past_an_output_that_feeds_layers_is_unknown():
    g = lenet()
    g.add_node(Node("after", "ReLU", {}))
    g.add_edge(Edge("output", "after"))
    a = analyze(g)
    assert a.nodes["output"].output_shape == (10,)
    assert a.nodes["after"].output_shape is None and a.nodes["after"].status == "unknown"
    assert a.total_params == LENET_PARAMS


def test_multiple_outputs_each_have_their_shape():
    b = DesignBuilder("two outputs")
    x = b.relu(b.input([5]), id="r")
    b.output(x, id="o1")
    b.output(x, id="o2")
    a = analyze(b.build(layout=False))
    assert [i.code for i in a.errors] == ["multiple-outputs"]
    assert a.nodes["o1"].output_shape == a.nodes["o2"].output_shape == (5,)


@pytest.mark.parametrize("broken", ["shape", "param", "type"])
def test_a_broken_node_stops_only_what_is_below_it(broken):
    g = lenet()
    if broken == "shape":
        g.set_params("conv2", {**g.nodes["conv2"].params, "kernel_size": 30})
    elif broken == "param":
        g.set_params("conv2", {**g.nodes["conv2"].params, "out_channels": -1})
    else:
        g.nodes["conv2"].type = "Nonsense"
    a = analyze(g)
    assert a.nodes["pool1"].output_shape == (6, 14, 14) and a.nodes["conv2"].status == "error"
    assert a.nodes["conv2"].output_shape is None and a.nodes["relu2"].status == "unknown"
    assert a.total_params == 6 * 25 + 6


# ---------------------------------------------------------------- what is reported
def test_complete_design_says_nothing_about_so_far():
    a = analyze(lenet())
    assert a.complete and a.counted == a.live
    assert totals_text(a) == f"{LENET_PARAMS:,} parameters"
    assert summary_dict(a)["complete"] is True


def test_summary_json_of_a_partial_design():
    a = analyze(issue_example())
    data = json.loads(json.dumps(summary_dict(a)))
    assert data["valid"] is False and data["complete"] is False
    assert {i["code"] for i in data["issues"]} >= {"missing-input"}
    shapes_out = {row["id"]: row["output_shape"] for row in data["layers"]}
    assert shapes_out == {"input": [1, 28, 28], "conv": [16, 26, 26], "relu": [16, 26, 26], "output": None}
    assert data["total_params"] == 160
    assert data["analysed_layers"] == 3 and len(data["layers"]) == 4


def test_text_summary_of_a_partial_design_says_so_far():
    text = format_table(analyze(issue_example()))
    assert "Total params: 160 (so far: 3 of 4 layers analysed)" in text


def test_totals_text_counts_problems():
    g = issue_example()
    a = analyze(g)
    assert totals_text(a) == f"160 parameters so far; {len(a.errors)} problem{'s' * (len(a.errors) != 1)}"


# ---------------------------------------------------------------- the command line
def test_cli_summary_json_and_validate_of_a_partial_design(capsys, tmp_path):
    from designer.cli import main
    from designer.core.serialize import save

    path = tmp_path / "partial.json"
    save(issue_example(), path)
    assert main(["summary", "--json", str(path)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False and data["complete"] is False and data["issues"]
    assert [row["output_shape"] for row in data["layers"]] == [[1, 28, 28], [16, 26, 26], [16, 26, 26], None]
    assert data["total_params"] == 160
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "missing-input" in err and "error(s); 160 parameters so far; " in err


def test_summary_json_text_is_the_summary_dict():
    from designer.analysis.report import summary_json

    for graph in (lenet(), issue_example(), Graph("empty")):
        a = analyze(graph)
        assert json.loads(summary_json(a)) == json.loads(json.dumps(summary_dict(a)))
