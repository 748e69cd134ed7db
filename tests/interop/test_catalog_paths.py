"""Every catalog type has a compile, export and import path, driven by its LayerSpec alone.

For each registered spec a minimal design (Input → the layer → Output) is analysed, compiled
and run, exported to Python and executed (same outputs with the same weights), and the
compiled module is imported back: the importer must give the same type with the same
parameters. A type without one of these paths fails here, saying which (a merge missing from
the builder cannot compile to something else). A throwaway type registered by a fixture shows
that adding a type is one LayerSpec and one register() call, touching no other file.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from designer.analysis import analyze
from designer.compiler.export import python_source
from designer.compiler.fx_builder import compile_design
from designer.compiler.import_calls import FUNCTIONS, METHODS
from designer.compiler.import_catalog import catalog_calls
from designer.compiler.import_ops import module_table
from designer.compiler.importer import import_module
from designer.compiler.targets import call_target, module_class
from designer.core.builder import DesignBuilder
from designer.layers import LayerSpec, Param, all_specs, get, register, unregister
from designer.layers._util import one_input

#: Types not imported back, and why (each is still compiled and exported here).
NOT_IMPORTED = {
    "Input": "every design has one: each case imports its Input",
    "Output": "every design has one: each case imports its Output",
    "ModuleCall": "opaque by design: it keeps a module the importer could not see through, and "
                  "imports as that module's own type (tests/interop/test_import_zoo.py)",
}

#: Input shape and non-default parameters per type, so that the importer's readers are held
#: to every parameter; a type not listed is tried with its defaults on common shapes.
EXAMPLES: dict[str, tuple[tuple[int, ...], dict]] = {
    "Conv2d": ((3, 8, 8), {"out_channels": 6, "kernel_size": [3, 5], "stride": 2, "padding": 1,
                           "groups": "depthwise", "bias": False, "padding_mode": "reflect"}),
    "MaxPool2d": ((3, 8, 8), {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1, "ceil_mode": True}),
    "AvgPool2d": ((3, 8, 8), {"kernel_size": 2, "stride": 1, "count_include_pad": False}),
    "AdaptiveAvgPool2d": ((3, 8, 8), {"output_size": [2, 3]}),
    "AdaptiveMaxPool2d": ((3, 8, 8), {"output_size": 2}),
    "Linear": ((8,), {"out_features": 5, "bias": False}),
    "Flatten": ((3, 8, 8), {"start_dim": 2}),
    "LeakyReLU": ((3, 8, 8), {"negative_slope": 0.2}),
    "PReLU": ((3, 8, 8), {"per_channel": True, "init": 0.1}),
    "ELU": ((3, 8, 8), {"alpha": 0.5}),
    "GELU": ((3, 8, 8), {"approximate": "tanh"}),
    "Softplus": ((3, 8, 8), {"beta": 2.0, "threshold": 10.0}),
    "Softmax": ((3, 8, 8), {"dim": 2}),
    "LogSoftmax": ((3, 8, 8), {"dim": -1}),
    "BatchNorm1d": ((8,), {"eps": 1e-3, "momentum": 0.2, "affine": False}),
    "BatchNorm2d": ((3, 8, 8), {"eps": 1e-4, "momentum": 0.05}),
    "LocalResponseNorm": ((3, 8, 8), {"size": 3, "alpha": 1e-3, "beta": 0.5, "k": 2.0}),
    "Dropout": ((3, 8, 8), {"p": 0.3}),
    "Dropout2d": ((3, 8, 8), {"p": 0.2}),
    "Concat": ((3, 8, 8), {"dim": -1}),
    "InputFeatures": ((2,), {"x1_x2": True, "sin_x1": True, "frequency": 2.0}),
    "LayerNorm": ((4, 8), {"dims": 2, "eps": 1e-6, "bias": False}),
    "GroupNorm": ((4, 8, 8), {"num_groups": 2, "eps": 1e-3, "affine": False}),
    "StochasticDepth": ((3, 8, 8), {"p": 0.2, "mode": "batch"}),
    "LayerScale": ((3, 8, 8), {"shape": [3], "view": [3, 1, 1]}),
    "PositionEmbedding": ((4, 8), {"shape": [1, 4, 8]}),
    "ClassToken": ((4, 8), {"tokens": 2}),
    "MultiheadAttention": ((4, 8), {"num_heads": 2, "bias": False}),
    "ScaledDotProductAttention": ((2, 4, 8), {"is_causal": True, "scale": 0.5}),
    "Reshape": ((3, 8, 8), {"shape": [3, 16, 4]}),
    "Permute": ((3, 8, 8), {"dims": [0, 3, 1, 2]}),
    "Transpose": ((3, 8, 8), {"dim0": 1, "dim1": -1}),
    "Unsqueeze": ((3, 8, 8), {"dim": 2}),
    "Squeeze": ((3, 1, 8), {"dim": 2}),
    "Mean": ((3, 8, 8), {"dims": [-1], "keepdim": True}),
    "Amax": ((3, 8, 8), {"dims": [1, 2]}),
    "Slice": ((3, 8, 8), {"dim": 2, "start": 1, "end": 7, "step": 2}),
    "Select": ((3, 8, 8), {"dim": 1, "index": 2}),
    "Pad": ((3, 8, 8), {"pad": [1, 2], "value": 0.5}),
    "Interpolate": ((3, 8, 8), {"size": [5, 6], "scale_factor": 0.0, "mode": "bilinear", "align_corners": True}),
    "ScalarOp": ((3, 8, 8), {"op": "rsub", "value": 2.0}),
    "ModuleCall": ((4,), {"module": "torch.nn.Linear", "kwargs": {"in_features": 4, "out_features": 3},
                          "input_shape": [4], "output_shape": [3], "parameters": 15, "macs": 12}),
}
_SHAPES = ((3, 8, 8), (8,), (4, 8), (2,), (2, 4, 8))


def _design(spec: LayerSpec, shape, params: dict):
    b = DesignBuilder(f"probe {spec.type}")
    x = b.input(list(shape), id="probe" if spec.type == "Input" else "input")
    if spec.type in ("Input", "Output"):  # the design Input → Output
        b.output(x, id="probe" if spec.type == "Output" else "output", loss="none")
        return b.build(layout=False)
    # A merge takes any number of inputs (two here); a Module call as many as its call had (one).
    count = spec.inputs if spec.inputs is not None else (1 if spec.torch_kind == "opaque" else 2)
    layer = b.add(spec.type, *([x] * count), id="probe", **params)
    b.output(layer, loss="none")
    return b.build(layout=False)


def example(spec: LayerSpec):
    """(input shape, params, graph) of a minimal valid design using ``spec``."""
    if spec.type in EXAMPLES:
        shape, params = EXAMPLES[spec.type]
        return shape, params, _design(spec, shape, params)
    for shape in _SHAPES:
        graph = _design(spec, shape, {})
        if analyze(graph).valid:
            return shape, {}, graph
    raise AssertionError(f"{spec.type}: no valid example on {_SHAPES}; add one to EXAMPLES")


def _fx_target(spec: LayerSpec, shape) -> tuple[str, object]:
    analysis = analyze(_design(spec, shape, example(spec)[1]))
    info = analysis.nodes["probe"]
    return call_target(spec.torch_call(info.resolved, info.input_shapes)[0])


def catalog_paths(spec: LayerSpec) -> list[str]:
    """What ``spec`` lacks among compile, run, export and import paths (empty: nothing)."""
    shape, params, graph = example(spec)
    analysis = analyze(graph)
    if not analysis.valid:
        return [f"its example does not analyse: {analysis.errors}"]
    problems = []
    torch.manual_seed(0)
    x = torch.randn(2, *shape)
    try:
        compiled = compile_design(graph, analysis).eval()
        with torch.no_grad():
            y = compiled(x)
        if tuple(y.shape[1:]) != tuple(analysis.nodes["probe"].output_shape):
            problems.append(f"compiled output {list(y.shape[1:])} differs from the analysed "
                            f"{list(analysis.nodes['probe'].output_shape)}")
    except Exception as exc:
        return [f"no compile path: {type(exc).__name__}: {exc}"]
    try:
        namespace: dict = {"__name__": "probe_export"}
        exec(compile(python_source(graph, analysis), "probe_export.py", "exec"), namespace)
        exported = namespace["build"]().eval()
        exported.load_state_dict(compiled.state_dict())
        with torch.no_grad():
            if not torch.equal(exported(x), y):
                problems.append("the exported Python computes another output than the compiled module")
    except Exception as exc:
        problems.append(f"no export path: {type(exc).__name__}: {exc}")
    if spec.type in NOT_IMPORTED:
        return problems
    if spec.torch_kind in ("call", "function"):
        op, target = _fx_target(spec, shape)
        if target not in (METHODS if op == "call_method" else FUNCTIONS) and (op, target) not in catalog_calls():
            problems.append(f"no import path: the importer's call tables have no entry for {target!r}")
    try:
        result = import_module(compiled, shape)
    except Exception as exc:
        return problems + [f"no import path: {type(exc).__name__}: {str(exc)[:400]}"]
    layers = [n for n in result.graph if n.type not in ("Input", "Output")]
    if [n.type for n in layers] != [spec.type]:
        problems.append(f"imports as {[n.type for n in layers]}, not [{spec.type!r}]")
    elif spec.resolve(layers[0].params) != spec.resolve(params):
        problems.append(f"imports with parameters {spec.resolve(layers[0].params)} instead of "
                        f"{spec.resolve(params)}")
    return problems


@pytest.mark.parametrize("layer_type", [s.type for s in all_specs()])
def test_every_catalog_type_compiles_runs_exports_and_imports_back(layer_type):
    assert catalog_paths(get(layer_type)) == []


def test_the_importers_module_table_is_the_catalogs():
    """Each module entry imports as itself; every table row belongs to a registered type."""
    table = module_table()
    for spec in all_specs():
        if spec.torch_kind == "module":
            assert table.get(module_class(spec), ("",))[0] == spec.type, spec.type
    assert {layer_type for layer_type, _ in table.values()} <= {s.type for s in all_specs()}


def test_a_spec_without_a_compile_path_is_refused_when_it_is_made():
    with pytest.raises(ValueError, match="needs torch_call"):
        LayerSpec(type="Maximum", category="merge", doc="", shape=lambda p, s: s[0], inputs=None,
                  torch_kind="function")
    with pytest.raises(ValueError, match="needs torch_kwargs"):
        LayerSpec(type="Odd", category="activation", doc="", shape=one_input)
    with pytest.raises(ValueError, match="torch_kind"):
        LayerSpec(type="Odd", category="activation", doc="", shape=one_input, torch_kind="magic")


# --------------------------------------------------------------------------- adding a type
#: A type the catalog does not have: torch.nn.Hardtanh, its two bounds read back from the
#: module's attributes of the same names (the default reader).
HARDTANH = LayerSpec(
    type="Hardtanh",
    category="activation",
    doc="Clamps each value to [min_val, max_val].",
    shape=one_input,
    params=(Param("min_val", "float", -1.0), Param("max_val", "float", 1.0)),
    torch_kwargs=lambda p, s: {"min_val": p["min_val"], "max_val": p["max_val"]},
    label=lambda p: f"[{p['min_val']:g}, {p['max_val']:g}]",
)

#: A merge that declares the calls it imports from (torch.maximum(a, b), a.maximum(b)).
MAXIMUM = LayerSpec(
    type="Maximum",
    category="merge",
    doc="Element-wise maximum of its inputs.",
    shape=lambda p, s: s[0],
    inputs=None,
    torch_kind="function",
    torch_call=lambda p, s: ("torch.maximum", (), {}),
    import_calls=("torch.maximum", "Tensor.maximum"),
)

#: A tensor operation with a parameter, imported from torch.roll(x, shifts, dims).
ROLL = LayerSpec(
    type="Roll",
    category="tensor",
    doc="Rolls each sample's values along an axis.",
    shape=one_input,
    params=(Param("shifts", "int", 1), Param("dims", "int", -1)),
    torch_kind="call",
    torch_call=lambda p, s: ("torch.roll", (p["shifts"], p["dims"]), {}),
    import_calls=("torch.roll", "Tensor.roll"),
    import_args=("shifts", "dims"),
)

#: The same merge without an import declaration: it compiles and exports, and the check says
#: that it cannot be imported.
MINIMUM = LayerSpec(
    type="Minimum",
    category="merge",
    doc="Element-wise minimum of its inputs.",
    shape=lambda p, s: s[0],
    inputs=None,
    torch_kind="function",
    torch_call=lambda p, s: ("torch.minimum", (), {}),
)


@pytest.fixture
def registered():
    """Registers the given specs for one test and takes them out again afterwards."""
    added = []

    def add(spec: LayerSpec) -> LayerSpec:
        added.append(register(spec).type)
        return spec

    yield add
    for layer_type in added:
        unregister(layer_type)


def test_a_new_type_is_one_spec_and_one_register_call(registered):
    assert get("Hardtanh") is None and nn.Hardtanh not in module_table()
    registered(HARDTANH)
    EXAMPLES["Hardtanh"] = ((3, 8, 8), {"min_val": -0.5, "max_val": 2.0})
    try:
        assert catalog_paths(HARDTANH) == []  # analysed, compiled, run, exported, imported back
        source = python_source(example(HARDTANH)[2])
    finally:
        del EXAMPLES["Hardtanh"]
    assert "self.probe = nn.Hardtanh(min_val=-0.5, max_val=2.0)" in source
    assert module_table()[nn.Hardtanh][0] == "Hardtanh"


def test_a_new_call_or_merge_declares_the_calls_it_imports_from(registered):
    registered(MAXIMUM)
    registered(ROLL)
    EXAMPLES["Roll"] = ((3, 8, 8), {"shifts": 2, "dims": 1})
    try:
        assert catalog_paths(MAXIMUM) == [] and catalog_paths(ROLL) == []
        source = python_source(example(ROLL)[2])
    finally:
        del EXAMPLES["Roll"]
    assert "probe = torch.roll(x, 2, 1)" in source

    class Model(nn.Module):  # the Tensor-method spellings import too
        def forward(self, x):
            return x.roll(-1, dims=2).maximum(x)

    result = import_module(Model(), (3, 4, 4))
    layers = {n.type: n.params for n in result.graph if n.type not in ("Input", "Output")}
    assert layers == {"Roll": {"shifts": -1, "dims": 2}, "Maximum": {}}


def test_a_type_without_an_import_path_is_reported(registered):
    registered(MINIMUM)
    graph = example(MINIMUM)[2]
    assert "probe = torch.minimum(x, x)" in python_source(graph)
    assert "probe = torch.minimum(x, x)" in compile_design(graph).code
    problems = catalog_paths(MINIMUM)
    assert problems and all(p.startswith("no import path") for p in problems), problems


def test_an_unregistered_type_leaves_the_importer():
    assert get("Hardtanh") is None and get("Maximum") is None and get("Roll") is None
    assert nn.Hardtanh not in module_table()
    assert not catalog_calls()
