"""ModuleCall: an opaque node that keeps a module of the original model which the importer
could not see through (Python control flow on sizes, a helper with no catalog equivalent).

The node names the module's class by import path and its constructor arguments; the compiler
rebuilds it from those. Its output shape, parameter count and multiply-accumulates were
measured once, when the model was imported, and are stored with it: this pure rule only
reads them back, and it refuses any other input shape than the one they were measured for.
A module called with several tensors, or with constants besides its tensor (``block(x, cls,
size=(14, 14))``), keeps how it is called in ``call``; its tensors are its inputs, in order.
"""

from __future__ import annotations

from ._util import fmt_shape
from .spec import LayerSpec, Param, Params, Shape, ShapeError


def input_shapes(p: Params) -> list[Shape]:
    """The per-sample shapes of the tensors a Module call takes, in port order: the first is
    ``input_shape``; a module called with several tensors lists the others in ``call``."""
    more = p["call"].get("inputs", [])
    if not isinstance(more, list) or not all(
            isinstance(s, list) and all(isinstance(d, int) and not isinstance(d, bool) for d in s) for s in more):
        raise ShapeError("Module call's call.inputs must be a list of shapes; import the model again")
    return [tuple(p["input_shape"])] + [tuple(s) for s in more]


def _shape(p: Params, shapes: list[Shape]) -> Shape:
    if not p["module"]:
        raise ShapeError("Module call names no module; import the model again")
    name = p["module"].rsplit(".", 1)[-1]
    expected = input_shapes(p)
    if len(shapes) != len(expected):
        raise ShapeError(f"Module call {name} takes {len(expected)} input(s) but has {len(shapes)}; "
                         f"connect them as they were imported")
    for i, (got, want) in enumerate(zip(shapes, expected)):
        if tuple(got) != want:
            which = f"input {i}" if len(expected) > 1 else "input"
            raise ShapeError(f"Module call {name} was imported for {which} {fmt_shape(want)} and "
                             f"received {fmt_shape(got)}; its output for other sizes is unknown: "
                             f"import the model again at this size")
    return tuple(p["output_shape"])


MODULE_CALL = LayerSpec(
    type="ModuleCall",
    category="utility",
    doc="A module of an imported model kept as it is (opaque): rebuilt from its class and "
        "constructor arguments; its figures were measured on import.",
    shape=_shape,
    #: Usually one tensor; a module called with several (``block(x, cls_token)``) has more.
    inputs=None,
    params=(
        Param("module", "text", "", doc="import path of the module's class"),
        Param("kwargs", "mapping", {}, doc="constructor arguments"),
        Param("input_shape", "dims", [], doc="the per-sample input it was measured for"),
        Param("call", "mapping", {}, doc="how it is called when not as module(x): the arguments "
              "with {'__input__': i} for input i, and the shapes of inputs 1, 2, ..."),
        Param("output_shape", "dims", [], doc="its per-sample output, measured on import"),
        Param("parameters", "count", 0, doc="its parameter count"),
        Param("macs", "count", 0, doc="its multiply-accumulates per sample"),
    ),
    count_params=lambda p, s, o: p["parameters"],
    macs=lambda p, s, o: p["macs"],
    global_field=lambda p, s: True,
    torch_kind="opaque",
    label=lambda p: p["module"].rsplit(".", 1)[-1],
)
