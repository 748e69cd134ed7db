"""The convolution explorer's arithmetic: the lecture's sliding-window sums, made inspectable.

Pure numpy (no torch, no Qt): the GUI's explorer and the "convolutions vs image processing"
panel call these functions, and the tests hold them to the lecture's numbers. As in deep
learning frameworks, "convolution" here is cross-correlation: the kernel is not flipped, so the
vertical-edge kernel [[1, 0, -1]] x 3 rows gives -5 at the top left of the lecture's example.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The 6x6 image of the lecture's worked example.
LECTURE_IMAGE = np.array([[3, 0, 1, 2, 7, 4],
                          [1, 5, 8, 9, 3, 1],
                          [2, 7, 2, 5, 1, 3],
                          [0, 1, 3, 1, 7, 8],
                          [4, 2, 1, 6, 2, 8],
                          [2, 4, 5, 2, 3, 9]], dtype=float)

#: Classical 3x3 kernels, in the order the explorer's preset menu lists them.
PRESETS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "vertical edge": np.array([[1, 0, -1]] * 3, dtype=float),
    "horizontal edge": np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], dtype=float),
    "laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "box blur": np.full((3, 3), 1 / 9),
}


class ConvError(ValueError):
    """Sizes that give no output (kernel larger than the padded input, stride < 1, ...)."""


def output_size(n: int, k: int, padding: int = 0, stride: int = 1) -> int:
    """Output length along one axis: floor((n + 2p - k) / s) + 1."""
    _check_sizes(n, k, padding, stride)
    return (n + 2 * padding - k) // stride + 1


def formula_text(n: int, k: int, padding: int = 0, stride: int = 1) -> str:
    """The output-size formula with the numbers filled in, e.g. "⌊(6 + 2·1 − 3) / 1⌋ + 1 = 6"."""
    out = output_size(n, k, padding, stride)
    return f"⌊({n} + 2·{padding} − {k}) / {stride}⌋ + 1 = {out}"


def _check_sizes(n: int, k: int, padding: int, stride: int) -> None:
    if stride < 1:
        raise ConvError(f"the stride must be 1 or more, got {stride}")
    if padding < 0:
        raise ConvError(f"the padding must be 0 or more, got {padding}")
    if k < 1 or n < 1:
        raise ConvError(f"the input and kernel need at least one cell, got input {n}, kernel {k}")
    if n + 2 * padding < k:
        raise ConvError(f"the kernel ({k}) is larger than the padded input ({n} + 2·{padding} = "
                        f"{n + 2 * padding}): add padding or use a smaller kernel")


def pad(image: np.ndarray, padding: int) -> np.ndarray:
    """``image`` (H, W) with ``padding`` rows/columns of zeros on every side."""
    return np.pad(np.asarray(image, dtype=float), padding) if padding else np.asarray(image, float)


def convolve2d(image: np.ndarray, kernel: np.ndarray, padding: int = 0, stride: int = 1) -> np.ndarray:
    """Cross-correlate a 2-D ``image`` with a 2-D ``kernel`` (zero padding, equal strides)."""
    image, kernel = _as_2d(image, "image"), _as_2d(kernel, "kernel")
    out_h = output_size(image.shape[0], kernel.shape[0], padding, stride)
    out_w = output_size(image.shape[1], kernel.shape[1], padding, stride)
    windows = np.lib.stride_tricks.sliding_window_view(pad(image, padding), kernel.shape)
    windows = windows[::stride, ::stride][:out_h, :out_w]
    return np.einsum("ijkl,kl->ij", windows, kernel)


def _as_2d(array, what: str) -> np.ndarray:
    values = np.asarray(array, dtype=float)
    if values.ndim != 2:
        raise ConvError(f"the {what} must be a 2-D matrix, got shape {list(values.shape)}")
    return values


@dataclass(frozen=True)
class Step:
    """One position of the sliding window: where it is and how its output cell is computed."""

    out_row: int
    out_col: int
    top: int  # window position in the padded input
    left: int
    window: np.ndarray
    value: float

    def products_text(self, kernel: np.ndarray) -> str:
        """"3·1 + 0·0 + 1·(−1) + … = −5": every product of the window with the kernel."""
        terms = [f"{number_text(a)}·{_paren(number_text(b))}" for a, b in zip(self.window.ravel(), np.ravel(kernel))]
        return " + ".join(terms) + f" = {number_text(self.value)}"


def steps(image: np.ndarray, kernel: np.ndarray, padding: int = 0, stride: int = 1) -> list[Step]:
    """Every window position in reading order (row by row), as the explorer animates them."""
    image, kernel = _as_2d(image, "image"), _as_2d(kernel, "kernel")
    result = convolve2d(image, kernel, padding, stride)
    padded = pad(image, padding)
    kh, kw = kernel.shape
    return [Step(r, c, r * stride, c * stride,
                 padded[r * stride:r * stride + kh, c * stride:c * stride + kw], float(result[r, c]))
            for r in range(result.shape[0]) for c in range(result.shape[1])]


def apply_kernel(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """A classical filter on a dataset image: grey (H, W) or channels-first (C, H, W) images
    are averaged to grey, then filtered with "same" padding so the response keeps the size."""
    values = np.asarray(image, dtype=float)
    if values.ndim == 3:
        values = values.mean(axis=0)
    kernel = _as_2d(kernel, "kernel")
    if kernel.shape[0] != kernel.shape[1] or kernel.shape[0] % 2 == 0:
        raise ConvError(f"a 'same' filter needs a square kernel of odd size, got {list(kernel.shape)}")
    return convolve2d(values, kernel, padding=kernel.shape[0] // 2, stride=1)


def number_text(value: float) -> str:
    """Whole numbers without decimals, others with up to 3; a real minus sign."""
    value = float(value)
    text = f"{int(round(value))}" if abs(value - round(value)) < 1e-9 else f"{value:.3g}"
    return text.replace("-", "−")


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("−") else text
