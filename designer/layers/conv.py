"""Conv2d: the convolution layer, with int/pair/"same"/"valid" padding, dilation and groups."""

from __future__ import annotations

from .shape_math import dropped_border, formula, same_padding, spatial_out
from ._util import kernel_text, need_map, pair_text
from .spec import LayerSpec, Param, Params, Shape, ShapeError, Window, written


def _groups(p: Params, in_channels: int) -> int:
    return in_channels if p["groups"] == "depthwise" else p["groups"]


def _padding(p: Params) -> tuple[int, int]:
    """Symmetric padding per axis (for "same", the smaller leading side; torch pads the rest)."""
    pad = p["padding"]
    if pad == "valid":
        return (0, 0)
    if pad == "same":
        return tuple(same_padding(k, d)[0] for k, d in zip(p["kernel_size"], p["dilation"]))
    return pad


def _shape(p: Params, shapes: list[Shape]) -> Shape:
    c, h, w = need_map("Conv2d", shapes[0])
    groups = _groups(p, c)
    if c % groups:
        raise ShapeError(
            f"Conv2d: groups = {groups} must divide the {c} input channels; choose a divisor of {c}"
        )
    if p["out_channels"] % groups:
        raise ShapeError(
            f"Conv2d: groups = {groups} must divide out_channels = {p['out_channels']}; "
            f"use a multiple of {groups} output channels"
        )
    _check_padding_mode(p, (h, w))
    if p["padding"] == "same":
        if p["stride"] != (1, 1):
            raise ShapeError(
                f"Conv2d: padding \"same\" needs stride 1 (PyTorch's rule), got stride "
                f"{pair_text(p['stride'])}; use a number for padding"
            )
        return (p["out_channels"], h, w)
    oh, ow = spatial_out(
        "Conv2d", (h, w), p["kernel_size"], p["stride"], _padding(p), p["dilation"]
    )
    return (p["out_channels"], oh, ow)


def _check_padding_mode(p: Params, size: tuple[int, int]) -> None:
    """reflect padding must stay below the input size, circular may wrap around once."""
    mode = p["padding_mode"]
    if mode not in ("reflect", "circular"):
        return
    for axis in range(2):
        k, d, n = p["kernel_size"][axis], p["dilation"][axis], size[axis]
        if p["padding"] == "same":
            pad = max(same_padding(k, d))
        else:
            pad = _padding(p)[axis]
        if pad > n or (mode == "reflect" and pad == n):
            how, limit = ("mirrors", f"below {n}") if mode == "reflect" else ("wraps", f"at most {n}")
            raise ShapeError(
                f"Conv2d: padding_mode {mode!r} {how} the input, so the padding must be {limit} "
                f"({'HW'[axis]}: padding {pad} on an input {n} {'high' if axis == 0 else 'wide'}); "
                f"lower the padding or use padding_mode 'zeros' or 'replicate'"
            )


