"""Lessons: the lecture's experiments as guided runs (predict, run, reveal, explain).

A lesson is a Markdown file with a small TOML front-matter (``format``); the bundled ones
live in the ``lessons/`` folder shipped with the package (``lessons_dir``), and teachers
write their own anywhere. ``runner.run_lesson`` trains its runs and evaluates the checks
that state its effect; ``cli`` prints the result as a table (``designer lesson NAME``);
``designer.gui.lessons`` is the Lessons panel.
"""

from __future__ import annotations

from pathlib import Path

from .format import Lesson, LessonError, load_lesson, parse_lesson


def lessons_dir() -> Path:
    """The folder of bundled lesson files, installed (designer._lessons) or in the source tree."""
    try:
        import designer._lessons as package

        return Path(next(iter(package.__path__)))
    except (ImportError, StopIteration):
        return Path(__file__).resolve().parent.parent.parent / "lessons"


def bundled() -> list[Lesson]:
    """The bundled lessons, in file-name order (the files are numbered)."""
    return [load_lesson(p) for p in sorted(lessons_dir().glob("*.md"))]


def find_lesson(name: str) -> Lesson:
    """A bundled lesson by name (file stem, with or without its number) or a lesson file path."""
    path = Path(name)
    if path.suffix == ".md" and path.is_file():
        return load_lesson(path)
    for candidate in sorted(lessons_dir().glob("*.md")):
        stem = candidate.stem
        if name in (stem, stem.split("-", 1)[-1]):
            return load_lesson(candidate)
    names = ", ".join(p.stem.split("-", 1)[-1] for p in sorted(lessons_dir().glob("*.md")))
    raise LessonError(f"no lesson named {name!r}; the bundled lessons are: {names}")


__all__ = ["Lesson", "LessonError", "bundled", "find_lesson", "lessons_dir", "load_lesson", "parse_lesson"]
