"""Strings from a design file never become code: every generator escapes them.

A design whose name, description, node ids and dataset options hold quotes, triple quotes,
backslashes, newlines, comments, non-ASCII and code is exported in every format; each
generated Python file must parse, run, and never execute the payload (a marker file)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import pytest

from designer.cli import main

MARKER = "INJECTED_MARKER"
PAYLOADS = [
    f'Evil"""\nimport os; os.system("touch {MARKER}")\n"""',
    f"Evil'''\nimport os; open('{MARKER}', 'w')\n'''",
    f'ends with a quote"',
    "back\\slash \\N{x} \\u12 trailing\\",
    f'# comment\n__import__("os").system("touch {MARKER}")  #',
    "Grüße — 数字 \u2028 line\u2029sep \x00 nul \r cr \x0b vt",
    f'"); open("{MARKER}", "w"); ("',
]


def _design(payload: str) -> dict:
    # Ids refuse control characters; everything else of the payload stays in them.
    plain = "".join(c if ord(c) >= 32 else " " for c in payload)
    ids = [f"{kind} {plain}"[:200] for kind in ("in", "flat", "fc", "out")]
    types = ["Input", "Flatten", "Linear", "Output"]
    params = [{"shape": [1, 8, 8]}, {}, {"out_features": 10}, {}]
    return {
        "format": "designer.network", "version": 1,
        "name": payload, "description": f"{payload}\n\n{payload}",
        "nodes": [{"id": i, "type": t, "params": p, "position": [0, 100 * n]}
                  for n, (i, t, p) in enumerate(zip(ids, types, params))],
        "edges": [{"from": a, "to": b} for a, b in zip(ids, ids[1:])],
        "training": {"epochs": 1, "data": {"name": "digits", "options": {"note": payload}}},
    }


def _write(tmp_path, payload: str):
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(_design(payload)), encoding="utf-8")
    return path


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"payload{i}" for i in range(len(PAYLOADS))])
def test_each_payload_gives_source_that_parses(payload, tmp_path):
    design = _write(tmp_path, payload)
    for fmt in ("python", "train-script"):
        out = tmp_path / f"{fmt}.py"
        assert main(["export", str(design), "-f", fmt, "-o", str(out)]) == 0
        tree = ast.parse(out.read_text(encoding="utf-8"))
        doc = ast.get_docstring(tree, clean=False)
        assert doc is not None and payload[:4] in doc
        # Nothing but the docstring, imports, classes, functions, CONFIG and the main guard.
        kinds = {type(node).__name__ for node in tree.body[1:]}
        assert kinds <= {"Import", "ImportFrom", "ClassDef", "FunctionDef", "Assign", "If"}, kinds


def _run_python(path, cwd, *args):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, path.name, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_generated_files_run_and_never_execute_design_strings(tmp_path):
    design = _write(tmp_path, "".join(PAYLOADS))
    assert main(["validate", str(design)]) == 0
    out = tmp_path / "out"
    out.mkdir()
    module = out / "model.py"
    script = out / "train.py"
    assert main(["export", str(design), "-f", "python", "-o", str(module)]) == 0
    assert main(["export", str(design), "-f", "train-script", "-o", str(script)]) == 0
    for path in (module, script):
        ast.parse(path.read_text(encoding="utf-8"))
    done = _run_python(module, out)
    assert done.returncode == 0, done.stderr
    done = _run_python(script, out, "--epochs", "1", "--checkpoint", "ck.pt")
    assert done.returncode == 0, done.stderr
    for fmt, name in (("onnx", "m.onnx"), ("torchscript", "m.ts"), ("weights", "m.pt"),
                      ("safetensors", "m.safetensors")):
        assert main(["export", str(design), "-f", fmt, "-o", str(out / name)]) == 0, fmt
    assert not (out / MARKER).exists() and not (tmp_path / MARKER).exists()
    assert not any(p.name == MARKER for p in tmp_path.rglob("*"))
