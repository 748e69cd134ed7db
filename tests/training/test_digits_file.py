"""The digits are read from scikit-learn's data file without importing scikit-learn, and
equal what load_digits returns."""

import subprocess
import sys

import numpy as np
import pytest

from designer.training.data.digits_file import digits_file, load_digits_arrays, parse_digits


def test_parse_digits_reads_65_values_per_line():
    images, targets = parse_digits(b"0," * 64 + b"7\n" + b"16," * 64 + b"3\n")
    assert images.shape == (2, 8, 8) and images[1, 7, 7] == 16
    assert targets.tolist() == [7, 3]


def test_parse_digits_refuses_a_ragged_file():
    with pytest.raises(ValueError, match="65 values"):
        parse_digits(b"1,2,3\n")


def test_the_file_equals_load_digits():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits

    assert digits_file() is not None
    images, targets = load_digits_arrays()
    bunch = load_digits()
    np.testing.assert_array_equal(images, bunch.images)
    np.testing.assert_array_equal(targets, bunch.target)


def test_loading_the_digits_does_not_import_sklearn():
    code = ("import sys; from designer.training.data.digits_file import load_digits_arrays; "
            "x, y = load_digits_arrays(); assert x.shape == (1797, 8, 8), x.shape; "
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
