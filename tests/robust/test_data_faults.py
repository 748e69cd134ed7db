"""Broken datasets: a clear message naming the file and line, or the bad files skipped with
a count; never a traceback or an "unexpected error". The command line and the window's
training job (the generator its worker runs) both say so."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from designer.cli import main
from designer.core.builder import DesignBuilder
from designer.core.serialize import save


def cnn(classes=2):
    b = DesignBuilder("tiny")
    x = b.input([3, 8, 8])
    x = b.conv2d(x, 4, 3, padding=1, id="conv1")
    x = b.flatten(x, id="flatten")
    x = b.linear(x, classes, id="fc")
    b.output(x)
    return b.build()


def vector_mlp(features=2, classes=2):
    b = DesignBuilder("mlp")
    x = b.input([features])
    x = b.linear(x, classes, id="fc")
    b.output(x)
    return b.build()


def image_folder(root, classes=("cat", "dog"), per_class=6):
    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width``×``height`` pixels (and holds none): a decompression bomb."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def train(tmp_path, graph, dataset, path, *extra):
    design = tmp_path / "design.json"
    save(graph, design)
    return main(["train", str(design), "--dataset", dataset, "--data-path", str(path),
                 "--epochs", "1", "--batch-size", "4", "--device", "cpu", "--json", "-q", *extra])


def clean(err: str) -> None:
    assert "Traceback" not in err and "unexpected error" not in err


# --------------------------------------------------------------------------- image folders
@pytest.mark.parametrize("damage", ["corrupt_jpeg", "zero_bytes", "not_an_image", "bomb"])
def test_broken_images_are_skipped_with_a_count(tmp_path, capsys, damage):
    root = image_folder(tmp_path / "images")
    bad = root / "cat" / "bad.jpg"
    if damage == "corrupt_jpeg":
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(bad)
        bad.write_bytes(bad.read_bytes()[:40])  # truncated
    elif damage == "zero_bytes":
        bad.write_bytes(b"")
    elif damage == "not_an_image":
        bad.write_text("hello, I am a text file\n")
    else:  # a PNG header claiming 30000×30000 pixels
        bad = bad.with_suffix(".png")
        bad.write_bytes(png_header(30000, 30000))
    assert train(tmp_path, cnn(), "imagefolder", root) == 0
    out = capsys.readouterr()
    clean(out.err)
    notes = " ".join(json.loads(out.out)["notes"])
    assert "skipped 1 of 13 images" in notes and bad.name in notes
    if damage == "bomb":
        assert "decompression bomb" in notes


def test_an_empty_or_missing_image_folder_is_explained(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "no_images" / "cat").mkdir(parents=True)
    assert train(tmp_path, cnn(), "imagefolder", tmp_path / "empty") == 2
    assert train(tmp_path, cnn(), "imagefolder", tmp_path / "no_images") == 2
    assert train(tmp_path, cnn(), "imagefolder", tmp_path / "missing") == 2
    err = capsys.readouterr().err
    clean(err)
    assert err.count("designer train:") == 3 and "sub-folder" in err


def test_a_one_class_dataset_is_refused(tmp_path, capsys):
    root = image_folder(tmp_path / "images", classes=("cat",))
    assert train(tmp_path, cnn(classes=1), "imagefolder", root) == 2
    err = capsys.readouterr().err
    clean(err)
    assert "only one class ('cat')" in err


def test_a_folder_of_unreadable_images_is_refused(tmp_path, capsys):
    for name in ("cat", "dog"):
        (tmp_path / "images" / name).mkdir(parents=True)
        (tmp_path / "images" / name / "x.png").write_bytes(b"")
    assert train(tmp_path, cnn(), "imagefolder", tmp_path / "images") == 2
    err = capsys.readouterr().err
    clean(err)
    assert "can be read" in err


# --------------------------------------------------------------------------- CSV tables
CSV_CASES = {
    "missing_value": ("x,y,label\n1,2,a\n3,,b\n5,6,a\n", "line 3, column 'y': '' is empty"),
    "ragged": ("x,y,label\n1,2,a\n3,4\n5,6,a\n", "line 3: 2 values, but the header has 3"),
    "not_numeric": ("x,y,label\n1,2,a\n3,four,b\n5,6,a\n", "line 3, column 'y': 'four' is not a number"),
    "no_label": ("x\n1\n2\n3\n", "has one column ('x')"),
    "empty_label": ("x,y,label\n1,2,a\n3,4,\n5,6,b\n", "line 3: the label ('label') is empty"),
    "infinite": ("x,y,label\n1,2,a\n3,1e400,b\n5,6,a\n", "line 3, column 'y': '1e400' is not a finite"),
    "one_class": ("x,y,label\n1,2,a\n3,4,a\n5,6,a\n", "only one class ('a')"),
    "binary": ("x,y,label\n1,2,a\n\0\xff\xfe,4,b\n", ""),
    "header_only": ("x,y,label\n", "needs a header row and at least two data rows"),
}


@pytest.mark.parametrize("case", CSV_CASES)
def test_broken_csv_tables_name_the_line(tmp_path, capsys, case):
    text, message = CSV_CASES[case]
    table = tmp_path / "table.csv"
    table.write_bytes(text.encode("latin-1") if case == "binary" else text.encode())
    code = train(tmp_path, vector_mlp(), "csv", table, "--adapt")
    err = capsys.readouterr().err
    clean(err)
    assert code in (1, 2) and err.startswith("designer train:")
    assert message in err


def test_a_csv_that_is_a_pipe_or_a_device_is_refused(tmp_path, capsys):
    import os

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert train(tmp_path, vector_mlp(), "csv", fifo) == 2
    assert train(tmp_path, vector_mlp(), "csv", "/dev/zero") == 2
    err = capsys.readouterr().err
    clean(err)
    assert err.count("is not a regular file") == 2


def test_the_window_job_reports_broken_data_as_a_plain_failure(tmp_path):
    from designer.core.serialize import to_dict
    from designer.gui.workers.jobs import training_events
    from designer.training.control import Control
    from designer.training.events import Failed

    table = tmp_path / "table.csv"
    table.write_text(CSV_CASES["not_numeric"][0])
    settings = {"data": {"name": "csv", "options": {"path": str(table)}}, "epochs": 1}
    events = list(training_events(to_dict(vector_mlp()), settings, Control()))
    failed = [e for e in events if isinstance(e, Failed)]
    assert failed and failed[0].kind == "data"
    assert "line 3, column 'y': 'four' is not a number" in failed[0].message


def test_the_window_job_warns_about_skipped_images(tmp_path):
    from designer.core.serialize import to_dict
    from designer.gui.workers.jobs import training_events
    from designer.training.control import Control
    from designer.training.events import Finished, Note

    root = image_folder(tmp_path / "images")
    (root / "dog" / "empty.png").write_bytes(b"")
    settings = {"data": {"name": "imagefolder", "options": {"path": str(root)}}, "epochs": 1,
                "batch_size": 4, "device": "cpu"}
    events = list(training_events(to_dict(cnn()), settings, Control()))
    warnings = [e.text for e in events if isinstance(e, Note) and e.level == "warning"]
    assert any("skipped 1 of 13 images" in w and "empty.png" in w for w in warnings)
    assert isinstance(events[-1], Finished)
