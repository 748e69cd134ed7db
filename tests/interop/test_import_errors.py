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
    assert "torch.nn.Mish 'block.act'" in text
    assert any(op.what == "Tensor.mean()" and "'block' (Block)" in op.where for op in ops)
    assert any(op.what == "torch.nn.Conv2d 'shared'" and "2 times" in op.why for op in ops)
    assert any(op.what == "torch.sin" for op in ops)
    assert any("indexing" in op.what or "getitem" in op.what for op in ops)
    assert "test_import_errors.py" in text  # the source line of the functional calls
    assert isinstance(caught.value, ModelImportError)


def test_broadcasting_and_constants_are_refused():
    class Gate(nn.Module):
        def forward(self, x):
            return x + F.adaptive_avg_pool2d(x, 1) * 1.0

    with pytest.raises(UnsupportedModelError) as caught:
        import_module(Gate(), (2, 4, 4))
    reasons = " ".join(op.why for op in caught.value.ops)
    assert "broadcasts shapes 2×4×4 and 2×1×1" in reasons


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
    assert main(["import", "torchvision:shufflenet_v2_x0_5", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "torch.transpose ×16" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["import", "torchvision:squeezenet1_1", "-o", str(out),
                 "--input-shape", "3", "64", "64"]) == 0
    assert "Fire module" in out.read_text() and "wrote" in capsys.readouterr().out
