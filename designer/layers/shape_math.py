"""Sliding-window arithmetic shared by convolutions and pooling, exactly as PyTorch does it.

out = ⌊(n + 2p − d·(f − 1) − 1)/s⌋ + 1, with ceil instead of floor in ceil_mode, where the last
window must still start inside the input or its left padding.
"""

from __future__ import annotations

from .spec import ShapeError

AXES = ("H", "W")


def same_padding(kernel: int, dilation: int) -> tuple[int, int]:
    """Padding (before, after) that torch uses for padding="same" at stride 1."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def window_out(n: int, k: int, s: int, p: int, d: int = 1, ceil_mode: bool = False) -> int:
    """Output length of a window of size k, stride s, padding p (each side), dilation d."""
    span = n + 2 * p - d * (k - 1) - 1
    if ceil_mode:
        out = -(-span // s) + 1
        if (out - 1) * s >= n + p:
            out -= 1
    else:
        out = span // s + 1 if span >= 0 else 0
    return out


def formula(n: int, k: int, s: int, p: int, d: int = 1, ceil_mode: bool = False) -> str:
    """The output-size formula with the numbers filled in, e.g. "⌊(28 + 2·0 − 5)/1⌋ + 1 = 24"."""
    out = window_out(n, k, s, p, d, ceil_mode)
    kernel = f"{d}·({k} − 1) − 1" if d != 1 else f"{k}"
    left, right = ("⌈", "⌉") if ceil_mode else ("⌊", "⌋")
    return f"{left}({n} + 2·{p} − {kernel})/{s}{right} + 1 = {out}"


def spatial_out(
    layer: str,
    size: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int] = (1, 1),
    ceil_mode: bool = False,
) -> tuple[int, int]:
    """Output H, W of a sliding window; raises ShapeError showing the arithmetic."""
    out = []
    for axis in range(2):
        n, k, s, p, d = size[axis], kernel[axis], stride[axis], padding[axis], dilation[axis]
        o = window_out(n, k, s, p, d, ceil_mode)
        if o < 1:
            eff = d * (k - 1) + 1
            h, w = size[0] + 2 * padding[0], size[1] + 2 * padding[1]
            what = f"kernel {k}" if d == 1 else f"dilated kernel {eff} ({k} with dilation {d})"
            left, right = ("⌈", "⌉") if ceil_mode else ("", "")
            raise ShapeError(
                f"{layer}: {what} is larger than the padded input {h}×{w} "
                f"({AXES[axis]}: {left}({n} + 2·{p} − {eff})/{s}{right} + 1 = "
                f"{_plain_out(n, k, s, p, d, ceil_mode)}); "
                f"use a smaller kernel, more padding, or a larger input"
            )
        out.append(o)
    return out[0], out[1]


def _plain_out(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool = False) -> int:
    span = n + 2 * p - (d * (k - 1) + 1)
    return (-(-span // s) if ceil_mode else span // s) + 1


def dropped_border(n: int, k: int, s: int, p: int, d: int = 1) -> int:
    """How many input rows/cols at the far border no window covers (floor mode)."""
    span = n + 2 * p - d * (k - 1) - 1
    if span < 0:
        return 0
    return span % s
