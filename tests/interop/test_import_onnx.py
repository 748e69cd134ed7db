"""ONNX in: a design exported to ONNX comes back through onnx2torch as the same design (same
ids, types, parameters, edges, groups and positions) computing the same outputs with the
same weights; files that are not models or use operators onnx2torch lacks are refused by name."""

from __future__ import annotations

import json

import pytest
import torch

from designer.analysis import analyze
from designer.cli import load_design, main
from designer.compiler.fx_builder import compile_design
from designer.compiler.importer import ModelImportError, import_model
from designer.compiler.onnx_export import export_onnx
from designer.compiler.weights import design_weights
from designer.core.serialize import from_dict, to_dict

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnx2torch")

#: Every form the export keeps or the importer maps back, in one small design: BatchNorm (not
#: folded), SiLU (x·σ(x) in ONNX), GELU (erf-based at opset 17), Hardsigmoid (onnx2torch's own module), LocalResponseNorm
#: (ONNX LRN), Dropout (kept in the inference graph), StochasticDepth and Dropout2d (ONNX
#: Identity), Transpose (an ONNX permutation), Slice (constant starts/ends), a Linear on a
#: channel-last map (MatMul + Add) and a LayerScale (Mul by a constant), Add and Concat (merges, scoped by name), adaptive pooling to 2×2 (an
#: AveragePool) and to 1×1 (a GlobalAveragePool), dotted ids and nested groups.
FORMS = {
    "format": "designer.network", "version": 1, "name": "forms", "description": "every ONNX form",
    "nodes": [
        {"id": "input", "type": "Input", "params": {"shape": [3, 16, 16]}, "position": [0, 0]},
        {"id": "stem.conv", "type": "Conv2d", "params": {"out_channels": 8, "kernel_size": 3, "padding": 1,
                                                         "bias": False}, "position": [0, 100]},
        {"id": "stem.bn", "type": "BatchNorm2d", "params": {}, "position": [0, 200]},
        {"id": "stem.relu", "type": "ReLU", "params": {}, "position": [0, 300]},
        {"id": "silu", "type": "SiLU", "params": {}, "position": [0, 330]},
        {"id": "gelu", "type": "GELU", "params": {}, "position": [0, 345]},
        {"id": "gate", "type": "Hardsigmoid", "params": {}, "position": [0, 360]},
        {"id": "lrn", "type": "LocalResponseNorm", "params": {"size": 3, "alpha": 0.001}, "position": [0, 400]},
        {"id": "block.a", "type": "Conv2d", "params": {"out_channels": 8, "kernel_size": 1}, "position": [-90, 500]},
        {"id": "block.depth", "type": "StochasticDepth", "params": {"p": 0.2}, "position": [-90, 550]},
        {"id": "block.add", "type": "Add", "params": {}, "position": [0, 600]},
        {"id": "block.b", "type": "Conv2d", "params": {"out_channels": 4, "kernel_size": 1}, "position": [90, 500]},
        {"id": "block.cat", "type": "Concat", "params": {}, "position": [0, 700]},
        {"id": "swap", "type": "Transpose", "params": {"dim0": 2, "dim1": 3}, "position": [0, 720]},
        {"id": "half", "type": "Slice", "params": {"dim": 1, "start": 2, "end": 10}, "position": [0, 735]},
        {"id": "last", "type": "Permute", "params": {"dims": [0, 2, 3, 1]}, "position": [0, 738]},
        {"id": "mix", "type": "Linear", "params": {"out_features": 8}, "position": [0, 741]},
        {"id": "first", "type": "Permute", "params": {"dims": [0, 3, 1, 2]}, "position": [0, 744]},
        {"id": "scale", "type": "LayerScale", "params": {"shape": [8, 1, 1]}, "position": [0, 747]},
        {"id": "drop2d", "type": "Dropout2d", "params": {"p": 0.1}, "position": [0, 750]},
        {"id": "pool", "type": "AdaptiveAvgPool2d", "params": {"output_size": 2}, "position": [0, 800]},
        {"id": "gap", "type": "AdaptiveAvgPool2d", "params": {"output_size": 1}, "position": [120, 900]},
        {"id": "flatten", "type": "Flatten", "params": {}, "position": [0, 1000]},
        {"id": "drop", "type": "Dropout", "params": {"p": 0.3}, "position": [0, 1100]},
        {"id": "fc", "type": "Linear", "params": {"out_features": 5}, "position": [0, 1200]},
        {"id": "output", "type": "Output", "params": {}, "position": [0, 1300]},
    ],
    "edges": [
        {"from": "input", "to": "stem.conv"}, {"from": "stem.conv", "to": "stem.bn"},
        {"from": "stem.bn", "to": "stem.relu"}, {"from": "stem.relu", "to": "silu"},
        {"from": "silu", "to": "gelu"}, {"from": "gelu", "to": "gate"}, {"from": "gate", "to": "lrn"},
        {"from": "lrn", "to": "block.a"}, {"from": "block.a", "to": "block.depth"},
        {"from": "block.depth", "to": "block.add"},
        {"from": "lrn", "to": "block.add", "port": 1}, {"from": "lrn", "to": "block.b"},
        {"from": "block.add", "to": "block.cat"}, {"from": "block.b", "to": "block.cat", "port": 1},
        {"from": "block.cat", "to": "swap"}, {"from": "swap", "to": "half"},
        {"from": "half", "to": "last"}, {"from": "last", "to": "mix"}, {"from": "mix", "to": "first"},
        {"from": "first", "to": "scale"}, {"from": "scale", "to": "drop2d"}, {"from": "drop2d", "to": "pool"}, {"from": "pool", "to": "gap"}, {"from": "gap", "to": "flatten"},
        {"from": "flatten", "to": "drop"}, {"from": "drop", "to": "fc"}, {"from": "fc", "to": "output"},
    ],
    "groups": [
        {"id": "stem", "name": "stem", "nodes": ["stem.conv", "stem.bn", "stem.relu"], "kind": "stem"},
        {"id": "body", "name": "body", "nodes": [], "kind": "stage", "collapsed": False},
        {"id": "block", "name": "block", "nodes": ["block.a", "block.depth", "block.add", "block.b", "block.cat"],
         "kind": "residual block", "parent": "body"},
    ],
}


