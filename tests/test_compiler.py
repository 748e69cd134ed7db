"""The fx compiler: readable code (golden file), sanitized names, refusal of invalid designs,
and hundreds of random designs whose real shapes, parameters and FLOPs must equal analysis."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from torch.fx.passes.shape_prop import ShapeProp
from torch.utils.flop_counter import FlopCounterMode

from designer.analysis import analyze
from designer.compiler import CompileError, compile_design
from designer.compiler.export import python_source
from designer.compiler.fx_builder import identifier
from designer.core.builder import DesignBuilder
from designer.core.graph import Graph
from designer.core.serialize import load
from designer.zoo import find

from strategies import damaged_designs, valid_designs

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("DESIGNER_UPDATE_GOLDEN") == "1"

pytestmark = pytest.mark.filterwarnings(
    "ignore:Using padding='same' with even kernel lengths:UserWarning"
)


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/<name>; DESIGNER_UPDATE_GOLDEN=1 rewrites it instead."""
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; rerun with DESIGNER_UPDATE_GOLDEN=1"


# ---------------------------------------------------------------- readable code
def test_lenet5_code_reads_like_hand_written_pytorch():
    module = compile_design(load(find("lenet5")))
    code = module.code.strip() + "\n"
    check_golden("lenet5_code.txt", code)
    assert "= None" not in code and "torch.fx" not in code
    assert type(module).__name__ == "LeNet5"
    assert module.design_names["conv1"] == "conv1" and module.design_names["input"] == "x"


def test_merges_read_as_operators():
    b = DesignBuilder("merges")
    x = b.input([3, 8, 8])
    r = b.relu(x, id="r")
    s = b.add("Sigmoid", x, id="s")
    t = b.add("Tanh", x, id="t")
    total = b.add_(r, s, t, id="total")
    gate = b.add("Multiply", total, r, id="gate")
    both = b.concat(gate, x, id="both")
    twice = b.add_(both, both, id="twice")
    b.output(twice)
    module = compile_design(b.build(layout=False))
    lines = [line.strip() for line in module.code.strip().splitlines()]
    assert "total_1 = r + s" in lines and "total = total_1 + t" in lines
    assert "gate = total * r" in lines
    assert "both = torch.cat([gate, x], dim = 1)" in lines
    assert "twice = both + both" in lines and lines[-1] == "return twice"
    x_in = torch.randn(2, 3, 8, 8)
    expected = torch.cat([(x_in.relu() + x_in.sigmoid() + x_in.tanh()) * x_in.relu(), x_in], 1) * 2
    assert torch.allclose(module(x_in), expected)


@pytest.mark.parametrize("ids, names", [
    (["conv 1"], ["conv_1"]),
    (["layer1.0.conv1"], ["layer1_0_conv1"]),
    (["2nd"], ["layer_2nd"]),
    (["class", "lambda", "None"], ["class_", "lambda_", "None_"]),
    (["forward", "training", "graph", "code", "eval"], ["forward_", "training_", "graph_", "code_", "eval_"]),
    (["torch", "nn", "self", "device", "inf"], ["torch_", "nn_", "self_", "device_", "inf_"]),
    (["conv 1", "conv_1", "conv.1"], ["conv_1", "conv_1_2", "conv_1_3"]),
    (["Ünïcode", "网络", "..."], ["Unicode", "layer", "layer_2"]),
    (["x"], ["x_2"]),  # the single Input is already called x
])
def test_names_are_sanitized(ids, names):
    b = DesignBuilder("names")
    x = b.input([4])
    for nid in ids:
        x = b.add("ReLU", x, id=nid)
    b.output(x)
    module = compile_design(b.build(layout=False))
    assert [module.design_names[nid] for nid in ids] == names
    for name in names:
        assert isinstance(getattr(module, name), torch.nn.ReLU)
    assert module(torch.ones(2, 4)).shape == (2, 4)
    assert python_source(b.graph).count("nn.ReLU()") == len(ids)


def test_identifier_is_always_a_fresh_python_name():
    taken: set[str] = set()
    for raw in ["", "_", "9", "a b", "a_b", "a-b", "def", "print", "x" * 300, "__init__", "μ"]:
        name = identifier(raw, taken)
        assert name.isidentifier() and name.isascii()
    assert len(taken) == 11


def test_several_inputs_become_named_arguments():
    b = DesignBuilder("two inputs")
    image = b.input([3, 4, 4], id="image")
    mask = b.input([3, 4, 4], id="mask")
    b.output(b.add("Multiply", image, mask, id="masked"))
    module = compile_design(b.build(layout=False))
    assert "def forward(self, image, mask):" in module.code
    a, m = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)
    assert torch.equal(module(a, m), a * m)


