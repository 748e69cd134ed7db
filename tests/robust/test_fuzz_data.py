"""Fuzzing the dataset loaders (hypothesis): random CSV tables and image folders holding
random bytes either load or raise DatasetError with a message, never anything else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from designer.training import DataConfig
from designer.training.data import DatasetError, load_dataset

FOLDER = Path(tempfile.mkdtemp(prefix="designer-fuzz-data-"))
cells = st.one_of(st.sampled_from(["", "1", "-2.5", "nan", "inf", "1e400", "a", "b", " ", '"x,y"',
                                   "0x10", "１", "\u0000"]),
                  st.text(max_size=5), st.integers(-10**6, 10**6).map(str))
rows = st.lists(st.lists(cells, min_size=0, max_size=5), min_size=0, max_size=8)
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x08\x00\x00\x00\x08\x08\x02\x00\x00\x00"
       b"K\x6d\x29\xdc\x00\x00\x00\x0fIDAT\x08\xd7c\xf8\xcf\x80\x0f0\x8c\x0c\x00\x00\x8d\x01\xfe"
       b"\xa7\x9a\x0f\x8e\x00\x00\x00\x00IEND\xaeB`\x82")


def _table(header: list[str], body: list[list[str]]) -> str:
    return "\n".join(",".join(row) for row in [header, *body]) + "\n"


@pytest.mark.slow
@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(header=st.lists(st.sampled_from(["x", "y", "label", "", "x"]), min_size=0, max_size=4),
       body=rows, raw=st.booleans(), junk=st.binary(max_size=40))
def test_random_csv_tables_load_or_explain(header, body, raw, junk):
    path = FOLDER / "table.csv"
    path.write_bytes(junk if raw else _table(header, body).encode("utf-8", "surrogatepass"))
    try:
        bundle = load_dataset(DataConfig("csv", {"path": str(path)}))
    except DatasetError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return
    assert len(bundle.train_y) + len(bundle.val_y) >= 2


@pytest.mark.slow
@settings(max_examples=120, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(st.tuples(st.sampled_from(["cat", "dog"]),
                                st.sampled_from([".png", ".jpg", ".bmp"]),
                                st.one_of(st.binary(max_size=64), st.just(PNG),
                                          st.binary(max_size=16).map(lambda b: PNG[:30] + b))),
                      min_size=0, max_size=6))
def test_image_folders_of_random_bytes_load_or_explain(files):
    root = Path(tempfile.mkdtemp(dir=FOLDER))
    for i, (cls, suffix, data) in enumerate(files):
        (root / cls).mkdir(exist_ok=True)
        (root / cls / f"{i}{suffix}").write_bytes(data)
    try:
        bundle = load_dataset(DataConfig("imagefolder", {"path": str(root)}))
    except DatasetError as exc:
        assert str(exc)
        return
    assert len(bundle.train_y) + len(bundle.val_y) >= 1
