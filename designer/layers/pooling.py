"""Pooling layers: MaxPool2d, AvgPool2d and their adaptive versions."""

from __future__ import annotations

from .conv import border_warnings
from .shape_math import formula, spatial_out
from ._util import kernel_text, need_map, pair_text
from .spec import LayerSpec, NotRepresentable, Param, Params, Shape, ShapeError, Window, written


def _stride(p: Params) -> tuple[int, int]:
    return p["stride"] if p["stride"] is not None else p["kernel_size"]


def _check_padding(layer: str, p: Params) -> None:
    for axis in range(2):
        if p["padding"][axis] * 2 > p["kernel_size"][axis]:
            raise ShapeError(
                f"{layer}: padding {p['padding'][axis]} must be at most half the kernel size "
                f"{p['kernel_size'][axis]} (PyTorch's rule); lower the padding"
            )


def _pool_shape(layer: str, dilated: bool):
    def rule(p: Params, shapes: list[Shape]) -> Shape:
        c, h, w = need_map(layer, shapes[0])
        _check_padding(layer, p)
        dilation = p["dilation"] if dilated else (1, 1)
        oh, ow = spatial_out(
            layer, (h, w), p["kernel_size"], _stride(p), p["padding"], dilation, p["ceil_mode"]
        )
        return (c, oh, ow)

    return rule


def _window(dilated: bool):
    def window(p: Params, shapes: list[Shape]) -> Window:
        return Window(p["kernel_size"], _stride(p), p["dilation"] if dilated else (1, 1), p["padding"])

    return window


def _label(p: Params) -> str:
    text = f"{kernel_text(p['kernel_size'])}, s{pair_text(_stride(p))}"
    if p["padding"] != (0, 0):
        text += f", p{pair_text(p['padding'])}"
    if p["ceil_mode"]:
        text += ", ceil"
    return text


def _explain(dilated: bool):
    def explain(p: Params, shapes: list[Shape]) -> list[str]:
        _, h, w = shapes[0]
        s = _stride(p)
        d = p["dilation"] if dilated else (1, 1)
        return [
            f"{'HW'[a]}: {formula(n, p['kernel_size'][a], s[a], p['padding'][a], d[a], p['ceil_mode'])}"
            for a, n in zip(range(2), (h, w))
        ]

    return explain


def _warn(layer: str, dilated: bool):
    def warnings(p: Params, shapes: list[Shape], out: Shape) -> list[tuple[str, str]]:
        if p["ceil_mode"]:
            return []
        d = p["dilation"] if dilated else (1, 1)
        return border_warnings(layer, shapes[0], p["kernel_size"], _stride(p), p["padding"], d)

    return warnings


def _kwargs_max(p: Params, shapes: list[Shape]) -> Params:
    return {
        "kernel_size": p["kernel_size"],
        "stride": _stride(p),
        "padding": p["padding"],
        "dilation": p["dilation"],
        "ceil_mode": p["ceil_mode"],
    }


def _kwargs_avg(p: Params, shapes: list[Shape]) -> Params:
    return {
        "kernel_size": p["kernel_size"],
        "stride": _stride(p),
        "padding": p["padding"],
        "ceil_mode": p["ceil_mode"],
        "count_include_pad": p["count_include_pad"],
    }


def pool_stride(kernel, stride):
    """A pool's stride as the catalog writes it: None when it equals the kernel (torch's default)."""
    stride = kernel if stride is None else stride
    return None if written(stride) == written(kernel) else written(stride)


def _no_indices(m) -> None:
    if m.return_indices:
        raise NotRepresentable("return_indices=True (the indices output) is not supported")


def _import_max(m, shape) -> Params:
    _no_indices(m)
    return {"kernel_size": written(m.kernel_size), "stride": pool_stride(m.kernel_size, m.stride),
            "padding": written(m.padding), "dilation": written(m.dilation), "ceil_mode": m.ceil_mode}


