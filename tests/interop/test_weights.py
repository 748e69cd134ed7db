"""State_dicts load into a design by name (.pt, .pth, safetensors, checkpoints, DDP prefixes);
a mismatch names the first differing tensor with the expected and the received shape."""

from __future__ import annotations

import pytest
import torch
import torchvision

from designer.cli import load_design, main
from designer.compiler.fx_builder import compile_design
from designer.compiler.importer import import_model
from designer.compiler.weights import (WeightsError, design_weights, load_weights, match_state_dict,
                                       read_state_dict, save_state_dict)


@pytest.fixture(scope="module")
def squeezenet():
    return import_model("torchvision:squeezenet1_1", (3, 64, 64))


def test_original_state_dict_loads_by_module_path(squeezenet, tmp_path):
    other = torchvision.models.squeezenet1_1()  # different random weights, same structure
    path = tmp_path / "squeeze.pth"
    torch.save(other.state_dict(), path)
    compiled = compile_design(squeezenet.graph)
    load_weights(compiled, read_state_dict(path))
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(compiled.eval()(x), other.eval()(x), atol=1e-5)


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_design_weights_round_trip(tmp_path, suffix):
    graph = load_design("lenet5")
    first = design_weights(graph, seed=1)
    path = tmp_path / f"w{suffix}"
    save_state_dict(first.state_dict(), path)
    again = design_weights(graph, path)
    for (k, a), (k2, b) in zip(first.state_dict().items(), again.state_dict().items()):
        assert k == k2 and torch.equal(a, b)
    assert not torch.equal(design_weights(graph, seed=2).conv1.weight, first.conv1.weight)


def test_checkpoint_wrappers_and_ddp_prefix(tmp_path):
    graph = load_design("lenet5")
    state = design_weights(graph, seed=3).state_dict()
    path = tmp_path / "ckpt.pt"
    torch.save({"epoch": 4, "model": {f"module.{k}": v for k, v in state.items()}}, path)
    loaded = design_weights(graph, path)
    assert torch.equal(loaded.fc3.bias, state["fc3.bias"])


def test_mismatch_names_first_differing_tensor(squeezenet):
    compiled = compile_design(squeezenet.graph)
    state = torchvision.models.squeezenet1_1(num_classes=7).state_dict()
    with pytest.raises(WeightsError) as caught:
        match_state_dict(compiled, state)
    err = caught.value
    assert err.name == "classifier.1.weight"
    assert err.expected == (1000, 512, 1, 1) and err.got == (7, 512, 1, 1)
    assert "classifier.1.weight: expected shape [1000, 512, 1, 1], got [7, 512, 1, 1]" in str(err)
    del state["features.0.bias"]
    with pytest.raises(WeightsError, match=r"features.0.bias is missing \(expected shape \[64\]\)"):
        match_state_dict(compiled, state)


def test_unreadable_files(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_text("not a checkpoint")
    with pytest.raises(WeightsError, match="torch.load can read"):
        read_state_dict(bad)
    torch.save({"lr": torch.tensor(1.0), "names": ["a"]}, tmp_path / "odd.pt")
    with pytest.raises(WeightsError, match="not a state_dict"):
        read_state_dict(tmp_path / "odd.pt")
    with pytest.raises(WeightsError, match="there is no weights file"):
        read_state_dict(tmp_path / "missing.pt")


def test_cli_import_with_weights(tmp_path, capsys):
    pth = tmp_path / "resnet18.pth"
    torch.save(torchvision.models.resnet18().state_dict(), pth)
    out = tmp_path / "r18.json"
    assert main(["import", "torchvision:resnet18", "-o", str(out), "--input-shape", "3", "32", "32",
                 "--weights", str(pth)]) == 0
    saved = read_state_dict(out.with_suffix(".pt"))
    assert "layer1_0_conv1.weight" in saved
    assert main(["import", "torchvision:resnet34", "-o", str(tmp_path / "r34.json"),
                 "--input-shape", "3", "32", "32", "--weights", str(pth)]) == 1
    assert "layer1.2.conv1.weight is missing" in capsys.readouterr().err
