"""Modern building blocks import exactly (norms called functionally, layer scale, class token,
attention, reshaping, chunks and indexing), a submodule fx cannot trace is kept whole as an
opaque Module call. (That every catalog type has a compile, export and import path is held by
test_catalog_paths.py.)"""

from __future__ import annotations

import importlib.util

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from designer.analysis import analyze
from designer.compiler.export import python_source
from designer.compiler.fx_builder import compile_design
from designer.compiler.importer import import_module
from designer.core.serialize import dumps, loads


class ChannelsLastNorm(nn.Module):
    """timm-style norm layer: its own weight and bias, called functionally."""

    def __init__(self, dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(dim))
        self.bias = nn.Parameter(torch.randn(dim))

    def forward(self, x):
        return F.layer_norm(x, (x.shape[-1],), self.weight, self.bias, 1e-6)


class Block(nn.Module):
    """A ConvNeXt-like block written with the functional forms."""

    def __init__(self, dim: int = 8):
        super().__init__()
        self.dw = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm = ChannelsLastNorm(dim)
        self.fc = nn.Linear(dim, dim)
        self.gamma = nn.Parameter(torch.rand(dim, 1, 1))

    def forward(self, x):
        y = self.dw(x).permute(0, 2, 3, 1)
        y = self.norm(y)
        y = self.fc(y).permute(0, 3, 1, 2)
        return x + self.gamma * y


class Tiny(nn.Module):
    """Conv stem → tokens → class token + position embedding → attention → head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 2, stride=2)
        self.block = Block()
        self.cls = nn.Parameter(torch.randn(1, 1, 8))
        self.pos = nn.Parameter(torch.randn(1, 17, 8))
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.ln = nn.LayerNorm(8)
        self.gn = nn.GroupNorm(2, 8)
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        x = self.gn(self.block(self.stem(x)))
        n = x.shape[0]
        t = x.reshape(n, 8, -1).transpose(1, 2)
        t = torch.cat([self.cls.expand(n, -1, -1), t], dim=1) + self.pos
        a, _ = self.attn(t, t, t, need_weights=False)
        t = self.ln(t + a)
        left, right = t.chunk(2, dim=-1)
        return self.head((left * right.softmax(-1))[:, 0])


class ValueBranch(nn.Module):
    """Python control flow on tensor values: fx cannot trace it (a branch on sizes is decided
    for the imported input size instead, see test_import_opaque_calls)."""

    def __init__(self, channels: int, double: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 1)
        self.double = double

    def forward(self, x):
        if x.abs().sum() > 0 and self.double:
            return self.conv(x) * 2
        return self.conv(x)


class WithOpaque(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.branch = ValueBranch(4)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 8 * 8, 2))

    def forward(self, x):
        return self.head(self.branch(self.stem(x)))


def _same_outputs(result, shape):
    graph = loads(dumps(result.graph))
    compiled = compile_design(graph)
    result.copy_weights(compiled)
    x = torch.randn(2, *shape)
    with torch.no_grad():
        assert (compiled.eval()(x) - result.model.eval()(x)).abs().max().item() <= 1e-5
    return graph, compiled, x


def test_modern_blocks_import_exactly_and_export(tmp_path):
    torch.manual_seed(0)
    result = import_module(Tiny(), (3, 8, 8))
    types = {n.type for n in result.graph}
    assert {"LayerNorm", "LayerScale", "Permute", "ClassToken", "PositionEmbedding", "MultiheadAttention",
            "GroupNorm", "Reshape", "Transpose", "Slice", "Select", "Softmax"} <= types
    assert "ModuleCall" not in types
    assert result.graph.node("block.gamma").params == {"shape": [8, 1, 1]}
    graph, compiled, x = _same_outputs(result, (3, 8, 8))
    analysis = analyze(graph)
    assert analysis.total_params == sum(p.numel() for p in result.model.parameters())
    path = tmp_path / "tiny_export.py"
    path.write_text(python_source(graph))
    spec = importlib.util.spec_from_file_location("tiny_export", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    exported = module.build().eval()
    exported.load_state_dict(compiled.state_dict())
    with torch.no_grad():
        assert torch.equal(exported(x), compiled(x))
    from designer.compiler.onnx_export import export_onnx, onnxruntime_difference

    export_onnx(graph, tmp_path / "tiny.onnx", compiled)
    assert onnxruntime_difference(tmp_path / "tiny.onnx", compiled, (3, 8, 8)) <= 1e-5


def test_untraceable_submodule_becomes_an_opaque_module_call():
    from designer.compiler.import_opaque import recording_constructors

    torch.manual_seed(0)
    with recording_constructors():  # as `designer import` builds models
        model = WithOpaque()
    result = import_module(model, (3, 8, 8))
    node = result.graph.node("branch")
    assert node.type == "ModuleCall"
    assert node.params["module"].endswith("test_import_zoo.ValueBranch")
    assert node.params["kwargs"] == {"channels": 4}  # as it was built
    assert node.params["output_shape"] == [4, 8, 8] and node.params["parameters"] == 20
    assert any("kept whole" in note for note in result.notes)
    graph, compiled, x = _same_outputs(result, (3, 8, 8))
    source = python_source(graph)  # the class is imported by path in the exported code
    assert "from test_import_zoo import ValueBranch" in source or "import ValueBranch" in source
    assert "self.branch = ValueBranch(channels=4)" in source


@pytest.mark.slow
@pytest.mark.parametrize("name", ["efficientnet_b0", "shufflenet_v2_x0_5", "convnext_tiny", "mnasnet0_5"])
def test_torchvision_zoo_round_trip(name):
    from designer.compiler.importer import import_model

    torch.manual_seed(0)
    result = import_model(f"torchvision:{name}", (3, 64, 64))
    assert not any(n.type == "ModuleCall" for n in result.graph)
    _same_outputs(result, (3, 64, 64))


class Ops(nn.Module):
    """Functional tensor operations, each mapped to its catalog layer."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)

    def forward(self, x):
        x = F.interpolate(self.conv(x), scale_factor=2, mode="bilinear", align_corners=False)
        x = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        a, b, c = torch.split(x, [2, 2, 2], dim=1)
        q = a.flatten(2).transpose(1, 2)  # tokens × 2
        k = b.flatten(2).transpose(1, 2)
        v = c.flatten(2).transpose(1, 2)
        attn = F.scaled_dot_product_attention(q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)).squeeze(1)
        scores = torch.matmul(attn.transpose(1, 2), v)  # 2 × 2
        first, second = scores.unbind(1)
        return first * second.amax(-1, keepdim=True) + x.mean((2, 3))[:, :2]


