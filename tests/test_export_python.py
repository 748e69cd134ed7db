"""Python export: a clean standalone module whose state_dict is interchangeable with the
compiled GraphModule's, so that both give bit-identical outputs."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from designer.cli import main as cli_main
from designer.compiler import CompileError, compile_design
from designer.compiler.export import constructor_args, literal, python_source
from designer.core.builder import DesignBuilder
from designer.core.serialize import load
from designer.zoo import find

GOLDEN = Path(__file__).parent / "golden"


def branchy():
    """Branches, merges and most constructor arguments, with awkward node ids."""
    b = DesignBuilder("Branchy net", 'A test design: "quotes", a backslash \\ and """triple quotes""".')
    x = b.input([3, 16, 16])
    stem = b.conv2d(x, 8, [3, 5], stride=[2, 1], padding=[1, 2], id="layer1.0.conv1", bias=False)
    stem = b.batchnorm2d(stem, id="bn", momentum=0.2)
    stem = b.add("PReLU", stem, id="class", per_channel=True)
    left = b.conv2d(stem, 8, 3, padding="same", dilation=2, groups="depthwise", padding_mode="reflect", id="dw")
    mid = b.conv2d(stem, 8, 1, groups=2, id="2nd")
    right = b.maxpool2d(stem, 3, stride=1, padding=1, id="pool 1")
    total = b.add_(left, mid, right, id="sum")
    gate = b.add("Multiply", total, b.add("Sigmoid", stem, id="gate_sigmoid"), id="gate")
    both = b.concat(gate, stem, id="cat")
    both = b.add("LocalResponseNorm", both, size=3)
    pooled = b.avgpool2d(both, 3, stride=2, padding=1, id="down", ceil_mode=True, count_include_pad=False)
    pooled = b.add("Dropout2d", pooled, p=0.1)
    flat = b.flatten(pooled)
    hidden = b.linear(flat, 32, id="forward", bias=False)
    hidden = b.add("BatchNorm1d", hidden, eps=1e-3)
    hidden = b.add("LeakyReLU", hidden, negative_slope=0.2)
    hidden = b.dropout(hidden, 0.3)
    logits = b.linear(hidden, 5)
    b.add("ReLU", logits, id="dangling")  # a dead end: left out of both
    b.output(logits)
    return b.build(layout=False)


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=["lenet5", "branchy"])
def design(request):
    return load(find("lenet5")) if request.param == "lenet5" else branchy()


def test_exported_module_equals_the_compiled_one(design, tmp_path):
    path = tmp_path / "net.py"
    path.write_text(python_source(design), encoding="utf-8")
    exported = load_module(path).build()
    compiled = compile_design(design)
    torch.manual_seed(0)
    for p in compiled.parameters():  # make every parameter matter (BN scale, PReLU slope...)
        p.data.uniform_(-1, 1)
    assert exported.state_dict().keys() == compiled.state_dict().keys()
    exported.load_state_dict(compiled.state_dict(), strict=True)
    compiled.train()
    compiled(torch.randn(8, *[3, 16, 16] if design.name == "Branchy net" else [1, 32, 32]))  # BN stats
    exported.load_state_dict(compiled.state_dict(), strict=True)
    exported.eval()
    compiled.eval()
    x = torch.randn(4, *[3, 16, 16] if design.name == "Branchy net" else [1, 32, 32])
    with torch.no_grad():
        assert (exported(x) - compiled(x)).abs().max().item() == 0
    assert [n for n, _ in exported.named_children()] == [n for n, _ in compiled.named_children()]


def test_lenet5_export_golden():
    text = python_source(load(find("lenet5")))
    path = GOLDEN / "lenet5_export.txt"
    if os.environ.get("DESIGNER_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), "rerun with DESIGNER_UPDATE_GOLDEN=1 if intended"


def test_constructor_lines_leave_out_defaults():
    source = python_source(branchy())
    lines = {line.strip().split(" = ", 1)[0]: line.strip().split(" = ", 1)[1]
             for line in source.splitlines() if line.strip().startswith("self.")}
    assert lines["self.layer1_0_conv1"] == "nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=(1, 2), bias=False)"
    assert lines["self.bn"] == "nn.BatchNorm2d(8, momentum=0.2)"
    assert lines["self.class_"] == "nn.PReLU(num_parameters=8)"
    assert lines["self.dw"] == "nn.Conv2d(8, 8, 3, padding='same', dilation=2, groups=8, padding_mode='reflect')"
    assert lines["self.layer_2nd"] == "nn.Conv2d(8, 8, 1, groups=2)"
    assert lines["self.pool_1"] == "nn.MaxPool2d(3, stride=1, padding=1)"
    assert lines["self.down"] == "nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)"
    assert lines["self.lrn1"] == "nn.LocalResponseNorm(3)"
    assert lines["self.drop1"] == "nn.Dropout2d(p=0.1)"
    assert lines["self.flatten1"] == "nn.Flatten()"
    assert lines["self.forward_"] == "nn.Linear(720, 32, bias=False)"
    assert lines["self.bn1"] == "nn.BatchNorm1d(32, eps=0.001)"
    assert lines["self.leakyrelu1"] == "nn.LeakyReLU(negative_slope=0.2)"
    assert lines["self.fc1"] == "nn.Linear(32, 5)"
    assert "dangling" not in source


def test_forward_reads_like_hand_written_code():
    source = python_source(branchy())
    body = source.split("def forward(self, x):\n")[1].split("\n\n")[0]
    assert "        sum = dw + layer_2nd + pool_1  # 8×8×16" not in body  # sum is a builtin
    assert "        sum_ = dw + layer_2nd + pool_1  # 8×8×16\n" in body
    assert "        gate = sum_ * gate_sigmoid  # 8×8×16\n" in body
    assert "        cat = torch.cat([gate, class_], dim=1)  # 16×8×16\n" in body
    assert body.rstrip().endswith("return fc1")


def test_constructor_args_and_literals():
    assert constructor_args(nn.Conv2d, {"in_channels": 1, "out_channels": 6, "kernel_size": (5, 5),
                                        "stride": (1, 1), "padding": (0, 0), "dilation": (1, 1),
                                        "groups": 1, "bias": True, "padding_mode": "zeros"}) == ["1", "6", "5"]
    assert constructor_args(nn.MaxPool2d, {"kernel_size": (2, 2), "stride": (2, 2)}) == ["2"]
    assert constructor_args(nn.MaxPool2d, {"kernel_size": (2, 2), "stride": (1, 1)}) == ["2", "stride=1"]
    assert constructor_args(nn.Softmax, {"dim": 1}) == ["dim=1"]  # torch's default is None
    assert constructor_args(nn.ELU, {"alpha": 1.0}) == []
    assert constructor_args(nn.Dropout, {"p": 0.5}) == []
    assert constructor_args(nn.BatchNorm1d, {"num_features": 4, "affine": False}) == ["4", "affine=False"]
    assert [literal(v) for v in [(3, 3), (3, 5), 1e-05, "same", (1,), None]] == [
        "3", "(3, 5)", "1e-05", "'same'", "(1,)", "None"]


def test_docstring_is_wrapped_and_safe():
    source = python_source(branchy())
    tree = ast.parse(source)
    doc = ast.get_docstring(tree)
    assert 'A test design: "quotes", a backslash \\ and """triple quotes""".' in doc
    lenet = python_source(load(find("lenet5")))
    doc_lines = lenet.split('"""')[1].splitlines()
    assert max(len(line) for line in doc_lines) <= 90 and len(doc_lines) > 5
    assert all(len(line) <= 99 for line in lenet.splitlines())
    assert "designer" not in "".join(line for line in lenet.splitlines() if "import" in line)


