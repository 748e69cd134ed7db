"""Fine-tuning in the window, end to end: open a ResNet-18, start from "pretrained" weights
(random ones the test saves to a file), freeze the backbone with "Freeze up to here",
replace the head for a small generated image folder (its classes read from the dataset),
choose the file with Run → Fine-tune from Pretrained Weights… (it starts nothing) and
train one epoch with the Training panel's Train. The frozen
weights come out bit-identical to the file's; the new head trained."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from designer.core.serialize import load, save
from designer.gui.canvas.freeze_menu import freeze_entries
from designer.gui.training_panel.start_weights import start_text
from designer.gui.transfer_actions import ReplaceHeadDialog
from designer.zoo import find

RUN_S = 180_000  # a generous ceiling on a busy 2-core machine (ms)


def _image_folder(root, classes=("cat", "dog", "fox"), per_class=4, size=16):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for i, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for j in range(per_class):
            pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
            pixels[..., i] = 255
            Image.fromarray(pixels).save(root / name / f"{j}.png")


def _compiled(graph, seed=0):
    from designer.analysis import analyze
    from designer.compiler import compile_design

    torch.manual_seed(seed)
    return compile_design(graph, analyze(graph))


@pytest.mark.slow
def test_fine_tune_a_resnet18_in_the_window(lenet_window, qtbot, tmp_path, monkeypatch):
    window, doc = lenet_window, lenet_window.document
    session = window.training.session
    graph = load(find("resnet18"))
    graph.nodes["input"].params["shape"] = [3, 32, 32]  # tiny images: a quick epoch
    design = tmp_path / "r18.json"
    save(graph, design)
    model = _compiled(graph, seed=7)  # another seed than the run's: not a fresh start
    for module in model.modules():  # BatchNorm statistics of some "pretraining" data
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None
    with torch.no_grad():
        model.train()(torch.randn(16, 3, 32, 32))
    pretrained = {k: v.clone() for k, v in model.state_dict().items()}
    weights = tmp_path / "pretrained.pt"
    torch.save(pretrained, weights)
    data = tmp_path / "pets"
    _image_folder(data)

    assert window.open_file(design)
    from designer.training.config import DataConfig

    assert session.update_config(None, data=DataConfig("imagefolder", {"path": str(data)}), epochs=1,
                                 batch_size=6, device="cpu", optimizer="sgd", lr=0.05)
    # Freeze the backbone from the canvas's context menu
    view = window.view
    box = view.graph_scene.box("layer4")  # the last block of the backbone (collapsed)
    entries = dict((t, s) for t, s in freeze_entries(view, box) if t)
    entries["Freeze up to here"]()
    frozen = doc.graph.training["freeze"]
    assert "layer4.1.conv2" in frozen and "fc" not in frozen
    # Replace the head: its classes come from the dataset checked in the background
    session.activate()
    qtbot.waitUntil(lambda: session.fit is not None and session.fit.info is not None, timeout=RUN_S)
    head_entries = dict((t, s) for t, s in freeze_entries(view, view.graph_scene.box("head")) if t)
    head_entries["Replace the head…"]()
    dialog = window.findChild(ReplaceHeadDialog)
    assert "3 classes" in dialog.from_data.text()
    qtbot.mouseClick(dialog.from_data, Qt.MouseButton.LeftButton)
    doc.refresh_now()
    assert doc.analysis.output_shape == (3,)
    assert doc.undo_stack.undoText().startswith("Replace the head (fc → 3 classes)")
    # Train one epoch from the pretrained file (Run → Fine-tune from Pretrained Weights…)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(weights), "")))
    panel = window.training.panel
    assert not panel.start_weights.warning.isHidden()  # frozen, and nothing loaded into them yet
    window.transfer_actions["pretrained"].trigger()
    assert session.current is None  # choosing the file starts nothing: Train does
    assert session.config.weights == str(weights.resolve())
    doc.refresh_now()  # the panel follows the design's settings once they are analysed
    assert "pretrained.pt" in panel.start_weights.value.text()
    assert panel.start_weights.warning.isHidden()
    panel.train_button.click()
    run = session.current
    assert run is not None and "(from pretrained.pt)" in run.name
    qtbot.waitUntil(lambda: run.status in ("completed", "failed", "stopped"), timeout=RUN_S)
    assert run.status == "completed", run.message
    assert start_text(run).startswith(f"Started from the weights in {weights.resolve()}")
    assert "tensors loaded" in panel.start_weights.value.text()
    tip = window.training.curves._items()[run.number].toolTip()
    assert f"Started from the weights in {weights.resolve()}" in tip  # the run list says it too
    trained = torch.load(run.checkpoint("last"), weights_only=False)["model"]
    names = model.design_names
    for node in ("conv1", "layer1.0.conv1", "layer4.1.conv2", "layer4.1.bn2"):
        for key in [k for k in pretrained if k.startswith(f"{names[node]}.")]:
            assert torch.equal(trained[key], pretrained[key]), key  # bit for bit, BN stats too
    head = names["fc"]
    fresh = _compiled(doc.graph, seed=session.config.seed).state_dict()[f"{head}.weight"]
    assert trained[f"{head}.weight"].shape == (3, 512)
    assert not torch.equal(trained[f"{head}.weight"], fresh)  # the head trained
