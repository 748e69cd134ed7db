"""Pretrained torchvision weights come from the local torch hub cache, never the network: a
missing file is refused with the command that fetches it; a cached one loads exactly."""

from __future__ import annotations

import pytest
import torch
import torchvision

from designer.cli import main
from designer.compiler.import_sources import cached_weights_path
from designer.compiler.importer import ModelImportError, import_model
from designer.compiler.weights import read_state_dict


def test_missing_weights_name_the_command_that_fetches_them(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(ModelImportError, match="weights='DEFAULT'") as caught:
        import_model("torchvision:squeezenet1_1", (3, 64, 64), pretrained=True)
    assert "download.pytorch.org" in str(caught.value)


def test_cached_weights_load_and_are_saved_in_the_designs_naming(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    path, _ = cached_weights_path("squeezenet1_1")
    path.parent.mkdir(parents=True)
    torch.manual_seed(3)
    reference = torchvision.models.squeezenet1_1()
    torch.save(reference.state_dict(), path)  # stands in for the downloaded file
    out = tmp_path / "sq.json"
    assert main(["import", "torchvision:squeezenet1_1", "-o", str(out), "--input-shape", "3", "64",
                 "64", "--pretrained"]) == 0
    assert "pretrained weights loaded" in capsys.readouterr().out
    saved = read_state_dict(out.with_suffix(".pt"))
    assert torch.equal(saved["features_0.weight"], reference.state_dict()["features.0.weight"])
