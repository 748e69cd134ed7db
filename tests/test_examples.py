"""Every example design loads, analyses cleanly and compiles to a model whose real shapes,
parameters and MACs equal the analysis; the committed files equal what the builders make;
the torchvision mirrors are torchvision's models, module for module."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch.fx.passes.shape_prop import ShapeProp
from torch.utils.flop_counter import FlopCounterMode

from designer.analysis import analyze
from designer.architectures import ARCHITECTURES, TORCHVISION_MIRRORS
from designer.compiler.fx_builder import compile_design
from designer.compiler.weights import match_state_dict
from designer.core.serialize import dumps, load
from designer.zoo import examples_dir

EXAMPLES = sorted(path.stem for path in examples_dir().glob("*.json"))

#: stem -> (parameters, MACs or None): the published figures (MACs = FlopCounterMode FLOPs / 2).
EXPECTED = {
    "lenet5": (61_706, 416_520),
    "alexnet": (61_100_840, 714_188_480),
    "vgg16": (138_357_544, 15_470_264_320),
    "vgg19": (143_667_240, 19_632_062_464),
    "resnet18": (11_689_512, 1_814_073_344),
    "resnet50": (25_557_032, 4_089_184_256),
    "googlenet": (6_624_904, 1_498_376_192),
    "densenet121": (7_978_856, 2_834_161_664),
    "squeezenet1_1": (1_235_496, 349_151_936),
    "mobilenet_v2": (3_504_872, 300_774_272),
    "tiny_vgg": (19_920, None),
}
#: The largest box the canvas draws for a node (width, height), for the overlap checks.
NODE_BOX = (180.0, 58.0)


def _load(stem: str):
    graph = load(examples_dir() / f"{stem}.json")
    return graph, analyze(graph)


def _meta_model(graph, analysis):
    with torch.device("meta"):
        return compile_design(graph, analysis).eval()


def test_every_builder_has_its_example_file_and_back():
    assert sorted(ARCHITECTURES) == EXAMPLES


@pytest.mark.parametrize("stem", EXAMPLES)
def test_committed_file_is_what_the_builder_makes(stem):
    text = (examples_dir() / f"{stem}.json").read_text(encoding="utf-8")
    assert text == dumps(ARCHITECTURES[stem]()), "run: python -m designer.architectures"


@pytest.mark.parametrize("stem", EXAMPLES)
def test_example_analyses_without_errors(stem):
    graph, analysis = _load(stem)
    assert analysis.valid, [str(i) for i in analysis.errors]
    assert len(graph.description) > 100, "say where the design comes from"
    assert all(info.ok for info in analysis.nodes.values())
    assert analysis.live == set(graph.nodes)
    assert len(analysis.output_shape) == 1
    if stem in EXPECTED:
        params, macs = EXPECTED[stem]
        assert analysis.total_params == params
        if macs is not None:
            assert analysis.total_macs == macs


@pytest.mark.parametrize("stem", EXAMPLES)
def test_compiled_shapes_and_parameters_equal_the_analysis(stem):
    graph, analysis = _load(stem)
    model = _meta_model(graph, analysis)
    ShapeProp(model).propagate(torch.empty((2, *analysis.input_shape), device="meta"))
    fx_nodes = {node.name: node for node in model.graph.nodes}
    for node_id, name in model.design_names.items():
        info = analysis.nodes[node_id]
        if info.type == "Output":
            continue
        assert tuple(fx_nodes[name].meta["tensor_meta"].shape) == (2, *info.output_shape), node_id
        if info.type not in ("Input", "Add", "Multiply", "Concat"):
            real = sum(p.numel() for p in model.get_submodule(name).parameters())
            assert real == info.params, node_id
    assert sum(p.numel() for p in model.parameters()) == analysis.total_params


@pytest.mark.parametrize("stem", EXAMPLES)
def test_macs_equal_torch_flop_counter(stem):
    graph, analysis = _load(stem)
    model = _meta_model(graph, analysis)
    with FlopCounterMode(display=False) as counter:
        model(torch.empty((1, *analysis.input_shape), device="meta"))
    assert counter.get_total_flops() == 2 * analysis.total_macs
    per_module = counter.get_flop_counts()  # keyed "<ClassName>.<attribute>"
    root = type(model).__name__
    for node_id, name in model.design_names.items():
        flops = sum(per_module.get(f"{root}.{name}", {}).values())
        assert flops == 2 * analysis.nodes[node_id].macs, node_id


def _weighted_modules(model: torch.nn.Module) -> list[torch.nn.Module]:
    """Modules holding parameters or buffers, in registration order."""
    return [
        m for m in model.modules()
        if list(m.parameters(recurse=False)) or list(m.buffers(recurse=False))
    ]


def _torchvision(stem: str, device: str = "meta") -> torch.nn.Module:
    name, kwargs = TORCHVISION_MIRRORS[stem]
    with torch.device(device):
        return getattr(torchvision.models, name)(weights=None, **kwargs).eval()


@pytest.mark.parametrize("stem", sorted(TORCHVISION_MIRRORS))
def test_mirror_has_torchvisions_modules_in_torchvisions_order(stem):
    graph, analysis = _load(stem)
    ours = _weighted_modules(_meta_model(graph, analysis))
    theirs = _weighted_modules(_torchvision(stem))
    describe = lambda m: (type(m).__name__, m.extra_repr())  # noqa: E731
    assert [describe(m) for m in ours] == [describe(m) for m in theirs]
    assert analysis.total_params == sum(p.numel() for p in _torchvision(stem).parameters())


def _fill(model: torch.nn.Module) -> None:
    """Random weights and BN statistics, cheaper than torchvision's initialisers."""
    with torch.no_grad():
        for module in _weighted_modules(model):
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                for tensor in (module.weight, module.running_var):
                    tensor.uniform_(0.5, 1.5)
                for tensor in (module.bias, module.running_mean):
                    tensor.uniform_(-0.1, 0.1)
            else:
                bound = (6.0 / module.weight[0].numel()) ** 0.5  # He uniform
                module.weight.uniform_(-bound, bound)
                if module.bias is not None:
                    module.bias.uniform_(-0.1, 0.1)


