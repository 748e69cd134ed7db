"""Lesson files: Markdown with a small TOML front-matter between ``+++`` lines (pure).

    +++
    title = "MLP vs CNN on shuffled pixels"
    question = "Shuffle every image's pixels the same way. What happens?"
    choices = ["both lose accuracy", "only the CNN loses", "neither"]
    answer = 1                      # index of the choice the runs should confirm
    checks = ["CNN.val_accuracy - CNN_shuffled.val_accuracy >= 0.05"]
    hide = ["dock_palette"]         # docks a teacher hides for the lesson (object names), or
                                    # Playground parts: "playground:controls", ":units", ":boundary"
    show = "summary"                # "Show in the window": "summary" or "explorer" (optional)
    plot = "val_accuracy"           # the curve the runs are overlaid on

    [defaults]                      # training settings every run starts from
    epochs = 6
    data = {name = "textures", options = {samples = 2000, size = 16}}

    [[runs]]
    name = "CNN"
    layers = ["Input 3x16x16", "Conv2d 16 3 padding=1", "ReLU", "AdaptiveAvgPool2d 1",
              "Flatten", "Linear 10", "Output"]
    [[runs]]
    name = "CNN_shuffled"
    same_as = "CNN"
    settings = {data = {permute_pixels = true}}
    +++
    The text shown first...

    ## Explanation
    Shown after the reveal.

A run's design is an example's name (``design = "vgg16"``), or a chain of layers, one
string each: the type, then its parameters in the catalog's order, then ``key=value``.
``train = false`` only analyses it (parameters, receptive field). A ``[conv]`` table works
the convolution arithmetic of the explorer (``image``, ``kernel``, ``padding``, ``stride``).
"""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.builder import DesignBuilder
from ..core.graph import Graph
from ..layers import registry
from .checks import CheckError, parse_check

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class LessonError(ValueError):
    """A lesson file that cannot be used; the message names the file and what to fix."""


@dataclass(frozen=True)
class RunSpec:
    name: str
    label: str
    design: str = ""  # an example's name or a design file path
    layers: tuple[str, ...] = ()
    settings: dict = field(default_factory=dict)  # the run's training settings (merged)
    train: bool = True


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    text: str
    explanation: str
    question: str
    choices: tuple[str, ...]
    answer: int
    runs: tuple[RunSpec, ...]
    checks: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    plot: str = "val_accuracy"
    loss_bar: float | None = None
    conv: dict | None = None
    path: str = ""
    #: What "Show in the window" opens: "summary" (the first run's design, Summary dock) or
    #: "explorer" (the convolution explorer with the lecture's example); "" for nothing.
    show: str = ""


