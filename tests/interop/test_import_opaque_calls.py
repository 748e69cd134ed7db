"""Modules kept whole when called with several tensors and constants, Python branches on sizes
decided for the imported input size, and attention's batch-moving permute: each imported,
compiled, exported and compared exactly with the original."""

from __future__ import annotations

import importlib.util

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from designer.analysis import analyze
from designer.compiler.export import python_source
from designer.compiler.fx_builder import compile_design
from designer.compiler.import_opaque import recording_constructors
from designer.compiler.importer import ModelImportError, import_module
from designer.core.serialize import dumps, loads


class Mix(nn.Module):
    """Two tensors and a size in; cumsum has no Designer layer, so it is kept whole."""

    def __init__(self, channels: int, scale: float = 1.0):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 1)
        self.scale = scale

    def forward(self, x, y, size=(2, 2)):
        return F.adaptive_avg_pool2d(self.conv(torch.cumsum(x, 1)) * self.scale + y, size)


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.side = nn.Conv2d(3, 8, 1)
        self.mix = Mix(8, scale=0.5)
        self.head = nn.Linear(8 * 4 * 4, 5)

    def forward(self, x):
        half = (x.shape[2] // 2, x.shape[3] // 2)  # a size the model computes: a constant here
        return self.head(self.mix(self.stem(x), self.side(x), size=half).flatten(1))


class SizeBranch(nn.Module):
    """Pools only inputs wider than 16: a Python branch on a size."""

    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        if x.shape[-1] > 16:
            x = self.pool(x)
        return self.conv(x).flatten(1)


class ValueBranch(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        x = self.conv(x)
        return x * 2 if x.sum() > 0 else x


class BatchBranch(SizeBranch):
    def forward(self, x):
        return self.conv(x if x.shape[0] > 2 else self.pool(x))


class Attention(nn.Module):
    """timm's Attention: q, k, v from one permute that moves the batch to axis 1."""

    def __init__(self, dim: int = 8, heads: int = 2):
        super().__init__()
        self.heads, self.qkv, self.proj = heads, nn.Linear(dim, dim * 3), nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        x = F.scaled_dot_product_attention(q, k, v)
        return self.proj(x.transpose(1, 2).reshape(B, N, C)), qkv[2]


class Tokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(6, 8)
        self.attn = Attention()

    def forward(self, x):
        y, v = self.attn(self.embed(x))
        n = v.shape[2] // 2
        y = torch.stack([y[:, :n], y[:, n:]], 0).mean(0)  # a stack averaged over its first axis
        return y + y.max(1, keepdim=True)[0]  # (values, indices): the values are an Amax


class Halve(nn.Module):
    """Returns (tensor, map size), as MViTv2's blocks do; cumsum keeps it whole."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x, size):
        y = self.conv(torch.cumsum(x, 1))
        return y, [size[0] // 2, size[1] // 2]


class TupleResult(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 1)
        self.halve = Halve(4)

    def forward(self, x):
        y, size = self.halve(self.stem(x), x.shape[-2:])
        return F.interpolate(y, size=(size[0] * 4, size[1] * 4))


def _exact(result, shape):
    graph = loads(dumps(result.graph))  # what a saved design holds
    compiled = compile_design(graph)
    result.copy_weights(compiled)
    x = torch.randn(2, *shape)
    with torch.no_grad():
        assert (compiled.eval()(x) - result.model.eval()(x)).abs().max().item() <= 1e-5
    assert analyze(graph).total_params == sum(p.numel() for p in result.model.parameters())
    return graph, compiled, x


def _exported(graph, compiled, x, tmp_path):
    path = tmp_path / "exported_design.py"
    path.write_text(python_source(graph))
    spec = importlib.util.spec_from_file_location("exported_design", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.build().eval()
    model.load_state_dict(compiled.state_dict())
    with torch.no_grad():
        assert torch.equal(model(x), compiled(x))
    return path.read_text()


def test_a_module_called_with_two_tensors_and_a_size_is_kept_whole(tmp_path):
    torch.manual_seed(0)
    with recording_constructors():
        model = TwoInputs()
    result = import_module(model, (3, 8, 8))
    node = result.graph.node("mix")
    assert node.type == "ModuleCall"
    assert [e.src for e in result.graph.in_edges("mix")] == ["stem", "side"]
    assert node.params["call"] == {"args": [{"__input__": 0}, {"__input__": 1}],
                                   "kwargs": {"size": {"__tuple__": [4, 4]}}, "inputs": [[8, 8, 8]]}
    assert node.params["kwargs"] == {"channels": 8, "scale": 0.5}
    graph, compiled, x = _exact(result, (3, 8, 8))
    assert analyze(graph).nodes["mix"].output_shape == (8, 4, 4)
    source = _exported(graph, compiled, x, tmp_path)
    assert "self.mix(stem, side, size=(4, 4))" in source


def test_a_module_call_checks_each_input_shape():
    with recording_constructors():
        result = import_module(TwoInputs(), (3, 8, 8))
    graph = result.graph
    graph.node("side").params["out_channels"] = 4
    problems = " ".join(str(i) for i in analyze(graph).errors)
    assert "imported for input 1 8×8×8 and received 4×8×8" in problems


@pytest.mark.parametrize("size, pooled", [(32, True), (8, False)])
def test_a_branch_on_sizes_follows_the_imported_input_size(size, pooled):
    torch.manual_seed(0)
    result = import_module(SizeBranch(), (3, size, size))
    assert ("pool" in result.graph.nodes) == pooled
    assert not any(n.type == "ModuleCall" for n in result.graph)
    assert any("branches on tensor sizes" in note and f"3×{size}×{size}" in note for note in result.notes)
    _exact(result, (3, size, size))


@pytest.mark.parametrize("model, why", [(ValueBranch(), "reads the values"), (BatchBranch(), "batch size")])
def test_a_branch_on_values_or_on_the_batch_is_still_refused(model, why):
    with pytest.raises(ModelImportError, match=why):
        import_module(model, (3, 8, 8))


def test_attention_permute_and_stacked_heads_import_without_opaque_nodes():
    torch.manual_seed(0)
    result = import_module(Tokens(), (6, 6))
    types = [n.type for n in result.graph]
    assert "ModuleCall" not in types and types.count("Select") >= 3 and "Amax" in types
    _exact(result, (6, 6))


def test_a_module_returning_a_tensor_and_sizes_is_kept_whole(tmp_path):
    torch.manual_seed(0)
    with recording_constructors():
        model = TupleResult()
    result = import_module(model, (3, 8, 8))
    node = result.graph.node("halve")
    assert node.type == "ModuleCall" and node.params["call"]["output"] == 0
    assert node.params["output_shape"] == [4, 4, 4]
    graph, compiled, x = _exact(result, (3, 8, 8))
    assert "self.halve(stem, (8, 8))[0]" in _exported(graph, compiled, x, tmp_path)


@pytest.mark.slow
def test_timm_mobilevit_imports_exactly():
    """Size branches decided, a block kept whole whose constructor takes a dataclass."""
    timm = pytest.importorskip("timm")
    torch.manual_seed(0)
    with recording_constructors():
        model = timm.create_model("mobilevit_xxs", pretrained=False)
    result = import_module(model, (3, 64, 64), "mobilevit_xxs")
    assert any(n.type == "ModuleCall" for n in result.graph)
    _exact(result, (3, 64, 64))
