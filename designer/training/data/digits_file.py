"""The 1,797 8×8 handwritten digits, read straight from the file scikit-learn ships.

``sklearn.datasets.load_digits`` costs seconds on a cold start (it imports SciPy and most of
scikit-learn) to read one 50 kB CSV file. This finds that file from the package's location
without importing the package, and parses it with numpy; if the file is not where it
should be (another scikit-learn layout), it falls back to ``load_digits``.
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

SAMPLES, SIDE = 1797, 8


def digits_file() -> Path | None:
    """scikit-learn's digits.csv.gz, found without importing scikit-learn (None if absent)."""
    spec = importlib.util.find_spec("sklearn")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            return path
    return None


def parse_digits(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(images [N, 8, 8] float64 in 0..16, targets int64) from the CSV text: 64 pixel values
    and the digit on each line."""
    values = np.array(raw.replace(b"\n", b",").split(b",")[: -1 if raw.endswith(b"\n") else None],
                      dtype=np.float64)
    if values.size % (SIDE * SIDE + 1):
        raise ValueError("the digits file does not hold 65 values per line")
    table = values.reshape(-1, SIDE * SIDE + 1)
    return table[:, :-1].reshape(-1, SIDE, SIDE), table[:, -1].astype(np.int64)


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(images [1797, 8, 8] float64 in 0..16, targets [1797] int64), as load_digits gives."""
    path = digits_file()
    if path is not None:
        try:
            images, targets = parse_digits(gzip.decompress(path.read_bytes()))
            if len(images) == SAMPLES:
                return images, targets
        except (OSError, ValueError, EOFError):
            pass
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.images, bunch.target.astype(np.int64)