@pytest.mark.parametrize("name, cls", [("none", "NoneNet"), ("123 go", "Net123Go"), ("", "Network"),
                                       ("my-net v2", "MyNetV2")])
def test_class_names(name, cls):
    b = DesignBuilder(name)
    b.output(b.relu(b.input([3])))
    source = python_source(b.build(layout=False))
    assert f"class {cls}(nn.Module):" in source
    ast.parse(source)


def test_several_inputs(tmp_path):
    b = DesignBuilder("two")
    image, mask = b.input([2, 3, 3], id="image"), b.input([2, 3, 3], id="mask")
    b.output(b.add("Multiply", b.relu(image), mask, id="masked"))
    source = python_source(b.build(layout=False))
    assert "    def forward(self, image, mask):\n" in source
    assert "model(torch.randn(2, 2, 3, 3), torch.randn(2, 2, 3, 3))" in source
    path = tmp_path / "two.py"
    path.write_text(source, encoding="utf-8")
    module = load_module(path).build()
    a, m = torch.randn(2, 2, 3, 3), torch.randn(2, 2, 3, 3)
    assert torch.equal(module(a, m), a.relu() * m)


def test_invalid_design_is_refused():
    b = DesignBuilder("bad")
    b.output(b.conv2d(b.input([3, 4, 4]), 8, 5, id="conv3"))
    with pytest.raises(CompileError, match="Conv2d conv3: kernel 5 is larger"):
        python_source(b.build(layout=False))


def test_cli_export_writes_a_runnable_file(tmp_path, capsys):
    out = tmp_path / "lenet5_model.py"
    assert cli_main(["export", "lenet5", "--format", "python", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    run = subprocess.run([sys.executable, str(out)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stderr
    assert "LeNet5(" in run.stdout and run.stdout.strip().endswith("torch.Size([2, 10])")


SMALL_EXAMPLES = ["digits_mlp", "digits_cnn", "tiny_vgg"]  # the 224×224 ones take seconds each


@pytest.mark.parametrize("name", SMALL_EXAMPLES)
def test_examples_export_equals_compiled(name, tmp_path):
    graph = load(find(name))
    path = tmp_path / f"{name}.py"
    path.write_text(python_source(graph), encoding="utf-8")
    exported = load_module(path).build().eval()
    compiled = compile_design(graph).eval()
    exported.load_state_dict(compiled.state_dict(), strict=True)
    shape = [int(s) for s in graph.nodes[next(n.id for n in graph if n.type == "Input")].params["shape"]]
    x = torch.randn(2, *shape)
    with torch.no_grad():
        assert torch.equal(exported(x), compiled(x))


def test_exported_build_keeps_the_designs_frozen_layers_frozen():
    graph = load(find("lenet5"))
    graph.training = dict(graph.training or {}, freeze=["conv1", "conv2", "relu1"])
    namespace: dict = {}
    exec(compile(python_source(graph), "lenet5_export", "exec"), namespace)
    model = namespace["build"]()
    frozen = sorted(n for n, p in model.named_parameters() if not p.requires_grad)
    assert frozen == ["conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight"]
    graph.training = dict(graph.training, freeze=[])
    assert "requires_grad_" not in python_source(graph)