def _import_avg(m, shape) -> Params:
    if m.divisor_override is not None:
        raise NotRepresentable(f"divisor_override={m.divisor_override} is not supported")
    return {"kernel_size": written(m.kernel_size), "stride": pool_stride(m.kernel_size, m.stride),
            "padding": written(m.padding), "ceil_mode": m.ceil_mode,
            "count_include_pad": m.count_include_pad}


def output_size(size):
    """An adaptive pool's output_size as the catalog writes it; both sizes must be given."""
    sizes = size if isinstance(size, (tuple, list)) else (size,)
    if any(s is None for s in sizes):
        raise NotRepresentable(f"output_size {size!r} keeps an input size (None); give both sizes")
    return written(size)


def _import_adaptive(m, shape) -> Params:
    if getattr(m, "return_indices", False):
        _no_indices(m)
    return {"output_size": output_size(m.output_size)}


_KERNEL = Param("kernel_size", "pair", 2, minimum=1, doc="window size")
_STRIDE = Param("stride", "optional_pair", None, minimum=1, doc="step; empty = kernel_size")
_PADDING = Param("padding", "pair", 0, minimum=0, doc="implicit padding on each side")
_CEIL = Param("ceil_mode", "bool", False, doc="round the output size up instead of down")

MAXPOOL2D = LayerSpec(
    type="MaxPool2d",
    category="pooling",
    doc="Keeps the largest value of each window: downsamples and adds a little translation invariance.",
    shape=_pool_shape("MaxPool2d", True),
    params=(_KERNEL, _STRIDE, _PADDING, Param("dilation", "pair", 1, minimum=1), _CEIL),
    window=_window(True),
    torch_kwargs=_kwargs_max,
    import_params=_import_max,
    label=_label,
    explain=_explain(True),
    warnings=_warn("MaxPool2d", True),
)

AVGPOOL2D = LayerSpec(
    type="AvgPool2d",
    category="pooling",
    doc="Averages each window: downsamples smoothly.",
    shape=_pool_shape("AvgPool2d", False),
    params=(_KERNEL, _STRIDE, _PADDING, _CEIL, Param("count_include_pad", "bool", True)),
    window=_window(False),
    torch_kwargs=_kwargs_avg,
    import_params=_import_avg,
    label=_label,
    explain=_explain(False),
    warnings=_warn("AvgPool2d", False),
)


def _adaptive_shape(layer: str):
    def rule(p: Params, shapes: list[Shape]) -> Shape:
        c, _, _ = need_map(layer, shapes[0])
        return (c,) + tuple(p["output_size"])

    return rule


def _adaptive_window(p: Params, shapes: list[Shape]) -> Window:
    """The largest window adaptive pooling uses: ⌈in/out⌉ (+1 when the split is uneven)."""
    kernel, stride = [], []
    for axis in range(2):
        n, o = shapes[0][1 + axis], p["output_size"][axis]
        k = -(-n // o)
        if n % o and o > 1:
            k += 1
        kernel.append(min(k, n))
        stride.append(max(n // o, 1))
    return Window(tuple(kernel), tuple(stride))


def _adaptive(kind: str) -> LayerSpec:
    layer = f"Adaptive{kind}Pool2d"
    return LayerSpec(
        type=layer,
        category="pooling",
        doc=f"{kind} pooling to a fixed output size whatever the input size (1 = global pooling).",
        shape=_adaptive_shape(layer),
        params=(Param("output_size", "pair", 1, minimum=1, doc="output H×W"),),
        window=_adaptive_window,
        torch_kwargs=lambda p, s: {"output_size": p["output_size"]},
        import_params=_import_adaptive,
        label=lambda p: "global" if p["output_size"] == (1, 1) else f"→ {kernel_text(p['output_size'])}",
    )


ADAPTIVE_AVGPOOL2D = _adaptive("Avg")
ADAPTIVE_MAXPOOL2D = _adaptive("Max")