@pytest.mark.parametrize("stem", sorted(TORCHVISION_MIRRORS))
def test_mirror_computes_what_torchvision_computes_with_its_weights(stem):
    """Weights copied module for module give the same outputs (concat order, pooling modes,
    where activations and dropout sit), on a small input: the models accept any size."""
    torch.manual_seed(0)
    theirs = _torchvision(stem).to_empty(device="cpu")
    _fill(theirs)
    graph, analysis = _load(stem)
    ours = _meta_model(graph, analysis)
    for mine, source in zip(_weighted_modules(ours), _weighted_modules(theirs), strict=True):
        mine.load_state_dict(source.state_dict(), assign=True)  # share, do not copy
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("stem", ["resnet18", "resnet50", "googlenet", "densenet121"])
def test_torchvision_state_dict_loads_by_name(stem):
    """Where torchvision's module names are readable, the ids are exactly those names."""
    graph, analysis = _load(stem)
    model = _meta_model(graph, analysis)
    matched = match_state_dict(model, _torchvision(stem).state_dict())
    assert list(matched) == list(model.state_dict())


def test_readme_table_lists_every_example_with_its_figures():
    text = (examples_dir() / "README.md").read_text(encoding="utf-8")
    for stem in EXAMPLES:
        _, analysis = _load(stem)
        row = next(line for line in text.splitlines() if line.startswith(f"| `{stem}` |"))
        assert f"| {analysis.total_params:,} | {analysis.total_macs:,} |" in row, stem


def _chain(graph, node_id: str) -> list[str]:
    """The groups holding ``node_id``, innermost first."""
    owner = {n: g.id for g in graph.groups.values() for n in g.nodes}
    chain, gid = [], owner.get(node_id)
    while gid is not None:
        chain.append(gid)
        gid = graph.groups[gid].parent
    return chain


def _boxes(graph, inside: str | None = None) -> dict[str, tuple[float, float]]:
    """Centres of what is drawn when ``inside`` (or the whole design) is open and every
    other group keeps its state: a node, or a collapsed group over its members' first row."""
    members: dict[str, list[tuple[float, float]]] = {}
    for node in graph.nodes.values():
        chain = _chain(graph, node.id)
        if inside is not None and inside not in chain:
            continue
        shown = node.id
        for gid in chain[: chain.index(inside) if inside else None]:
            if graph.groups[gid].collapsed:
                shown = gid
        members.setdefault(shown, []).append(node.position)
    return {
        item: ((min(x for x, _ in pts) + max(x for x, _ in pts)) / 2, min(y for _, y in pts))
        for item, pts in members.items()
    }


@pytest.mark.parametrize("stem", EXAMPLES)
def test_layout_never_overlaps_boxes_in_any_opened_group(stem):
    graph, _ = _load(stem)
    for inside in [None, *graph.groups]:
        boxes = list(_boxes(graph, inside).items())
        for i, (a, (xa, ya)) in enumerate(boxes):
            for b, (xb, yb) in boxes[i + 1:]:
                apart = abs(xa - xb) >= NODE_BOX[0] or abs(ya - yb) >= NODE_BOX[1]
                assert apart, f"{a} and {b} overlap (inside {inside})"


def test_inception_branches_run_side_by_side_in_straight_columns():
    graph, _ = _load("googlenet")
    columns = []
    for branch in ("branch1", "branch2", "branch3", "branch4"):
        prefix = f"inception4a.{branch}."
        xs = {n.position[0] for n in graph.nodes.values() if n.id.startswith(prefix)}
        assert len(xs) == 1, branch
        columns.append(xs.pop())
    assert all(b - a >= NODE_BOX[0] for a, b in zip(columns, columns[1:]))
    heads = ["inception4a.branch1.conv", "inception4a.branch2.0.conv", "inception4a.branch3.0.conv",
             "inception4a.branch4.0"]
    assert len({graph.nodes[h].position[1] for h in heads}) == 1


@pytest.mark.parametrize("stem", ["resnet50", "densenet121", "googlenet", "mobilenet_v2"])
def test_large_models_read_as_about_a_dozen_blocks(stem):
    graph, _ = _load(stem)
    grouped = {nid for g in graph.groups.values() for nid in g.nodes}
    top_groups = [g for g in graph.groups.values() if g.parent is None]
    loose = [nid for nid in graph.nodes if nid not in grouped]
    assert 4 <= len(top_groups) + len(loose) <= 16
    assert all(g.kind for g in graph.groups.values())