def comparable(graph) -> dict:
    """The design file's content, order-free (the import lists nodes in ONNX's order)."""
    data = to_dict(graph)
    return {"name": data["name"], "description": data["description"],
            "nodes": {n["id"]: n for n in data["nodes"]},
            "edges": sorted((e["from"], e["to"], e.get("port", 0)) for e in data["edges"]),
            "groups": {g["id"]: g for g in data.get("groups", [])}, "training": data.get("training")}


def round_trip(original, tmp_path, name: str):
    """design → ONNX (with seed-0 weights) → design; also the max abs output difference."""
    reference = design_weights(original).eval()
    path = export_onnx(original, tmp_path / f"{name}.onnx", reference)
    result = import_model(str(path))
    compiled = compile_design(result.graph)
    result.copy_weights(compiled)
    x = torch.randn(2, *analyze(original).input_shape)
    with torch.no_grad():
        diff = (compiled.eval()(x) - reference(x)).abs().max().item()
    return result, diff


def assert_same_design(original, result, diff) -> None:
    assert comparable(result.graph) == comparable(original)
    a, b = analyze(original), analyze(result.graph)
    assert (b.total_params, b.total_macs) == (a.total_params, a.total_macs)
    assert diff <= 1e-5


def test_every_onnx_form_comes_back_as_the_catalog_form(tmp_path):
    original = from_dict(FORMS)
    result, diff = round_trip(original, tmp_path, "forms")
    assert_same_design(original, result, diff)


