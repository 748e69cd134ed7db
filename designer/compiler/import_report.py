"""How a refused import is told: each operation without an exact equivalent is located at
the model's own source line (not inside torch), and the message groups them, one line per
distinct cause with a count and the modules where it happens, so that it stays readable in a
terminal however large the model is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

#: Lines and line length of a refusal: enough for every distinct cause of real models.
MAX_CAUSES = 15
MAX_LINE = 240
_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep


@dataclass(frozen=True)
class UnsupportedOp:
    """One operation with no exact Designer equivalent: what it is, where, and why."""

    what: str
    where: str
    why: str
    #: The module whose forward() runs it ("" = the model), its kind, and the source line.
    scope: str = ""
    kind: str = ""
    line: str = ""

    def __str__(self) -> str:
        return f"{self.what} {self.where}: {self.why}" if self.where else f"{self.what}: {self.why}"


def user_line(stack_trace: str | None) -> str:
    """The innermost source line of a traced call outside torch itself, e.g.
    "torchvision/models/resnet.py:102 (out = self.relu(out))"."""
    if not stack_trace:
        return ""
    lines = stack_trace.strip().splitlines()
    found = ""
    for i, line in enumerate(lines):
        text = line.strip()
        if not text.startswith("File "):
            continue
        path = text.split('"')[1] if '"' in text else ""
        if os.path.abspath(path).startswith(_TORCH_DIR) or "/torch/" in path.replace(os.sep, "/"):
            continue  # torch/overrides.py, torch/nn/functional.py, torch/fx/...: not the model
        number = text.split(", line ")[-1].split(",")[0]
        code = lines[i + 1].strip() if i + 1 < len(lines) else ""
        short = path.split("site-packages/")[-1]
        found = f"{short}:{number} ({code})" if code else f"{short}:{number}"
    return found


def refusal(model: str, ops: list[UnsupportedOp]) -> str:
    """The whole message: a summary line, then one line per distinct cause."""
    groups: dict[tuple, list[UnsupportedOp]] = {}
    for op in ops:
        groups.setdefault((op.what if op.line or not op.scope else _kind_what(op), op.kind,
                           op.line, op.why), []).append(op)
    modules = {op.scope for op in ops if op.scope}
    where = f" in {len(modules)} module(s)" if modules else ""
    head = (f"{model} cannot be imported: {len(ops)} operation(s){where} have no exact Designer "
            f"equivalent ({len(groups)} distinct cause(s)):")
    lines = [head]
    for (what, kind, line, why), members in list(groups.items())[:MAX_CAUSES]:
        lines.append(_clip(_cause(what, kind, line, why, members)))
    if len(groups) > MAX_CAUSES:
        rest = sum(len(m) for m in list(groups.values())[MAX_CAUSES:])
        lines.append(f"  … and {len(groups) - MAX_CAUSES} more cause(s) ({rest} operation(s))")
    return "\n".join(lines)


def _kind_what(op: UnsupportedOp) -> str:
    """A module call's "what" without its path (the path is listed with the others)."""
    return op.what.split(" '")[0]


def _cause(what: str, kind: str, line: str, why: str, members: list[UnsupportedOp]) -> str:
    count = f" ×{len(members)}" if len(members) > 1 else ""
    paths = list(dict.fromkeys(op.scope for op in members if op.scope))
    where = ""
    if paths:
        shown = ", ".join(f"'{p}'" for p in paths[:3])
        more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
        where = f" in {kind + ' ' if kind else ''}{shown}{more}"
    elif not line:
        where = " in the model's forward()"
    at = f" at {line}" if line else ""
    return f"  - {what}{count}{where}{at}: {why}"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"
