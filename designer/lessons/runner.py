"""Run a lesson: train (or only analyse) each of its runs, measure, and evaluate its checks.

Runs train with the training loop (``designer.training.train``) on the calling thread, one
after the other, reporting every step so that "steps to reach the loss bar" is exact. Each
run's metrics: the last epoch's train/validation loss and accuracy, their gap, the best
validation accuracy, the steps to the bar, whether it diverged, the mean gradient norm of
its first and last weight layers (training health), and from the analysis its parameters,
MACs, fully connected parameters, kernel weights per channel pair (Σ k×k over the spatial,
not 1×1, convolutions) and receptive field (the largest of a Conv2d).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..analysis import analyze
from ..analysis import conv_explorer as cx
from ..core.graph import Graph
from ..zoo import find
from .checks import CheckError, evaluate, passed
from .format import Lesson, LessonError, RunSpec, chain_graph

NAN = float("nan")


@dataclass
class RunResult:
    """One run's measurements; metrics read as attributes in checks (``CNN.val_accuracy``)."""

    name: str
    label: str
    metrics: dict[str, float] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)  # per epoch (EpochMetrics.to_dict)
    losses: list[tuple[int, float]] = field(default_factory=list)  # (step, training loss)
    message: str = ""

    def __getattr__(self, name: str) -> float:
        metrics = self.__dict__.get("metrics", {})
        if name in metrics:
            return metrics[name]
        raise AttributeError(name)


@dataclass
class ConvResult:
    """The explorer's arithmetic: output size (the rule) and the output itself."""

    size: int
    rule: str
    output: list[list[float]]
    first: float


@dataclass
class LessonResult:
    lesson: Lesson
    runs: list[RunResult]
    conv: ConvResult | None
    checks: list[tuple[str, bool, str]]  # (check, passed, value or error)
    seconds: float
    stopped: bool = False
    cpu_s: float = 0.0  # this process's CPU time for the lesson (fair on a busy machine)

    @property
    def effect_shown(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks) and not self.stopped


def design_of(spec: RunSpec) -> Graph:
    if spec.layers:
        return chain_graph(spec.label, spec.layers)
    from ..core.serialize import DesignFileError, load

    try:
        return load(find(spec.design))
    except (DesignFileError, FileNotFoundError, OSError, ValueError) as exc:
        raise LessonError(f"run {spec.name}: cannot open the design {spec.design!r}: {exc}") from None


def analysis_metrics(graph: Graph) -> dict[str, float]:
    a = analyze(graph)
    if not a.valid:
        raise LessonError(f"the design {graph.name!r} has errors: {'; '.join(map(str, a.errors))}")
    live = [a.nodes[n] for n in a.order if n in a.live]
    fields = [n.receptive_field[0] for n in live if n.receptive_field is not None and n.type == "Conv2d"]
    kernels = [k for k in (n.resolved["kernel_size"] for n in live if n.type == "Conv2d")
               if k[0] * k[1] > 1]  # 1×1 convolutions only mix channels
    return {"params": a.total_params, "macs": a.total_macs,
            "fc_params": sum(n.params for n in live if n.type == "Linear"),
            "kernel_weights": sum(k[0] * k[1] for k in kernels),
            "receptive_field": max(fields) if fields else 0}


