"""Lessons: the file format, the checks, the command line, and every bundled lesson's effect."""

from __future__ import annotations

import re

import pytest

from designer.analysis import analyze
from designer.lessons import LessonError, bundled, find_lesson, lessons_dir, parse_lesson
from designer.lessons.checks import CheckError, evaluate
from designer.lessons.format import chain_graph

MINIMAL = """+++
title = "t"
question = "q?"
choices = ["a", "b"]
answer = 1
checks = ["A.params > 0"]
[[runs]]
name = "A"
layers = ["Input 2", "Linear 2", "Output"]
train = false
+++
Intro.

## Explanation
Why.
"""


def test_every_bundled_lesson_parses_and_its_designs_are_valid():
    lessons = bundled()
    assert len(lessons) == 10
    for lesson in lessons:
        assert lesson.explanation and lesson.checks, lesson.name
        for run in lesson.runs:
            if run.layers:
                assert analyze(chain_graph(run.label, run.layers)).valid, (lesson.name, run.name)


def test_a_lesson_file_has_text_question_runs_and_explanation():
    lesson = parse_lesson(MINIMAL, "mini")
    assert (lesson.text, lesson.explanation, lesson.answer) == ("Intro.", "Why.", 1)
    assert lesson.runs[0].train is False


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace("+++\ntitle", "title", 1), "starts with a '+++' line"),
    (lambda t: t.replace("answer = 1", "answer = 5"), "answer must be the index"),
    (lambda t: t.replace('["A.params > 0"]', '["__import__(\'os\')"]'), "calls something other"),
    (lambda t: t.replace('name = "A"', 'name = "a b"'), "needs a name"),
    (lambda t: t.replace('choices = ["a", "b"]', 'choices = ["a"]'), "at least two choices"),
    (lambda t: t.replace("answer = 1\n", "answer = 1\nbroken = [\n"), "not valid TOML"),
])
def test_bad_lesson_files_say_what_to_fix(change, message):
    with pytest.raises(LessonError, match=re.escape(message)):
        parse_lesson(change(MINIMAL), "bad")


def test_checks_only_do_arithmetic_on_metrics():
    class Run:
        val_accuracy = 0.8

    assert evaluate("abs(A.val_accuracy - 0.9) < 0.2 and max(1, 2) == 2", {"A": Run()}) is True
    for bad in ("A.__class__", "open('x')", "[x for x in ()]", "lambda: 1"):
        with pytest.raises(CheckError):
            evaluate(bad, {"A": Run()})
    with pytest.raises(CheckError, match="not a run"):
        evaluate("B.val_accuracy > 0", {"A": Run()})


def test_lessons_are_found_by_name_and_unknown_names_listed():
    assert find_lesson("dropout").title == "Dropout against overfitting"
    assert lessons_dir().is_dir()
    with pytest.raises(LessonError, match="the bundled lessons are: mlp-vs-cnn"):
        find_lesson("nope")


def test_headless_lesson_prints_a_table_and_the_reveal(capsys):
    from designer.cli import main

    assert main(["lesson", "vgg16-fc-share", "--answer", "2"]) == 0
    out = capsys.readouterr().out
    assert "VGG-16" in out and "138,357,544" in out and "✓ VGG16.fc_params == 123642856" in out
    assert "Your prediction: In the three fully connected layers (fc6–fc8) — right." in out
    assert main(["lesson", "nope"]) == 2


@pytest.mark.slow
@pytest.mark.parametrize("name", [p.stem.split("-", 1)[1] for p in sorted(lessons_dir().glob("*.md"))])
def test_bundled_lesson_shows_its_effect(name):
    from designer.lessons.runner import run_lesson

    result = run_lesson(find_lesson(name))
    assert result.effect_shown, result.checks