def test_functional_tensor_operations_import_exactly():
    torch.manual_seed(0)
    result = import_module(Ops(), (3, 4, 4))
    types = {n.type for n in result.graph}
    assert {"Interpolate", "Pad", "Slice", "Flatten", "Transpose", "Unsqueeze", "Squeeze",
            "ScaledDotProductAttention", "MatMul", "Select", "Amax", "Mean"} <= types
    assert "ModuleCall" not in types
    _same_outputs(result, (3, 4, 4))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["convnext_atto", "mobilenetv3_small_050"])
def test_timm_models_import_exactly(name):
    """timm's functional norms, reshaped layer scales and F.linear heads map to catalog layers."""
    timm = pytest.importorskip("timm")
    from designer.compiler.import_opaque import recording_constructors

    torch.manual_seed(0)
    with recording_constructors():
        model = timm.create_model(name, pretrained=False)
    result = import_module(model, (3, 64, 64), name)
    assert not any(n.type == "ModuleCall" for n in result.graph)
    _same_outputs(result, (3, 64, 64))


def test_a_design_cannot_make_designer_import_or_inject_code(monkeypatch):
    """A Module call names a class by path: only trusted or already imported packages are
    imported, and only Python names reach generated code."""
    from designer.compiler.fx_builder import CompileError
    from designer.compiler.targets import TargetError, check_path
    from designer.core.builder import DesignBuilder

    with pytest.raises(TargetError, match="DESIGNER_TRUSTED_MODULES"):
        check_path("antigravity.fly")
    with pytest.raises(TargetError, match="not a dotted Python name"):
        check_path("os; import sys")
    b = DesignBuilder("evil")
    x = b.input([4])
    x = b.add("ModuleCall", x, id="m", module="torch.nn.Linear", kwargs={"in_features": 4, "out_features": 2,
                                                                       "bias=True); import os; (x": 1},
              input_shape=[4], output_shape=[2], parameters=10)
    b.output(x, loss="none")
    graph = b.build(layout=False)
    with pytest.raises((CompileError, TargetError)):
        python_source(graph)
    graph.node("m").params["module"] = "subprocess.Popen"  # imported already, but no nn.Module
    with pytest.raises(CompileError, match="not a torch.nn.Module class"):
        compile_design(graph)
    graph.node("m").params.update(module="torch.nn.Linear", kwargs={"in_features": 4, "out_features": 2,
                                                                    "device": {"__callable__": "os.system"}})
    with pytest.raises(CompileError, match="only torch.nn.Module classes"):
        compile_design(graph)


def test_a_model_still_untraceable_after_every_round_is_refused_in_words(monkeypatch):
    """When each round keeps one more module whole and the rounds run out, the user gets a
    sentence (it used to be AttributeError: 'NoneType' object has no attribute 'problems')."""
    from designer.compiler import importer
    from designer.compiler.import_opaque import recording_constructors

    monkeypatch.setattr(importer, "MAX_OPAQUE_ROUNDS", 1)
    with recording_constructors():
        model = WithOpaque()
    with pytest.raises(importer.ModelImportError, match="cannot trace .* rounds"):
        import_module(model, (3, 8, 8))