class GradientRecorder:
    """A probe that averages each weight layer's gradient norm over the run's steps."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.count = 0

    def after_step(self, ctx) -> list:
        from ..training.probes import gradient_norms

        for nid, norm in gradient_norms(ctx.model, ctx.grad_scale).items():
            if math.isfinite(norm):
                self.sums[nid] = self.sums.get(nid, 0.0) + norm
        self.count += 1
        return []

    def first_last(self) -> tuple[float, float]:
        if not self.sums or not self.count:
            return NAN, NAN
        values = list(self.sums.values())
        return values[0] / self.count, values[-1] / self.count


def train_run(spec: RunSpec, graph: Graph, loss_bar: float | None, control=None,
              gradients: bool = True) -> RunResult:
    """Train one run and measure it (gradient norms only when ``gradients``; every step is
    reported only when there is a loss bar to reach)."""
    from ..training import train
    from ..training.config import ConfigError, TrainingConfig
    from ..training.events import EpochMetrics, Failed, Finished, StepMetrics

    result = RunResult(spec.name, spec.label, analysis_metrics(graph))
    try:
        config = TrainingConfig.from_dict(spec.settings)
    except ConfigError as exc:
        raise LessonError(f"run {spec.name}: {exc}") from None
    grads = GradientRecorder()
    start = time.perf_counter()
    m = result.metrics
    m.update(diverged=0.0, steps_to_bar=math.inf)
    interval = 0.0 if loss_bar is not None else 0.05
    for event in train(graph, config, control, probes=[grads] if gradients else [],
                       report_interval_s=interval):
        if isinstance(event, StepMetrics):
            result.losses.append((event.step, event.loss))
            if loss_bar is not None and event.loss <= loss_bar and m["steps_to_bar"] == math.inf:
                m["steps_to_bar"] = float(event.step)
        elif isinstance(event, EpochMetrics):
            result.history.append(event.to_dict())
        elif isinstance(event, Failed):
            if event.kind != "nan":
                raise LessonError(f"run {spec.name} failed: {event.message}")
            m["diverged"], result.message = 1.0, "diverged (the loss became NaN)"
        elif isinstance(event, Finished):
            m["best_val_accuracy"] = event.best_val_accuracy
    last = result.history[-1] if result.history else {}
    for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
        value = last.get(key)
        m[key] = NAN if value is None or m["diverged"] else float(value)
    m["gap"] = m["train_accuracy"] - m["val_accuracy"]
    m.setdefault("best_val_accuracy", NAN)
    m["grad_first"], m["grad_last"] = grads.first_last()
    m["grad_ratio"] = m["grad_first"] / m["grad_last"] if m["grad_last"] else NAN
    m["time_s"] = time.perf_counter() - start
    return result


def conv_example(table: dict) -> ConvResult:
    image = cx.LECTURE_IMAGE if table.get("image", "lecture") == "lecture" else np.array(table["image"], float)
    kernel = table.get("kernel", "vertical edge")
    kernel = cx.PRESETS[kernel] if isinstance(kernel, str) else np.array(kernel, float)
    padding, stride = int(table.get("padding", 0)), int(table.get("stride", 1))
    out = cx.convolve2d(image, kernel, padding, stride)
    size = cx.output_size(image.shape[0], kernel.shape[0], padding, stride)
    return ConvResult(size, cx.formula_text(image.shape[0], kernel.shape[0], padding, stride),
                      out.tolist(), float(out[0, 0]))


def run_lesson(lesson: Lesson, control=None,
               progress: Callable[[int, int, str], None] | None = None) -> LessonResult:
    """Every run of ``lesson`` in order, then its checks. ``progress(done, total, text)``."""
    start, cpu = time.perf_counter(), time.process_time()
    results: list[RunResult] = []
    total = len(lesson.runs)
    for i, spec in enumerate(lesson.runs):
        if control is not None and control.stop_requested:
            break
        if progress:
            progress(i, total, f"{'training' if spec.train else 'analysing'} {spec.label}")
        graph = design_of(spec)
        gradients = any("grad_" in check for check in lesson.checks)
        results.append(train_run(spec, graph, lesson.loss_bar, control, gradients) if spec.train
                       else RunResult(spec.name, spec.label, analysis_metrics(graph)))
    conv = conv_example(lesson.conv) if lesson.conv is not None else None
    stopped = control is not None and control.stop_requested
    if progress:
        progress(total, total, "stopped" if stopped else "done")
    return LessonResult(lesson, results, conv, _checks(lesson, results, conv), time.perf_counter() - start,
                        stopped, time.process_time() - cpu)


def _checks(lesson: Lesson, runs: list[RunResult], conv: ConvResult | None) -> list[tuple[str, bool, str]]:
    names: dict = {r.name: r for r in runs}
    if conv is not None:
        names["conv"] = conv
    out = []
    for check in lesson.checks:
        try:
            value = evaluate(check, names)
            out.append((check, passed(value), str(value)))
        except (CheckError, ArithmeticError, TypeError, AttributeError, IndexError) as exc:
            out.append((check, False, f"cannot evaluate: {exc}"))
    return out
