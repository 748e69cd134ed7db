"""The bundled example designs: find them by name ("lenet5") or list them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


def examples_dir() -> Path:
    """The folder of example JSON files, installed (designer._examples) or in the source tree."""
    try:
        import designer._examples as package

        return Path(next(iter(package.__path__)))
    except (ImportError, StopIteration):
        return Path(__file__).resolve().parent.parent / "examples"


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    path: Path


def list_examples() -> list[Example]:
    out = []
    for path in sorted(examples_dir().glob("*.json")):
        try:
            head = json.loads(path.read_text(encoding="utf-8"))
            title, description = head.get("name", path.stem), head.get("description", "")
        except (OSError, ValueError):
            continue
        out.append(Example(path.stem, title, description, path))
    return out


def find(name_or_path: str) -> Path:
    """A path as given if it exists, else the example of that name ("vgg16", "vgg16.json")."""
    path = Path(name_or_path)
    if path.exists():
        return path
    candidate = examples_dir() / (path.name if path.suffix == ".json" else f"{path.name}.json")
    return candidate if candidate.exists() and not path.parent.name else path