def _params(p: Params, shapes: list[Shape], out: Shape) -> int:
    c = shapes[0][0]
    kh, kw = p["kernel_size"]
    weights = p["out_channels"] * (c // _groups(p, c)) * kh * kw
    return weights + (p["out_channels"] if p["bias"] else 0)


def _macs(p: Params, shapes: list[Shape], out: Shape) -> int:
    c = shapes[0][0]
    kh, kw = p["kernel_size"]
    return out[0] * (c // _groups(p, c)) * kh * kw * out[1] * out[2]


def _window(p: Params, shapes: list[Shape]) -> Window:
    return Window(p["kernel_size"], p["stride"], p["dilation"], _padding(p))


def _kwargs(p: Params, shapes: list[Shape]) -> Params:
    c = shapes[0][0]
    pad = p["padding"] if isinstance(p["padding"], str) else tuple(p["padding"])
    return {
        "in_channels": c,
        "out_channels": p["out_channels"],
        "kernel_size": tuple(p["kernel_size"]),
        "stride": tuple(p["stride"]),
        "padding": pad,
        "dilation": tuple(p["dilation"]),
        "groups": _groups(p, c),
        "bias": p["bias"],
        "padding_mode": p["padding_mode"],
    }


def _inferred(p: Params, shapes: list[Shape]) -> Params:
    c = shapes[0][0]
    return {"in_channels": c, "groups": _groups(p, c)} if p["groups"] == "depthwise" else {
        "in_channels": c
    }


def _label(p: Params) -> str:
    text = f"{kernel_text(p['kernel_size'])}, {p['out_channels']}, s{pair_text(p['stride'])}"
    pad = p["padding"]
    if isinstance(pad, str):
        text += f", {pad}" if pad == "same" else ""
    elif pad != (0, 0):
        text += f", p{pair_text(pad)}"
    if p["dilation"] != (1, 1):
        text += f", d{pair_text(p['dilation'])}"
    if p["groups"] == "depthwise":
        text += ", dw"
    elif p["groups"] != 1:
        text += f", g{p['groups']}"
    return text


def _explain(p: Params, shapes: list[Shape]) -> list[str]:
    _, h, w = shapes[0]
    if p["padding"] == "same":
        return [f"H: padding \"same\" keeps {h}", f"W: padding \"same\" keeps {w}"]
    pad = _padding(p)
    lines = []
    for axis, n in zip(range(2), (h, w)):
        f = formula(n, p["kernel_size"][axis], p["stride"][axis], pad[axis], p["dilation"][axis])
        lines.append(f"{'HW'[axis]}: {f}")
    return lines


def _warnings(p: Params, shapes: list[Shape], out: Shape) -> list[tuple[str, str]]:
    if isinstance(p["padding"], str):
        return []
    return border_warnings("Conv2d", shapes[0], p["kernel_size"], p["stride"], p["padding"], p["dilation"])


def border_warnings(layer, shape, kernel, stride, padding, dilation=(1, 1)) -> list[tuple[str, str]]:
    """Warn when the last rows/columns are silently skipped by a strided window."""
    out = []
    for axis in range(2):
        if dilation[axis] * (kernel[axis] - 1) + 1 < stride[axis]:
            continue  # windows narrower than the stride subsample everywhere, by design
        # The uncovered positions are at the far end; the first `padding` of them are zeros.
        lost = dropped_border(shape[1 + axis], kernel[axis], stride[axis], padding[axis], dilation[axis])
        lost -= padding[axis]
        if lost > 0:
            out.append((
                "border-dropped",
                f"{layer} skips the last {lost} {'row' if axis == 0 else 'column'}"
                f"{'s' if lost > 1 else ''} of its {shape[1]}×{shape[2]} input: "
                f"({shape[1 + axis]} + 2·{padding[axis]} − {kernel[axis]}) is not a multiple of "
                f"stride {stride[axis]}; adjust padding or the input size if those pixels matter",
            ))
    return out


def _import(m, shape) -> Params:
    """The parameters of a torch.nn.Conv2d (groups equal to its input channels: depthwise)."""
    depthwise = m.groups > 1 and m.groups == m.in_channels
    return {
        "out_channels": m.out_channels, "kernel_size": written(m.kernel_size),
        "stride": written(m.stride), "padding": m.padding if isinstance(m.padding, str) else written(m.padding),
        "dilation": written(m.dilation), "groups": "depthwise" if depthwise else m.groups,
        "bias": m.bias is not None, "padding_mode": m.padding_mode,
    }


CONV2D = LayerSpec(
    type="Conv2d",
    category="convolution",
    doc="2-D convolution: out_channels filters of size kernel_size slide over the input.",
    shape=_shape,
    params=(
        Param("out_channels", "int", 16, minimum=1, doc="number of filters"),
        Param("kernel_size", "pair", 3, minimum=1, doc="filter size, one number or [h, w]"),
        Param("stride", "pair", 1, minimum=1, doc="step between windows"),
        Param("padding", "padding", 0, minimum=0, doc='zeros added on each side, or "same"/"valid"'),
        Param("dilation", "pair", 1, minimum=1, doc="spacing between kernel taps"),
        Param("groups", "groups", 1, minimum=1, doc='channel groups; "depthwise" = one per input channel'),
        Param("bias", "bool", True),
        Param("padding_mode", "choice", "zeros", choices=("zeros", "reflect", "replicate", "circular")),
    ),
    count_params=_params,
    macs=_macs,
    window=_window,
    torch_kwargs=_kwargs,
    import_params=_import,
    inferred=_inferred,
    label=_label,
    explain=_explain,
    warnings=_warnings,
)
