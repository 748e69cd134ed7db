"""Fuzzing the design file reader and the headless commands (hypothesis, in-process).

Valid design files are mutated (keys dropped, duplicated, retyped; huge, negative and
non-finite numbers; strings for numbers; deep nesting; truncation; random bytes), and
`designer validate`, `summary` and `export -f python` must answer every one with exit 0,
1 or 2 and, when not 0, a plain message on stderr — never an exception or a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from designer import cli
from designer.cli import main
from designer.zoo import find

EXAMPLES = ["lenet5", "digits_cnn", "tiny_vgg"]
SOURCES = {name: find(name).read_bytes() for name in EXAMPLES}
FOLDER = Path(tempfile.mkdtemp(prefix="designer-fuzz-"))
NEST = "<deeply nested lists>"

json_scalars = st.one_of(
    st.none(), st.booleans(), st.text(max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**63, -(2**63), 10**12, 1e308, -1e308, 1e-320, 0.5]),
    st.floats(allow_nan=False, allow_infinity=False),
)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)


def _containers(data, path=()):
    """Every (path, container) in the parsed JSON."""
    yield path, data
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in children:
        if isinstance(value, (dict, list)):
            yield from _containers(value, (*path, key))


def _get(data, path):
    for key in path:
        data = data[key]
    return data


@st.composite
def structural(draw, data):
    """The parsed design with one to three structural mutations, serialised again."""
    for _ in range(draw(st.integers(1, 3))):
        places = list(_containers(data))
        path, box = draw(st.sampled_from(places))
        keys = list(box) if isinstance(box, dict) else list(range(len(box)))
        op = draw(st.sampled_from(["drop", "retype", "duplicate", "nest", "number", "string"]))
        if not keys:
            op = "retype"
            keys = [None]
        key = draw(st.sampled_from(keys))
        if op == "drop" and key is not None:
            del box[key]
        elif op == "duplicate" and key is not None:
            if isinstance(box, list):
                box.insert(key, json.loads(json.dumps(box[key])))
            else:
                box[f"{key}"] = box[key]
        elif op == "nest" and key is not None:
            box[key] = NEST  # replaced in the text: deep lists would overflow json.dumps too
        elif op == "number" and key is not None:
            box[key] = draw(st.sampled_from([-1, 0, 2**62, -(2**40), 10**30, 1e300, -0.5, 3.7]))
        elif op == "string" and key is not None:
            box[key] = draw(st.sampled_from(["3", "", "NaN", "x" * 300, "\u0000", "1e999"]))
        elif key is not None:
            box[key] = draw(json_values)
        else:
            if isinstance(box, list):
                box.append(draw(json_values))
            else:
                box[draw(st.text(max_size=6))] = draw(json_values)
    text = json.dumps(data, ensure_ascii=False)
    depth = draw(st.sampled_from([2, 40, 600, 100_000]))
    text = text.replace(json.dumps(NEST), "[" * depth + "1" + "]" * depth)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def textual(draw, raw: bytes):
    """The file's bytes truncated, spliced with random bytes, or with a byte flipped."""
    op = draw(st.sampled_from(["truncate", "insert", "flip", "replace_number"]))
    at = draw(st.integers(0, len(raw)))
    if op == "truncate":
        return raw[:at]
    if op == "insert":
        return raw[:at] + draw(st.binary(min_size=1, max_size=16)) + raw[at:]
    if op == "flip" and raw:
        i = min(at, len(raw) - 1)
        return raw[:i] + bytes([raw[i] ^ draw(st.integers(1, 255))]) + raw[i + 1:]
    return raw.replace(b"5", draw(st.sampled_from([b"-5", b"5e30", b"99999999999999999999", b"5.5"])), 1)


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(EXAMPLES))
    raw = SOURCES[name]
    if draw(st.booleans()):
        return draw(structural(json.loads(raw)))
    return draw(textual(raw))


def run(argv):
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(argv)
    return code, err.getvalue(), out.getvalue()


@pytest.mark.slow
def test_mutated_design_files_get_a_clean_answer():
    parser = cli.build_parser()  # argparse setup is most of a call's time: build it once
    with mock.patch.object(cli, "build_parser", lambda only=None: parser):
        check_mutated_design_files()


@settings(max_examples=1000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(content=mutated(), command=st.sampled_from(["validate", "summary", "validate", "summary", "export"]))
def check_mutated_design_files(content, command):
    path = FOLDER / "fuzzed.json"
    path.write_bytes(content)
    argv = [command, str(path)]
    if command == "export":
        argv += ["-f", "python", "-o", str(FOLDER / "fuzzed.py")]
    code, err, out = run(argv)
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err + out
    if code == 2:  # unreadable: one plain sentence
        assert err.startswith(f"designer {command}: ") and err.count("\n") == 1, err
    elif code == 1:  # invalid: the issues (validate, export) or the table with them (summary)
        assert (err + out).strip()