def split_front_matter(text: str, where: str) -> tuple[dict, str]:
    """(front-matter table, Markdown body) of a lesson file's text."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "+++":
        raise LessonError(f"{where}: a lesson starts with a '+++' line, then its TOML settings, "
                          f"then '+++' and the text")
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "+++")
    except StopIteration:
        raise LessonError(f"{where}: the front-matter has no closing '+++' line") from None
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"{where}: the front-matter is not valid TOML: {exc}") from None
    return meta, "\n".join(lines[end + 1:]).strip()


def _merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) \
            else copy.deepcopy(value)
    return out


def _runs(meta: dict, where: str) -> tuple[RunSpec, ...]:
    defaults = meta.get("defaults", {})
    specs: dict[str, RunSpec] = {}
    for i, raw in enumerate(meta.get("runs", [])):
        name = raw.get("name", "")
        if not isinstance(name, str) or not _NAME.match(name):
            raise LessonError(f"{where}: run {i + 1} needs a name made of letters, digits and _ "
                              f"(it is used in the checks), got {name!r}")
        base = specs.get(raw["same_as"]) if "same_as" in raw else None
        if "same_as" in raw and base is None:
            raise LessonError(f"{where}: run {name} is the same as {raw['same_as']!r}, which is "
                              f"not an earlier run")
        settings = _merge(base.settings if base else defaults, raw.get("settings", {}))
        layers = tuple(raw.get("layers", base.layers if base else ()))
        design = raw.get("design", base.design if base else "")
        if not layers and not design:
            raise LessonError(f"{where}: run {name} needs a design (an example's name) or layers")
        specs[name] = RunSpec(name, raw.get("label", name.replace("_", " ")), design, layers,
                              settings, bool(raw.get("train", base.train if base else True)))
    return tuple(specs.values())


def parse_lesson(text: str, name: str = "lesson", path: str = "") -> Lesson:
    """A Lesson from a file's text; LessonError says what is wrong."""
    where = path or name
    meta, body = split_front_matter(text, where)
    parts = re.split(r"^##\s+Explanation\s*$", body, maxsplit=1, flags=re.MULTILINE)
    choices = tuple(str(c) for c in meta.get("choices", ()))
    answer = meta.get("answer", 0)
    if not meta.get("title") or not meta.get("question") or len(choices) < 2:
        raise LessonError(f"{where}: a lesson needs a title, a question and at least two choices")
    if not isinstance(answer, int) or not 0 <= answer < len(choices):
        raise LessonError(f"{where}: answer must be the index of one of the {len(choices)} choices "
                          f"(0 to {len(choices) - 1}), got {answer!r}")
    checks = tuple(meta.get("checks", ()))
    try:
        for check in checks:
            parse_check(check)
    except CheckError as exc:
        raise LessonError(f"{where}: {exc}") from None
    runs = _runs(meta, where)
    if not runs and "conv" not in meta:
        raise LessonError(f"{where}: a lesson needs runs (or a [conv] example)")
    return Lesson(name, meta["title"], parts[0].strip(), parts[1].strip() if len(parts) > 1 else "",
                  meta["question"], choices, answer, runs, checks, tuple(meta.get("hide", ())),
                  meta.get("plot", "val_accuracy"), meta.get("loss_bar"), meta.get("conv"), path,
                  _show(meta, where))


def _show(meta: dict, where: str) -> str:
    show = meta.get("show", "")
    if show not in ("", "summary", "explorer"):
        raise LessonError(f"{where}: show must be \"summary\" or \"explorer\", got {show!r}")
    return show


def load_lesson(path: str | Path) -> Lesson:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(f"cannot read the lesson {path}: {exc}") from None
    return parse_lesson(text, path.stem, str(path))


# --------------------------------------------------------------------------- layer chains
def _value(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"\d+(x\d+)+", text):
        return [int(v) for v in text.split("x")]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def chain_graph(name: str, layers: tuple[str, ...]) -> Graph:
    """A chain design from lines like "Conv2d 16 3 padding=1" (positional parameters in the
    catalog's order; an Input's shape as 3x16x16)."""
    b = DesignBuilder(name)
    x = None
    for line in layers:
        words = line.split()
        spec = registry.get(words[0]) if words else None
        if spec is None:
            raise LessonError(f"{name}: {line!r} does not start with a layer type of the catalog")
        params: dict[str, Any] = {}
        positional = [w for w in words[1:] if "=" not in w]
        if len(positional) > len(spec.params):
            raise LessonError(f"{name}: {line!r} has more values than {spec.type} has parameters")
        for param, word in zip(spec.params, positional):
            params[param.name] = _value(word)
        for word in (w for w in words[1:] if "=" in w):
            key, _, value = word.partition("=")
            params[key] = _value(value)
        if spec.type == "Input":
            shape = params.get("shape")
            params["shape"] = [shape] if isinstance(shape, int) else shape
            x = b.add("Input", id="input", **params)
        elif x is None:
            raise LessonError(f"{name}: the chain must start with an Input")
        elif spec.type == "Output":
            b.output(x, **params)
        else:
            x = b.add(spec.type, x, **params)
    return b.build()
