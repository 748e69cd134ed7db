"""Import → analyse → compile gives back the torchvision model: the same parameter count, the
same shape at every layer and, with the weights copied across, the same outputs."""

from __future__ import annotations

import pytest
import torch
from torch.fx.passes.shape_prop import ShapeProp

from designer.analysis import analyze
from designer.compiler.fx_builder import compile_design
from designer.compiler.importer import import_model
from designer.core.layout import layered_layout
from designer.core.serialize import dumps, loads

SIZE = (3, 64, 64)

#: model -> (a group the hierarchy must yield, its kind)
MODELS = {
    "resnet18": ("layer1.0", "residual block"),
    "vgg16": ("features", "sequence"),
    "googlenet": ("inception3a", "Inception module"),
    "densenet121": ("features.denseblock1.denselayer1", "dense layer"),
    "mobilenet_v2": ("features.2", "inverted residual"),
    "mobilenet_v3_small": ("features.1", "inverted residual"),  # Hardswish, SE channel gates
    "squeezenet1_1": ("features.3", "Fire module"),
    "alexnet": ("classifier", "sequence"),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_round_trip(name):
    torch.manual_seed(0)
    result = import_model(f"torchvision:{name}", SIZE)
    graph = loads(dumps(result.graph))  # what File → Save writes is what is compiled
    original = result.model.eval()
    analysis = analyze(graph)
    assert analysis.valid, analysis.errors
    assert analysis.total_params == sum(p.numel() for p in original.parameters())

    compiled = compile_design(graph)
    result.copy_weights(compiled)
    compiled.eval()
    x = torch.randn(1, *SIZE)
    ShapeProp(compiled).propagate(x)
    with torch.no_grad():
        expected = original(x)
        got = compiled(x)
    assert (got - expected).abs().max().item() <= 1e-5

    names = compiled.design_names
    shapes = {n.name: tuple(n.meta["tensor_meta"].shape[1:]) for n in compiled.graph.nodes
              if "tensor_meta" in n.meta}
    for nid, traced in result.shapes.items():
        assert analysis.nodes[nid].output_shape == traced, nid
        if graph.node(nid).type != "Output":
            assert shapes[names[nid]] == traced, nid

    group_id, kind = MODELS[name]
    assert graph.groups[group_id].kind == kind
    layout = layered_layout(result.graph)  # the automatic layout, groups included
    assert all(result.graph.node(nid).position == pos for nid, pos in layout.items())


def test_ids_are_module_paths_and_groups_nest():
    result = import_model("torchvision:resnet18", SIZE)
    graph = result.graph
    assert graph.node("layer2.0.downsample.0").type == "Conv2d"
    assert graph.node("layer1.0.add").type == "Add"
    assert graph.node("flatten").type == "Flatten"
    assert result.sources["layer1.0.conv1"] == "layer1.0.conv1"
    block = graph.groups["layer2.0"]
    assert block.parent == "layer2" and "layer2.0.add" in block.nodes
    assert graph.groups["layer2.0.downsample"].parent == "layer2.0"
    assert graph.node("layer1.0.conv1").params == {"out_channels": 64, "padding": 1, "bias": False}


def test_functional_forms_and_reshape_flatten():
    """F.relu / relu_, view(x.size(0), -1), += and torch.cat(dim=1) map to catalog nodes."""
    from torch import nn
    from torch.nn import functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv2d(1, 4, 3, padding=1)
            self.b = nn.Conv2d(1, 4, 3, padding=1)
            self.fc = nn.Linear(8 * 4 * 4, 3)

        def forward(self, x):
            a = F.relu(self.a(x))
            b = self.b(x).relu_()
            a += b
            y = torch.cat([a, b], 1)
            y = F.max_pool2d(y, 2)
            y = F.dropout(y, 0.25, self.training)
            return F.log_softmax(self.fc(y.view(y.size(0), -1)), dim=1)

    from designer.compiler.importer import import_module

    net = Net()
    result = import_module(net, (1, 8, 8))
    types = sorted(n.type for n in result.graph)
    assert types == sorted(["Input", "Conv2d", "Conv2d", "ReLU", "ReLU", "Add", "Concat",
                            "MaxPool2d", "Dropout", "Flatten", "Linear", "LogSoftmax", "Output"])
    assert result.graph.node("dropout").params == {"p": 0.25}
    compiled = compile_design(result.graph)
    result.copy_weights(compiled)
    x = torch.randn(3, 1, 8, 8)
    with torch.no_grad():
        assert torch.allclose(compiled.eval()(x), net.eval()(x), atol=1e-6)
