"""``designer lesson NAME``: run a lesson headless and print its runs and checks as a table.

``designer lesson --list`` lists the bundled lessons. ``--answer N`` records a prediction
(the index of a choice) and compares it with the result, as the Lessons panel does. Exit 0
when the lesson's effect showed, 1 when a check failed, 2 when the lesson cannot run.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from . import LessonError, bundled, find_lesson

#: Always shown (when measured); other metrics appear when the lesson's checks name them.
COLUMNS = ("val_accuracy", "train_accuracy", "val_loss", "params", "time_s")
EXTRA = ("gap", "steps_to_bar", "diverged", "grad_first", "grad_last", "grad_ratio", "fc_params",
         "kernel_weights", "receptive_field", "best_val_accuracy", "macs")


def columns_for(result) -> list[str]:
    """The table's columns: the usual ones that were measured, then those the checks use."""
    named = [c for c in EXTRA if any(f".{c}" in check for check in result.lesson.checks)]
    usual = [c for c in COLUMNS if any(math.isfinite(r.metrics.get(c, math.nan)) for r in result.runs)]
    return usual[:-1] + named + usual[-1:] if usual and usual[-1] == "time_s" else usual + named


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="a bundled lesson's name, or a lesson .md file")
    parser.add_argument("--list", action="store_true", help="list the bundled lessons")
    parser.add_argument("--answer", type=int, help="your prediction: the number of a choice")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _cell(key: str, value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if value == math.inf:
        return "never"
    if key in ("val_accuracy", "train_accuracy", "gap", "best_val_accuracy"):
        return f"{value * 100:.1f} %"
    if key in ("params", "steps_to_bar", "fc_params", "kernel_weights", "receptive_field", "macs"):
        return f"{int(value):,}"
    if key == "time_s":
        return f"{value:.1f} s"
    return f"{value:.4g}"


def table(result) -> str:
    columns = columns_for(result)
    rows = [["run", *columns]] + [[r.label, *(_cell(c, r.metrics.get(c, math.nan)) for c in columns)]
                                  for r in result.runs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from .runner import run_lesson

    try:
        if args.list or not args.name:
            for lesson in bundled():
                print(f"{lesson.name.split('-', 1)[-1]:28} {lesson.title}")
            return 0
        lesson = find_lesson(args.name)
        if args.answer is not None and not 1 <= args.answer <= len(lesson.choices):
            raise LessonError(f"--answer must be a choice's number, 1 to {len(lesson.choices)}")
        if not args.json:
            print(f"{lesson.title}\n\n{lesson.question}")
            for i, choice in enumerate(lesson.choices, start=1):
                print(f"  {i}. {choice}")
            print()
        result = run_lesson(lesson, progress=None if args.json else _progress)
    except LessonError as exc:
        print(f"designer lesson: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(_as_json(result, args.answer), indent=2, default=str))
    else:
        _print(result, args.answer)
    return 0 if result.effect_shown else 1


def _progress(done: int, total: int, text: str) -> None:
    if done < total:
        print(f"[{done + 1}/{total}] {text}…", file=sys.stderr, flush=True)


def _print(result, answer: int | None) -> None:
    lesson = result.lesson
    if result.runs:
        print(table(result))
    if result.conv is not None:
        print(f"convolution: {result.conv.rule}; top-left value {result.conv.first:g}")
    print()
    for check, ok, value in result.checks:
        print(f"{'✓' if ok else '✗'} {check}" + ("" if ok or value in ("False", "True") else f"  ({value})"))
    right = lesson.choices[lesson.answer]
    shown = "The runs show it" if result.effect_shown else "This time the runs did not show it"
    print(f"\nAnswer: {right}. {shown} ({result.seconds:.1f} s).")
    if answer is not None:
        verdict = "right" if answer - 1 == lesson.answer else "not what the runs show"
        print(f"Your prediction: {lesson.choices[answer - 1]} — {verdict}.")
    if lesson.explanation:
        print(f"\n{lesson.explanation}")


def _as_json(result, answer: int | None) -> dict:
    def clean(v):
        return None if isinstance(v, float) and not math.isfinite(v) else v

    return {"lesson": result.lesson.name, "title": result.lesson.title,
            "effect_shown": result.effect_shown, "seconds": result.seconds,
            "answer": result.lesson.answer, "prediction": None if answer is None else answer - 1,
            "runs": [{"name": r.name, "label": r.label, "metrics": {k: clean(v) for k, v in r.metrics.items()},
                      "history": r.history} for r in result.runs],
            "conv": None if result.conv is None else result.conv.__dict__,
            "checks": [{"check": c, "passed": ok, "value": v} for c, ok, v in result.checks]}
