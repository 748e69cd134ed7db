"""Transfer learning: frozen nodes keep their weights bit for bit, the optimiser holds only
trainable parameters, learning-rate multipliers reach its groups and survive the schedule,
frozen BatchNorm keeps its statistics, and the command line's --freeze-until does the same."""

from __future__ import annotations

import pytest
import torch

from designer.core.builder import DesignBuilder
from designer.training import train
from designer.training.config import DataConfig, TrainingConfig
from designer.training.optim import set_lr
from designer.training.session import setup


def _net():
    b = DesignBuilder("transfer")
    x = b.input([2])
    x = b.linear(x, 16, id="fc1")
    x = b.add("BatchNorm1d", x, id="bn")
    x = b.relu(x, id="relu1")
    x = b.linear(x, 2, id="head")
    b.output(x)
    return b.build()


def _config(**changes):
    base = TrainingConfig(DataConfig("gaussians", {"samples": 200}), epochs=2, batch_size=32, lr=0.05,
                          optimizer="sgd", device="cpu")
    return base.updated(**changes)


def test_frozen_nodes_keep_their_weights_while_the_head_trains(tmp_path):
    graph = _net()
    config = _config(freeze=("fc1", "bn"))
    session = setup(graph, config)
    before = {k: v.clone() for k, v in session.model.state_dict().items()}
    held = {id(p) for group in session.optimizer.param_groups for p in group["params"]}
    assert held == {id(p) for p in session.model.head.parameters()}
    assert any("2 node(s)" in n.text and "frozen" in n.text for n in session.notes)
    list(train(graph, config, checkpoint_dir=tmp_path, report_interval_s=0))
    after = torch.load(tmp_path / "last.pt", weights_only=False)["model"]
    for key in ("fc1.weight", "fc1.bias", "bn.weight", "bn.running_mean", "bn.running_var"):
        assert torch.equal(before[key], after[key]), key
    assert not torch.equal(before["head.weight"], after["head.weight"])


def test_lr_multipliers_reach_the_param_groups_and_the_schedule():
    session = setup(_net(), _config(lr_multipliers={"fc1": 0.1}))
    rates = sorted(group["lr"] for group in session.optimizer.param_groups)
    assert rates == [0.05 * 0.1, 0.05]
    set_lr(session.optimizer, 0.2)
    assert sorted(group["lr"] for group in session.optimizer.param_groups) == [0.2 * 0.1, 0.2]


def test_freezing_is_saved_with_the_design():
    config = _config(freeze=("fc1",), lr_multipliers={"head": 2.0})
    again = TrainingConfig.from_dict(config.to_dict())
    assert again.freeze == ("fc1",) and again.lr_multipliers == {"head": 2.0}


def test_cli_freeze_until(tmp_path, capsys):
    from designer.cli import main
    from designer.core.serialize import save

    path = tmp_path / "net.json"
    save(_net(), path)
    code = main(["train", str(path), "--dataset", "gaussians", "--epochs", "1", "--device", "cpu",
                 "--freeze-until", "relu1", "--quiet"])
    assert code == 0
    code = main(["train", str(path), "--dataset", "gaussians", "--epochs", "1", "--freeze-until", "nope"])
    assert code != 0 and "no such node" in capsys.readouterr().err


def _image_folder(root, classes=("cat", "dog", "fox"), per_class=6, size=20):
    from PIL import Image
    import numpy as np

    rng = np.random.default_rng(0)
    for i, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for j in range(per_class):
            pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
            pixels[..., i] = 255  # each class leans to one colour
            Image.fromarray(pixels).save(root / name / f"{j}.png")


@pytest.mark.slow
def test_fine_tune_an_imported_resnet18_from_the_cli(tmp_path, capsys):
    """Import → "pretrained" weights from a file → adapt the head to 3 classes → freeze the
    backbone → train: the backbone's weights are the file's, bit for bit."""
    import torchvision

    from designer.cli import main
    from designer.compiler.weights import read_state_dict

    torch.manual_seed(0)
    pretrained = tmp_path / "resnet18_pretrained.pt"
    torch.save(torchvision.models.resnet18().state_dict(), pretrained)  # stands in for real weights
    design = tmp_path / "r18.json"
    assert main(["import", "torchvision:resnet18", "-o", str(design), "--input-shape", "3", "32", "32"]) == 0
    data = tmp_path / "pets"
    _image_folder(data)
    out = tmp_path / "run"
    code = main(["train", str(design), "--dataset", "imagefolder", "--data-path", str(data), "--adapt",
                 "--weights", str(pretrained), "--freeze-until", "avgpool", "--epochs", "1",
                 "--batch-size", "8", "--device", "cpu", "--checkpoint-dir", str(out)])
    text = capsys.readouterr()
    assert code == 0, text.err
    assert "started from the weights" in text.out + text.err and "fc" in text.out + text.err
    trained = torch.load(out / "last.pt", weights_only=False)["model"]
    original = read_state_dict(pretrained)
    assert torch.equal(trained["layer4_1_conv2.weight"], original["layer4.1.conv2.weight"])
    assert torch.equal(trained["bn1.running_mean"], original["bn1.running_mean"])  # frozen BN kept
    assert trained["fc.weight"].shape == (3, 512)
