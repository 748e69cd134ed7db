"""The convolution explorer's arithmetic reproduces the lecture's worked example."""

import numpy as np
import pytest

from designer.analysis import conv_explorer as cx

VERTICAL = cx.PRESETS["vertical edge"]


def _direct(image, kernel, padding, stride):
    """A plain double loop: the definition of (cross-)correlation, as an oracle."""
    padded = np.pad(image, padding)
    k = kernel.shape[0]
    n = (image.shape[0] + 2 * padding - k) // stride + 1
    return np.array([[np.sum(padded[r * stride:r * stride + k, c * stride:c * stride + k] * kernel)
                      for c in range(n)] for r in range(n)])


def test_lecture_example_gives_the_4x4_result_with_first_row_minus5_minus4_0_8():
    out = cx.convolve2d(cx.LECTURE_IMAGE, VERTICAL)
    assert out.shape == (4, 4)
    assert out[0].tolist() == [-5, -4, 0, 8]
    assert out.tolist() == [[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]]


def test_padding_1_keeps_the_size_6x6():
    out = cx.convolve2d(cx.LECTURE_IMAGE, VERTICAL, padding=1)
    assert out.shape == (6, 6)
    assert out[1:5, 1:5].tolist() == cx.convolve2d(cx.LECTURE_IMAGE, VERTICAL).tolist()
    assert np.array_equal(out, _direct(cx.LECTURE_IMAGE, VERTICAL, 1, 1))


def test_stride_2_gives_3x3_with_padding_1():
    out = cx.convolve2d(cx.LECTURE_IMAGE, VERTICAL, padding=1, stride=2)
    assert out.shape == (3, 3)
    assert np.array_equal(out, _direct(cx.LECTURE_IMAGE, VERTICAL, 1, 2))
    assert cx.convolve2d(cx.LECTURE_IMAGE, VERTICAL, stride=2).shape == (2, 2)


@pytest.mark.parametrize("n,k,p,s,expected", [(6, 3, 0, 1, 4), (6, 3, 1, 1, 6), (6, 3, 1, 2, 3),
                                              (32, 5, 0, 1, 28), (224, 7, 3, 2, 112)])
def test_output_size_formula(n, k, p, s, expected):
    assert cx.output_size(n, k, p, s) == expected
    assert cx.formula_text(n, k, p, s) == f"⌊({n} + 2·{p} − {k}) / {s}⌋ + 1 = {expected}"


def test_steps_walk_the_window_in_reading_order_with_their_sums():
    steps = cx.steps(cx.LECTURE_IMAGE, VERTICAL)
    assert len(steps) == 16
    first = steps[0]
    assert (first.top, first.left, first.value) == (0, 0, -5)
    assert first.products_text(VERTICAL) == ("3·1 + 0·0 + 1·(−1) + 1·1 + 5·0 + 8·(−1) + "
                                             "2·1 + 7·0 + 2·(−1) = −5")
    assert [(s.out_row, s.out_col) for s in steps[:5]] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0)]
    strided = cx.steps(cx.LECTURE_IMAGE, VERTICAL, padding=1, stride=2)
    assert [(s.top, s.left) for s in strided[:3]] == [(0, 0), (0, 2), (0, 4)]


def test_presets_are_the_classical_kernels():
    assert cx.PRESETS["horizontal edge"].tolist() == [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]
    assert cx.PRESETS["laplacian"].sum() == 0 and cx.PRESETS["sharpen"].sum() == 1
    assert cx.PRESETS["box blur"].sum() == pytest.approx(1.0)
    image = np.random.default_rng(0).random((9, 9))
    assert np.allclose(cx.apply_kernel(image, cx.PRESETS["identity"]), image)
    assert cx.apply_kernel(np.ones((3, 9, 9)), cx.PRESETS["box blur"]).shape == (9, 9)


def test_sizes_that_give_no_output_are_refused_with_a_reason():
    with pytest.raises(cx.ConvError, match="larger than the padded input"):
        cx.convolve2d(np.ones((2, 2)), np.ones((3, 3)))
    with pytest.raises(cx.ConvError, match="stride must be 1 or more"):
        cx.output_size(6, 3, 0, 0)
    with pytest.raises(cx.ConvError, match="2-D matrix"):
        cx.convolve2d(np.ones(4), VERTICAL)