def test_the_file_holds_the_design_layers_as_onnx_operators(tmp_path):
    from designer.compiler.onnx_export import onnxruntime_difference

    design = from_dict(FORMS)
    weights = design_weights(design)
    path = export_onnx(design, tmp_path / "forms.onnx", weights)
    if pytest.importorskip("onnxruntime"):  # and onnxruntime runs them as torch does
        assert onnxruntime_difference(path, weights, (3, 16, 16)) <= 1e-5
    ops = {n.op_type for n in onnx.load(str(path)).graph.node}
    assert {"BatchNormalization", "LRN", "Dropout", "Identity", "Add", "Concat", "AveragePool",
            "GlobalAveragePool", "HardSigmoid", "Sigmoid", "Mul", "Erf", "MatMul"} <= ops
    assert "If" not in ops  # LRN is one operator, not torch's pad/pool/reshape decomposition
    names = {n.name for n in onnx.load(str(path)).graph.node}
    assert "/block_add/Add" in names  # merges are scoped by the layer's name


@pytest.mark.parametrize("example", ["lenet5", "digits_cnn", "shapes_cnn"])
def test_example_to_onnx_and_back_is_the_same_design(example, tmp_path):
    original = load_design(example)
    result, diff = round_trip(original, tmp_path, example)
    assert_same_design(original, result, diff)


@pytest.mark.slow
@pytest.mark.parametrize("example", ["resnet18", "squeezenet1_1"])
def test_bundled_cnn_to_onnx_and_back_is_the_same_design(example, tmp_path):
    """ResNet-18 used to fail in onnx2torch: the exporter shares equal constants between
    layers through Identity nodes, and onnx2torch reads a Conv's bias from initializers only."""
    original = load_design(example)
    result, diff = round_trip(original, tmp_path, example)
    assert_same_design(original, result, diff)


def test_cli_round_trip_keeps_ids(tmp_path):
    path = tmp_path / "lenet5.onnx"
    assert main(["export", "lenet5", "-f", "onnx", "-o", str(path)]) == 0
    out = tmp_path / "back.json"
    assert main(["import", str(path), "-o", str(out)]) == 0
    assert comparable(from_dict(json.loads(out.read_text()))) == comparable(load_design("lenet5"))


def test_a_foreign_file_gets_ids_from_its_node_names(tmp_path):
    """Without Designer's metadata the ids come from the ONNX node names ("conv1/Conv" -> "conv1")."""
    path = export_onnx(load_design("lenet5"), tmp_path / "lenet5.onnx")
    model = onnx.load(str(path))
    del model.metadata_props[:]
    onnx.save(model, str(tmp_path / "foreign.onnx"))
    result = import_model(str(tmp_path / "foreign.onnx"))
    ids = {n.id for n in result.graph}
    assert {"conv1", "fc1", "output"} <= ids


def test_missing_onnx_file(tmp_path):
    with pytest.raises(ModelImportError, match="no ONNX file"):
        import_model(str(tmp_path / "nope.onnx"))


def test_a_file_that_is_not_a_model(tmp_path):
    path = tmp_path / "notes.onnx"
    path.write_bytes(b"this is not a protobuf \xff\xfe" * 10)
    with pytest.raises(ModelImportError, match="is not an ONNX model"):
        import_model(str(path))


def test_an_unsupported_operator_is_named_with_its_node(tmp_path):
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3, 8, 8])
    graph = helper.make_graph([helper.make_node("Relu", ["input"], ["r"], name="relu"),
                               helper.make_node("Hardmax", ["r"], ["output"], name="head/Hardmax")],
                              "g", [x], [y])
    path = tmp_path / "hardmax.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.raises(ModelImportError, match=r"Hardmax \(opset 17\): node 'head/Hardmax'"):
        import_model(str(path))


def test_a_node_onnx2torch_fails_on_is_named(tmp_path):
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3, 8, 8])
    node = helper.make_node("Dropout", ["input"], ["output"], name="head/Dropout", seed=7)
    graph = helper.make_graph([node], "g", [x], [y])
    path = tmp_path / "seeded.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.raises(ModelImportError, match=r"at node 'head/Dropout' \(Dropout\).*seeds"):
        import_model(str(path))
