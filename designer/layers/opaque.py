"""ModuleCall: an opaque node that keeps a module of the original model which the importer
could not see through (Python control flow on sizes, a helper with no catalog equivalent).

The node names the module's class by import path and its constructor arguments; the compiler
rebuilds it from those. Its output shape, parameter count and multiply-accumulates were
measured once, when the model was imported, and are stored with it: this pure rule only
reads them back, and it refuses any other input shape than the one they were measured for.
"""

from __future__ import annotations

from ._util import fmt_shape
from .spec import LayerSpec, Param, Params, Shape, ShapeError


def _shape(p: Params, shapes: list[Shape]) -> Shape:
    if not p["module"]:
        raise ShapeError("Module call names no module; import the model again")
    if tuple(shapes[0]) != tuple(p["input_shape"]):
        raise ShapeError(f"Module call {p['module'].rsplit('.', 1)[-1]} was imported for input "
                         f"{fmt_shape(p['input_shape'])} and received {fmt_shape(shapes[0])}; "
                         f"its output for other sizes is unknown: import the model again at this size")
    return tuple(p["output_shape"])


MODULE_CALL = LayerSpec(
    type="ModuleCall",
    category="utility",
    doc="A module of an imported model kept as it is (opaque): rebuilt from its class and "
        "constructor arguments; its figures were measured on import.",
    shape=_shape,
    params=(
        Param("module", "text", "", doc="import path of the module's class"),
        Param("kwargs", "mapping", {}, doc="constructor arguments"),
        Param("input_shape", "dims", [], doc="the per-sample input it was measured for"),
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