def test_invalid_design_is_refused_with_its_issues():
    b = DesignBuilder("broken")
    x = b.input([3, 4, 4])
    bad = b.conv2d(x, 8, 5, id="conv3")
    b.output(b.add("Concat", bad, id="cat"))
    graph = b.build(layout=False)
    errors = analyze(graph).errors
    with pytest.raises(CompileError) as exc:
        compile_design(graph)
    assert exc.value.issues == errors and len(errors) == 2
    text = str(exc.value)
    assert text.startswith("the design has 2 error(s) and cannot be compiled:")
    assert "Conv2d conv3: kernel 5 is larger than the padded input 4×4" in text
    assert "Concat cat merges two or more inputs but has 1" in text


def test_empty_design_is_refused():
    with pytest.raises(CompileError, match="empty"):
        compile_design(Graph("nothing"))


def test_dead_end_branches_are_left_out():
    b = DesignBuilder("dead")
    x = b.input([3, 8, 8])
    y = b.conv2d(x, 4, 3, id="used")
    side = b.conv2d(y, 64, 3, id="side")
    b.relu(side, id="side_relu")
    b.output(y)
    graph = b.build(layout=False)
    assert [i.code for i in analyze(graph).issues] == ["dead-end", "dead-end"]
    module = compile_design(graph)
    assert set(dict(module.named_children())) == {"used"}
    assert "side" not in module.code and "side" not in module.design_names
    assert sum(p.numel() for p in module.parameters()) == analyze(graph).total_params == 112


def test_input_straight_to_output():
    b = DesignBuilder("identity")
    b.output(b.input([5]))
    module = compile_design(b.build(layout=False))
    x = torch.randn(2, 5)
    assert module(x) is x


def test_compiled_module_survives_deepcopy_and_pickle():
    import copy
    import pickle

    module = compile_design(load(find("lenet5")))
    x = torch.randn(2, 1, 32, 32)
    for clone in (copy.deepcopy(module), pickle.loads(pickle.dumps(module))):
        clone.load_state_dict(module.state_dict())
        assert torch.equal(clone(x), module(x))


# ---------------------------------------------------------------- random designs vs torch
def run_and_measure(module, analysis):
    """Run once under ShapeProp and FlopCounterMode: real per-node shapes and MACs/sample."""
    placeholders = [n for n in module.graph.nodes if n.op == "placeholder"]
    by_name = {name: nid for nid, name in module.design_names.items()}
    xs = [torch.randn(2, *analysis.nodes[by_name[p.name]].output_shape) for p in placeholders]
    module.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        result = ShapeProp(module).propagate(*xs)
    shapes = {by_name[n.name]: tuple(n.meta["tensor_meta"].shape)[1:]
              for n in module.graph.nodes if n.name in by_name and "tensor_meta" in n.meta}
    per_type = {k: sum(v.values()) / 2 / 2 for k, v in counter.get_flop_counts().items()}
    return result, shapes, per_type


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_designs())
def test_random_valid_designs_match_torch(graph):
    analysis = analyze(graph)
    assert analysis.valid, [str(i) for i in analysis.errors]
    module = compile_design(graph, analysis)
    result, shapes, macs = run_and_measure(module, analysis)
    for nid, shape in shapes.items():
        assert shape == analysis.nodes[nid].output_shape, (nid, analysis.nodes[nid].type)
    live_layers = [n for n in analysis.live if analysis.nodes[n].type not in ("Input", "Output")]
    assert set(live_layers) <= set(shapes)
    assert tuple(result.shape[1:]) == analysis.output_shape
    for nid in live_layers:
        layer = getattr(module, module.design_names[nid], None)
        if isinstance(layer, torch.nn.Module):
            assert sum(p.numel() for p in layer.parameters()) == analysis.nodes[nid].params, nid
    assert sum(p.numel() for p in module.parameters()) == analysis.total_params
    assert macs.get("Global", 0) == analysis.total_macs
    for kind in ("Conv2d", "Linear"):
        assert macs.get(kind, 0) == sum(analysis.nodes[n].macs for n in live_layers if analysis.nodes[n].type == kind)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(damaged_designs())
def test_random_edits_yield_issues_never_crashes(graph):
    analysis = analyze(graph)  # never raises, whatever the edits did
    for issue in analysis.issues:
        assert issue.message and issue.code
    if analysis.errors:
        with pytest.raises(CompileError):
            compile_design(graph, analysis)
        with pytest.raises(CompileError):
            python_source(graph, analysis)
        return
    if not analysis.outputs:  # an empty design: nothing to run
        return
    # Analysis found nothing wrong, so torch must build and run it with the predicted shapes.
    module = compile_design(graph, analysis)
    result, shapes, _ = run_and_measure(module, analysis)
    assert all(shape == analysis.nodes[nid].output_shape for nid, shape in shapes.items())
    assert tuple(result.shape[1:]) == analysis.output_shape
