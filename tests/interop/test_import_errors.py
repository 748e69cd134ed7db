"""What cannot be represented is refused by name: every unsupported operation is listed with
where it happens, and nothing is dropped or approximated."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from designer.cli import main
from designer.compiler.importer import (ModelImportError, UnsupportedModelError, import_model,
                                        import_module)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.act = nn.Mish()

    def forward(self, x):
        y = self.act(self.conv(x))
        return y + torch.sigmoid(y.mean((2, 3), keepdim=True))  # a broadcasting Add


class Mixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.block = Block()
        self.shared = nn.Conv2d(4, 4, 1)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        x = self.shared(self.shared(self.block(self.stem(x))))
        x = torch.sin(x) + 1.0
        return self.head(x[:, :, 0, 0])


def test_every_unsupported_operation_is_named():
    with pytest.raises(UnsupportedModelError) as caught:
        import_module(Mixed(), (3, 8, 8))
    ops = caught.value.ops
    text = str(caught.value)
    # The block's Mish has no catalog layer: the block is kept whole (a Module call), so only
    # the model's own forward() is refused: the shared layer.
    assert "Mish" not in text
    assert any(op.what == "torch.nn.Conv2d 'shared'" and "2 times" in op.why for op in ops)
    assert isinstance(caught.value, ModelImportError)


class RootOps(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        x = self.stem(x)
        return torch.sin(x) + torch.cos(x) + torch.sin(x.relu())


def test_refusals_name_the_models_own_line_and_group_causes():
    with pytest.raises(UnsupportedModelError) as caught:
        import_module(RootOps(), (3, 8, 8))
    text = str(caught.value)
    lines = text.splitlines()
    assert "torch.sin ×2" in text and "torch.cos" in text
    assert "test_import_errors.py:" in text and "torch/overrides.py" not in text
    assert len(lines) == 3 and max(map(len, lines)) <= 240  # one line per distinct cause


class LayerScaleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 96, 1)
        self.gamma = nn.Parameter(torch.ones(96, 1, 1))

    def forward(self, x):
        return torch.sin(self.gamma) * self.conv(x)


def test_a_parameter_is_shown_with_its_real_shape():
    with pytest.raises(UnsupportedModelError) as caught:
        import_module(LayerScaleNet(), (3, 4, 4))
    assert "96×1×1" in str(caught.value)


class WithDefaults(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x, attn_mask=None, is_causal=False):
        return self.fc(x) if attn_mask is None and not is_causal else x


def test_defaulted_forward_arguments_keep_their_defaults():
    result = import_module(WithDefaults(), (4,))
    assert [n.type for n in result.graph] == ["Input", "Linear", "Output"]


def test_tensor_constants_are_refused_and_number_constants_kept():
    class Gate(nn.Module):
        def forward(self, x):
            return (x + F.adaptive_avg_pool2d(x, 1)) / 2 * torch.ones(1)

    with pytest.raises(UnsupportedModelError) as caught:
        import_module(Gate(), (2, 4, 4))
    assert "tensor constant" in str(caught.value) and "truediv" not in str(caught.value)


def test_in_place_on_a_reused_tensor_is_refused():
    class InPlace(nn.Module):
        def forward(self, x):
            y = x.relu_()  # x is used again below: a design cannot express the aliasing
            return torch.cat([x, y], 1)

    with pytest.raises(UnsupportedModelError, match="in place"):
        import_module(InPlace(), (2, 4, 4))


def test_untraceable_and_badly_shaped_models_say_why():
    class Branchy(nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    with pytest.raises(ModelImportError, match="cannot trace"):
        import_module(Branchy(), (2, 4, 4))
    with pytest.raises(ModelImportError, match="does not run on input"):
        import_module(nn.Sequential(nn.Flatten(), nn.Linear(10, 2)), (3, 4, 4))
    with pytest.raises(ModelImportError, match="takes 2 inputs"):
        import_module(_TwoInputs(), (2,))


class _TwoInputs(nn.Module):
    def forward(self, a, b):
        return a + b


def test_sources(tmp_path):
    with pytest.raises(ModelImportError, match="no classification model 'resnet9'"):
        import_model("torchvision:resnet9")
    with pytest.raises(ModelImportError, match="cannot tell where"):
        import_model("resnet18")
    script = tmp_path / "mynet.py"
    script.write_text("from torch import nn\n"
                      "def build():\n"
                      "    return nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.ReLU())\n")
    result = import_model(f"{script}:build", (3, 2, 2))
    assert [n.type for n in result.graph] == ["Input", "Flatten", "Linear", "ReLU", "Output"]
    assert result.graph.node("1").params == {"out_features": 5}


def test_cli_import_reports_without_traceback(tmp_path, capsys):
    out = tmp_path / "m.json"
    script = tmp_path / "rootops.py"
    script.write_text("import torch\nfrom torch import nn\n"
                      "class Net(nn.Module):\n"
                      "    def forward(self, x):\n"
                      "        return torch.sin(x) + torch.sin(x.relu())\n")
    assert main(["import", f"{script}:Net", "-o", str(out), "--input-shape", "4"]) == 1
    err = capsys.readouterr().err
    assert "torch.sin ×2" in err and "rootops.py:5" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["import", "torchvision:squeezenet1_1", "-o", str(out),
                 "--input-shape", "3", "64", "64"]) == 0
    assert "Fire module" in out.read_text() and "wrote" in capsys.readouterr().out


def test_module_callable_is_found_in_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "zoo_mymod.py").write_text("from torch import nn\n"
                                           "def build():\n"
                                           "    return nn.Sequential(nn.Flatten(), nn.Linear(12, 5))\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.path", [p for p in __import__("sys").path if p not in ("", str(tmp_path))])
    result = import_model("zoo_mymod:build", (3, 2, 2))
    assert [n.type for n in result.graph] == ["Input", "Flatten", "Linear", "Output"]
