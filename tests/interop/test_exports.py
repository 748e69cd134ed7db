"""Exports compute what the compiled design computes: the standalone Python module, TorchScript
and ONNX (checked with onnxruntime); what ONNX cannot express is named."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from designer.analysis import analyze
from designer.cli import load_design, main
from designer.compiler.export import python_source
from designer.compiler.importer import import_model
from designer.compiler.onnx_export import OnnxExportError, export_onnx, onnxruntime_difference
from designer.compiler.weights import design_weights, save_state_dict
from designer.zoo import list_examples

#: Examples small enough to export in the test suite; the large ones (AlexNet, ZFNet, VGG,
#: ResNet-50, DenseNet-121: 0.1-0.6 GB ONNX files) export and match too (packaging/README.md).
ONNX_EXAMPLES = ["digits_cnn", "digits_mlp", "lenet5", "tiny_vgg", "squeezenet1_1",
                 "mobilenet_v2", "resnet18", "googlenet"]


def _run_file(path, name="exported"):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("example", ["lenet5", "resnet18", "googlenet"])
def test_python_export_equals_compiled(example, tmp_path):
    graph = load_design(example)
    compiled = design_weights(graph, seed=0)
    path = tmp_path / "model.py"
    path.write_text(python_source(graph))
    exported = _run_file(path).build()
    exported.load_state_dict(compiled.state_dict(), strict=True)
    x = torch.randn(2, *analyze(graph).input_shape)
    with torch.no_grad():
        assert torch.allclose(exported.eval()(x), compiled(x), atol=1e-6)


@pytest.mark.parametrize("example", [e.name for e in list_examples() if e.name in ONNX_EXAMPLES])
def test_onnx_matches_onnxruntime(example, tmp_path):
    graph = load_design(example)
    module = design_weights(graph, seed=0)
    path = export_onnx(graph, tmp_path / f"{example}.onnx", module)
    assert onnxruntime_difference(path, module, analyze(graph).input_shape) <= 1e-4


def test_onnx_refusal_names_the_layer(tmp_path):
    graph = import_model("torchvision:alexnet", (3, 64, 64)).graph  # pools a 1×1 map to 6×6
    with pytest.raises(OnnxExportError, match=r"avgpool \(AdaptiveAvgPool2d\): ONNX has no "
                                              r"adaptive pooling from 1×1 to 6×6"):
        export_onnx(graph, tmp_path / "a.onnx")
    assert not list(tmp_path.iterdir())


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:FutureWarning")
def test_cli_exports(tmp_path, capsys):
    ckpt = tmp_path / "w.safetensors"
    assert main(["export", "lenet5", "-f", "safetensors", "-o", str(ckpt), "--seed", "5"]) == 0
    weights = design_weights(load_design("lenet5"), ckpt)
    assert torch.equal(weights.conv1.weight, design_weights(load_design("lenet5"), seed=5).conv1.weight)

    script = tmp_path / "lenet.pt"
    assert main(["export", "lenet5", "-f", "torchscript", "-o", str(script),
                 "--checkpoint", str(ckpt)]) == 0
    loaded = torch.jit.load(str(script))
    x = torch.randn(3, 1, 32, 32)
    with torch.no_grad():
        assert torch.allclose(loaded(x), weights(x), atol=1e-6)

    onnx_path = tmp_path / "lenet.onnx"
    assert main(["export", "lenet5", "-f", "onnx", "-o", str(onnx_path), "--checkpoint", str(ckpt)]) == 0
    assert "checked with onnxruntime" in capsys.readouterr().out
    assert onnxruntime_difference(onnx_path, weights, (1, 32, 32)) <= 1e-4

    pt = tmp_path / "w.pt"
    assert main(["export", "lenet5", "-f", "weights", "-o", str(pt), "--checkpoint", str(ckpt)]) == 0
    assert torch.equal(torch.load(pt)["conv1.weight"], weights.conv1.weight)

    save_state_dict({"conv1.weight": torch.zeros(6, 3, 5, 5)}, tmp_path / "bad.pt")
    assert main(["export", "lenet5", "-f", "onnx", "-o", str(tmp_path / "x.onnx"),
                 "--checkpoint", str(tmp_path / "bad.pt")]) == 1
    assert "conv1.weight: expected shape [6, 1, 5, 5], got [6, 3, 5, 5]" in capsys.readouterr().err
