"""Tensors whose first axis is not the batch, taken apart again along that axis.

Attention code builds q, k and v with one permute that moves the batch to axis 1 and then
takes the first axis apart: ``qkv.permute(2, 0, 3, 1, 4)`` followed by ``qkv.unbind(0)`` or
``qkv[0], qkv[1], qkv[2]`` (timm's Attention, CaiT, TNT, CoaT, PiT). Ensembles stack their heads'
outputs on a new first axis and average them (``torch.stack(xs, 0).mean(0)``, CrossViT). A
design's tensors always keep the batch first, so such a value is imported as ``Pieces``: item
i of ``x.permute(dims)`` is ``x.select(dims[0], i).permute(rest)`` (a Select and a Permute,
views of the same numbers, exact), item i of ``torch.stack(xs, 0)`` is ``xs[i]``, and the
mean (or sum) over the first axis of a stack is an Add of the items (divided by their count).
``x.max(dim)`` also returns two results: its values are an Amax.
Anything else done to such a value is refused, naming the operation.
"""

from __future__ import annotations

import torch
import torch.fx as fx

from . import import_zoo  # noqa: F401  (registers the tables this module refines)
from .import_calls import FUNCTIONS, METHODS
from .import_ops import Context, Layer, Passthrough, Pieces, Unsupported, bind, finish


def _moved_permute(base):
    """x.permute(dims) with the batch moved to axis 1: Pieces along the new first axis."""
    def convert(node: fx.Node, ctx: Context):
        source = node.args[0] if node.args else node.kwargs.get("input")
        dims = list(node.args[1:]) or list(node.kwargs.get("dims", ()))
        if len(dims) == 1 and isinstance(dims[0], (tuple, list, torch.Size)):
            dims = list(dims[0])
        shape = ctx.shape(source)
        if shape is None or len(dims) != len(shape) or not all(isinstance(d, int) for d in dims):
            return base(node, ctx)
        dims = [d % len(shape) for d in dims]
        if dims[0] == 0 or dims[1] != 0:
            return base(node, ctx)
        axis = dims[0]
        rest = [d - (d > axis) for d in dims[1:]]

        def piece(i: int) -> Layer:
            layer = Layer("Select", finish("Select", {"dim": axis, "index": i}), [source], stem="select")
            if rest != sorted(rest):
                layer.then = [Layer("Permute", finish("Permute", {"dims": rest}), [], stem="permute")]
            return layer

        return Pieces(source, piece, shape[axis])
    return convert


def _stack(base):
    """torch.stack(xs, 0): Pieces whose item i is xs[i]; other axes: ``base`` (refused)."""
    def convert(node: fx.Node, ctx: Context):
        b = bind(node, ("tensors", "dim"), {"dim": 0})
        items = b["tensors"]
        if b["dim"] != 0 or not isinstance(items, (list, tuple)) or not items:
            if base is None:
                raise Unsupported(f"it stacks along dim {b['dim']!r}; only stacking on a new first "
                                  f"axis that is then averaged or taken apart is supported")
            return base(node, ctx)
        tensors = [ctx.tensor(t, "input") for t in items]
        return Pieces(tensors[0], lambda i: Passthrough(tensors[i]), len(tensors))
    return convert


def _max_over(base):
    """x.max(dim) returns (values, indices): item 0 is an Amax over that axis; the indices
    (argmax) have no layer. Without a dim it is ``base`` (the largest value of the tensor)."""
    def convert(node: fx.Node, ctx: Context):
        if len(node.args) < 2 and "dim" not in node.kwargs:
            if base is None:
                raise Unsupported("it takes the largest value of the whole tensor, batch included")
            return base(node, ctx)
        b = bind(node, ("input", "dim", "keepdim"), {"keepdim": False})
        source = ctx.tensor(b["input"], "input")
        if not isinstance(b["dim"], int) or b["dim"] % len(ctx.shape(source)) == 0:
            raise Unsupported(f"it reduces over dim {b['dim']!r}; give one axis other than the batch")

        def piece(i: int) -> Layer:
            if i != 0:
                raise Unsupported("it takes the indices of the largest values (argmax); a design has "
                                  "no layer for them")
            params = finish("Amax", {"dims": [b["dim"]], "keepdim": bool(b["keepdim"])})
            return Layer("Amax", params, [source], stem="amax")

        return Pieces(source, piece, 2)
    return convert


def pieces_call(node: fx.Node, ctx: Context, pieces: Pieces):
    """A call on a value held as Pieces: unbind(0) keeps them, mean/sum over the first axis of
    a stack adds them; anything else is refused."""
    name = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", "")
    if name == "unbind":
        b = bind(node, ("input", "dim"), {"dim": 0})
        if b["dim"] == 0:
            return pieces
    if name in ("mean", "sum"):
        b = bind(node, ("input", "dim", "keepdim", "dtype"), {"keepdim": False, "dtype": None})
        if b["dim"] in (0, (0,), [0]) and not b["keepdim"] and b["dtype"] is None:
            items = [pieces.make(i) for i in range(pieces.count)]
            if all(isinstance(item, Passthrough) for item in items):
                inputs = [item.input for item in items]
                if len(inputs) == 1:
                    return Passthrough(inputs[0]) if name == "sum" else Layer(
                        "ScalarOp", finish("ScalarOp", {"op": "truediv", "value": 1.0}), inputs, stem="mean")
                layer = Layer("Add", {}, inputs, stem=name)
                if name == "mean":
                    layer.then = [Layer("ScalarOp", finish("ScalarOp", {"op": "truediv",
                                                                      "value": float(len(inputs))}),
                                        [], stem="mean")]
                return layer
    raise Unsupported("it works on several tensors at once (the results of a chunk, split, unbind, "
                      "stack, or a permute that moves the batch axis); only taking one of them "
                      "(x[i], unbind(0)) or averaging a stack over its first axis is supported")


def _register() -> None:
    permute = _moved_permute(METHODS["permute"])
    METHODS["permute"] = permute
    FUNCTIONS[torch.permute] = _moved_permute(FUNCTIONS[torch.permute])
    FUNCTIONS[torch.stack] = _stack(FUNCTIONS.get(torch.stack))
    METHODS["max"] = _max_over(METHODS.get("max"))
    FUNCTIONS[torch.max] = _max_over(FUNCTIONS.get(torch.max))


_register()
