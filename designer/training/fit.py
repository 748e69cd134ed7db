"""Does a dataset fit a design? Checked before training, with an offer to adapt the design.

``check_fit`` compares the dataset's sample shape and classes with the design's Input and
last layer and its Output's loss, and lists what will be done to the data (notes) and what
stops training (problems). ``adapt_design`` returns the design with the Input shape and the
last layer's width (and the loss, for a regression target) changed to suit the data, as a
copy plus the undoable edit that makes the change, so a GUI can put it on its undo stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from ..analysis import Analysis, analyze
from ..core.edits import Compound, SetParams
from ..core.graph import Graph
from ..core.head import WIDTH_PARAM, find_head
from .data.base import CLASSIFICATION, REGRESSION, DatasetInfo
from .data.plan import plan_input



@dataclass(frozen=True)
class FitReport:
    """The verdict: ``ok`` when training can start; ``problems`` say why not, ``notes`` what
    happens to the data; ``can_adapt`` when ``adapt_design`` would resolve the problems."""

    ok: bool
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    can_adapt: bool
    adapt_summary: str = ""

    @property
    def message(self) -> str:
        text = "; ".join(self.problems)
        if self.can_adapt:
            text += f". Adapt the design ({self.adapt_summary}) to train it on this data"
        return text


@dataclass(frozen=True)
class Adaptation:
    """The adapted copy of the design, the edit that adapts the original, and what changed."""

    graph: Graph
    edit: Compound
    changes: tuple[str, ...]
    valid: bool
    issues: tuple[str, ...] = ()


def loss_of(graph: Graph, analysis: Analysis) -> str:
    out = analysis.outputs[0]
    return (analysis.nodes[out].resolved or {}).get("loss", "cross_entropy")


def last_layer(graph: Graph, analysis: Analysis) -> str | None:
    """The Linear (or Conv2d) that sets the output's width, walking back from the Output (the
    head "Replace the head" finds)."""
    return find_head(graph) if len(analysis.outputs) == 1 else None


def wanted_width(info: DatasetInfo, loss: str, current: int | None) -> int:
    """Outputs the data needs: one per class (or 1 for a 2-class MSE), or one per target."""
    if info.task == REGRESSION:
        return info.targets
    if loss == "mse" and current == 1 and info.num_classes == 2:
        return 1
    return info.num_classes


def _design_problems(analysis: Analysis) -> list[str]:
    if not analysis.valid:
        first = "; ".join(str(i.message).strip().rstrip(".") for i in analysis.errors[:3])
        count = len(analysis.errors)
        return [f"the design has {count} error{'s' if count != 1 else ''} to fix first: {first}"]
    if len(analysis.inputs) != 1:
        return [f"the design has {len(analysis.inputs)} Inputs; training on one dataset needs "
                f"exactly one"]
    return []


def check_fit(graph: Graph, info: DatasetInfo, analysis: Analysis | None = None) -> FitReport:
    """Can ``graph`` be trained on data described by ``info``? Never raises."""
    analysis = analysis or analyze(graph)
    problems = _design_problems(analysis)
    if problems:
        return FitReport(False, tuple(problems), (), False)
    loss = loss_of(graph, analysis)
    if loss == "none":
        return FitReport(False, ("the Output's loss is 'none', so there is nothing to train: set it "
                                 "to cross_entropy (classes) or mse (numbers)",), (), False)
    plan, input_problem = plan_input(info.name, info.kind, info.input_shape, analysis.input_shape)
    fixable = [input_problem] if input_problem else []
    fixable += _output_problems(info, loss, analysis.output_shape)
    changes = _planned_changes(graph, analysis, info, loss, bool(input_problem))
    notes = plan.notes if plan else ()
    adaptable = bool(fixable) and changes is not None
    return FitReport(not fixable, tuple(fixable), tuple(notes), adaptable,
                     "; ".join(c for _, _, c in changes or []))


def _output_problems(info: DatasetInfo, loss: str, shape) -> list[str]:
    if shape is None or len(shape) != 1:
        return [f"the design's output is {list(shape or ())}; a {info.task} output is one vector "
                f"per sample (add a Flatten before the last Linear)"]
    if info.task == REGRESSION and loss == "cross_entropy":
        return [f"{info.name} has numbers to predict (regression), but the Output's loss is "
                f"cross_entropy; set it to mse"]
    want = wanted_width(info, loss, shape[0])
    if shape[0] == want:
        return []
    if info.task == CLASSIFICATION:
        return [f"{info.name} has {info.num_classes} classes, but the design's last layer gives "
                f"{shape[0]} outputs"]
    return [f"{info.name} has {want} value(s) to predict per sample, but the design gives {shape[0]}"]


def _planned_changes(graph: Graph, analysis: Analysis, info: DatasetInfo, loss: str,
                     change_input: bool) -> list[tuple[str, dict, str]] | None:
    """(node id, new params, description) for each change; None when no change can help."""
    changes = []
    if change_input:
        node = analysis.inputs[0]
        shape = list(info.input_shape)
        if len(analysis.input_shape or ()) == 1 and len(shape) == 3:  # an MLP: flatten images
            shape = [prod(shape)]
        params = dict(graph.nodes[node].params) | {"shape": shape}
        changes.append((node, params, f"{_input_named(node)} to {_dims(shape)}"))
    else:
        changes += _native_size(graph, analysis, info)
    if info.task == REGRESSION and loss == "cross_entropy":
        out = analysis.outputs[0]
        params = dict(graph.nodes[out].params) | {"loss": "mse"}
        changes.append((out, params, f"{_named('Output', out)} loss to mse"))
        loss = "mse"
    layer = last_layer(graph, analysis)
    shape = analysis.output_shape
    want = wanted_width(info, loss, shape[0] if shape and len(shape) == 1 else None)
    if shape is None or len(shape) != 1 or shape[0] != want:
        if layer is None:
            return None
        key = WIDTH_PARAM[graph.nodes[layer].type]
        params = dict(graph.nodes[layer].params) | {key: want}
        changes.append((layer, params, f"{layer} to {want} outputs"))
    return changes


def _native_size(graph: Graph, analysis: Analysis, info: DatasetInfo) -> list[tuple[str, dict, str]]:
    """Images of another size than the Input's: train at the data's own size when the design
    accepts it (adaptive pooling before the classifier: the same output shape, no errors),
    instead of resizing every image (a 32×32 set upscaled to 224×224 costs 49× the work)."""
    have, data = tuple(analysis.input_shape or ()), tuple(info.input_shape)
    if len(have) != 3 or len(data) != 3 or have[1:] == data[1:]:
        return []
    node = analysis.inputs[0]
    shape = [have[0], *data[1:]]  # the design's channels (grey ↔ RGB stays a data step)
    trial = graph.copy()
    trial.nodes[node].params = dict(trial.nodes[node].params) | {"shape": shape}
    after = analyze(trial)
    size = f"{data[1]}×{data[2]}"
    if not after.valid or after.output_shape != analysis.output_shape:
        return []
    return [(node, dict(graph.nodes[node].params) | {"shape": shape},
             f"{_input_named(node)} to {_dims(shape)} (the design accepts other sizes, so it trains at the "
             f"data's {size} instead of resizing every image to {have[1]}×{have[2]})")]


def _named(kind: str, node: str) -> str:
    """"Input" for the node called input, "Input img" for one with its own name."""
    return kind if node == kind.lower() else f"{kind} {node}"


def _input_named(node: str) -> str:
    return _named("Input", node)


def _dims(shape) -> str:
    """A shape as people write it: 3×8×8, or 2 values for a vector."""
    shape = list(shape)
    return f"{shape[0]} values" if len(shape) == 1 else "×".join(map(str, shape))


def adapt_design(graph: Graph, info: DatasetInfo) -> Adaptation:
    """A copy of ``graph`` changed to fit the data, and the edit that does it to ``graph``.

    The copy is analysed again: ``valid`` is False (with ``issues``) when, say, a CNN's Input
    became [2] for 2-D points and its convolutions no longer fit.
    """
    analysis = analyze(graph)
    problems = _design_problems(analysis)
    if problems:
        raise ValueError(problems[0])
    loss = loss_of(graph, analysis)
    _, input_problem = plan_input(info.name, info.kind, info.input_shape, analysis.input_shape)
    changes = _planned_changes(graph, analysis, info, loss, bool(input_problem)) or []
    edit = Compound([SetParams(node, params) for node, params, _ in changes], text="Adapt to the data")
    adapted = graph.copy()
    edit.apply(adapted)
    for sub in edit.edits:  # the edit is for the original graph: forget the copy's old values
        sub.old = None
    after = analyze(adapted)
    return Adaptation(adapted, edit, tuple(c for _, _, c in changes), after.valid,
                      tuple(str(i.message) for i in after.errors))
