"""Design files: round trip, atomic save, and a clear error (changing nothing) for bad input."""

import json
import os

import pytest

from designer.core import serialize
from designer.core.serialize import DesignFileError
from designer.zoo import find

LENET = find("lenet5")


def base() -> dict:
    return {
        "format": "designer.network",
        "version": 1,
        "name": "t",
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}, "position": [0, 0]},
            {"id": "f", "type": "Flatten", "params": {}, "position": [0, 100]},
            {"id": "out", "type": "Output", "params": {}, "position": [0, 200]},
        ],
        "edges": [{"from": "in", "to": "f"}, {"from": "f", "to": "out"}],
    }


def test_round_trip_is_identical():
    graph = serialize.load(LENET)
    text = serialize.dumps(graph)
    assert serialize.dumps(serialize.loads(text)) == text
    assert text == LENET.read_text(encoding="utf-8")


def test_one_node_per_line():
    text = serialize.dumps(serialize.load(LENET))
    node_lines = [l for l in text.splitlines() if '"type": "' in l]
    assert len(node_lines) == 14
    assert all(l.strip().startswith('{"id"') for l in node_lines)


def test_ports_and_groups_survive():
    data = base()
    data["nodes"].insert(2, {"id": "cat", "type": "Concat", "params": {}, "position": [0, 150]})
    data["edges"] = [
        {"from": "in", "to": "f"},
        {"from": "in", "to": "cat", "port": 0},
        {"from": "in", "to": "cat", "port": 1},
        {"from": "cat", "to": "out"},
    ]
    data["groups"] = [{"id": "g", "name": "Block", "nodes": ["cat"], "kind": "merge", "collapsed": False}]
    graph = serialize.from_dict(data)
    assert [e.port for e in graph.in_edges("cat")] == [0, 1]
    again = serialize.to_dict(serialize.loads(serialize.dumps(graph)))
    assert again["groups"] == data["groups"]
    assert {"from": "in", "to": "cat", "port": 1} in again["edges"]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(format="something.else"), "not a Designer network file"),
        (lambda d: d.update(version=2), "newer Designer"),
        (lambda d: d.update(version=0), "does not exist"),
        (lambda d: d.update(version="1"), "'version' must be a whole number"),
        (lambda d: d.update(colour="red"), "unknown key 'colour' in the top level"),
        (lambda d: d.update(nodes={}), "'nodes' must be a list"),
        (lambda d: d["nodes"].append({"id": "in", "type": "ReLU"}), "'in' is used twice"),
        (lambda d: d["nodes"].append({"type": "ReLU"}), "an id must be a non-empty string"),
        (lambda d: d["nodes"][1].update(size=3), "unknown key 'size' in nodes[1]"),
        (lambda d: d["nodes"][1].update(params=[1]), "'params' must be an object"),
        (lambda d: d["nodes"][1].update(type=5), "'type' must be a layer type name"),
        (lambda d: d["nodes"][1].update(position=[0]), "'position' must be [x, y]"),
        (lambda d: d["nodes"][1].update(position=[0, 1e300]), "'position' must be [x, y]"),
        (lambda d: d["edges"].append({"from": "f", "to": "ghost"}), "there is no node 'ghost'"),
        (lambda d: d["edges"].append({"from": "in", "to": "f"}), "already connected"),
        (lambda d: d["edges"].append({"from": "in"}), "missing 'to'"),
        (lambda d: d["edges"].append({"from": "in", "to": "out", "port": -1}), "'port' must be"),
        (lambda d: d["edges"].append({"from": "f", "to": "f", "port": 3}), "cannot feed itself"),
        (lambda d: d.update(groups=[{"id": "g", "name": "x", "nodes": ["nope"]}]), "'nope', which is not a node"),
        (lambda d: d.update(groups=[{"id": "g", "nodes": [], "parent": "h"}]), "parent 'h' is not a group"),
        (lambda d: d.update(training=[]), "'training' must be an object"),
        (lambda d: d.update(groups=[{"id": "a", "nodes": [], "parent": "b"},
                                    {"id": "b", "nodes": [], "parent": "a"}]), "nest in a loop (a → b → a)"),
        (lambda d: d.update(name=3), "'name' must be a string"),
    ],
)
def test_bad_structure_is_refused_with_a_clear_message(mutate, message):
    data = base()
    mutate(data)
    with pytest.raises(DesignFileError) as info:
        serialize.from_dict(data)
    assert message in str(info.value)


def test_malformed_json_names_line_and_column():
    with pytest.raises(DesignFileError, match=r"line 3, column \d+"):
        serialize.loads('{\n  "format": "designer.network",\n  "version": 1,,\n}')


def test_nan_is_not_json():
    text = json.dumps(base()).replace('"position": [0, 0]', '"position": [NaN, 0]')
    with pytest.raises(DesignFileError, match="NaN is not allowed"):
        serialize.loads(text)


def test_absurd_sizes_load_but_are_reported_by_analysis():
    from designer.analysis import analyze

    data = base()
    data["nodes"][0]["params"]["shape"] = [3, 10**9, 10**9]
    graph = serialize.from_dict(data)
    issues = analyze(graph).errors
    assert [i.code for i in issues] == ["bad-param"]
    assert "absurdly large" in issues[0].message


def test_unknown_layer_type_loads_and_is_reported():
    from designer.analysis import analyze

    data = base()
    data["nodes"][1]["type"] = "Conv5d"
    issues = analyze(serialize.from_dict(data)).errors
    assert issues[0].code == "unknown-type" and "Conv5d" in issues[0].message


def test_unreadable_files(tmp_path):
    with pytest.raises(DesignFileError, match="no such file"):
        serialize.load(tmp_path / "missing.json")
    with pytest.raises(DesignFileError, match="is a folder"):
        serialize.load(tmp_path)
    binary = tmp_path / "x.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DesignFileError, match="not UTF-8"):
        serialize.load(binary)
    array = tmp_path / "a.json"
    array.write_text("[1, 2]")
    with pytest.raises(DesignFileError, match=r"a\.json: a design file holds a JSON object"):
        serialize.load(array)


def test_save_is_atomic_and_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    graph = serialize.load(LENET)
    serialize.save(graph, path)
    before = path.read_bytes()
    graph.name = "changed"

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        serialize.save(graph, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["net.json"]  # no temp file left behind


def test_save_writes_through_rename(tmp_path):
    path = tmp_path / "net.json"
    serialize.save(serialize.load(LENET), path)
    assert serialize.load(path).name == "LeNet-5"


def test_save_keeps_normal_permissions(tmp_path):
    path = tmp_path / "net.json"
    serialize.save(serialize.load(LENET), path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    path.chmod(0o640)
    serialize.save(serialize.load(LENET), path)
    assert path.stat().st_mode & 0o777 == 0o640
