"""Operations with several results (chunk, split, unbind: each piece taken by indexing
becomes a Slice or Select) and indexing of tensors with integers and slices (a chain of
Select / Slice layers). Registered by import_zoo.
"""

from __future__ import annotations

import torch.fx as fx

from .import_ops import Context, Layer, Passthrough, Pieces, Unsupported, finish, bind


# --------------------------------------------------------------------------- several results
def _pieces(layer_for):
    """Pieces whose i-th element is ``layer_for(source, shape, i, count)``."""
    def convert(node: fx.Node, ctx: Context) -> Pieces:
        source, bounds, dim = layer_for(node, ctx)
        return Pieces(source, lambda i: _piece(source, bounds, dim, i), len(bounds))
    return convert


def _piece(source: fx.Node, bounds: list, dim: int, i: int) -> Layer:
    start, end = bounds[i]
    if end is None:  # unbind: the axis goes
        return Layer("Select", finish("Select", {"dim": dim, "index": start}), [source], stem="select")
    params = finish("Slice", {"dim": dim, "start": start, "end": end, "step": 1})
    return Layer("Slice", params, [source], stem="slice")


def _dim_of(dim: int, shape) -> int:
    if not isinstance(dim, int) or dim % len(shape) == 0:
        raise Unsupported(f"it divides the batch axis (dim {dim})")
    return dim % len(shape)


def _chunk_bounds(node: fx.Node, ctx: Context):
    b = bind(node, ("input", "chunks", "dim"), {"dim": 0})
    source = ctx.tensor(b["input"], "input")
    shape = ctx.shape(source)
    dim = _dim_of(b["dim"], shape)
    step = -(-shape[dim] // b["chunks"])
    bounds = [(s, min(s + step, shape[dim])) for s in range(0, shape[dim], step)]
    return source, bounds, dim


def _split_bounds(node: fx.Node, ctx: Context):
    b = bind(node, ("input", "split_size_or_sections", "dim"), {"dim": 0})
    if "split_size" in node.kwargs:
        b["split_size_or_sections"] = node.kwargs["split_size"]
    source = ctx.tensor(b["input"], "input")
    shape = ctx.shape(source)
    dim = _dim_of(b["dim"], shape)
    sizes = b["split_size_or_sections"]
    if isinstance(sizes, int):
        sizes = [min(sizes, shape[dim] - s) for s in range(0, shape[dim], sizes)]
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return source, [(s, s + n) for s, n in zip(starts, sizes)], dim


def _unbind_bounds(node: fx.Node, ctx: Context):
    b = bind(node, ("input", "dim"), {"dim": 0})
    source = ctx.tensor(b["input"], "input")
    dim = _dim_of(b["dim"], ctx.shape(source))
    return source, [(i, None) for i in range(ctx.shape(source)[dim])], dim


def getitem(node: fx.Node, ctx: Context) -> Layer | Passthrough:
    """x[i] of several results, or indexing a tensor with integers and slices."""
    container, index = node.args
    pieces = ctx.values.get(container)
    if isinstance(pieces, Pieces):
        if not isinstance(index, int) or not -pieces.count <= index < pieces.count:
            raise Unsupported(f"it takes item {index!r} of {pieces.count} results")
        return pieces.make(index % pieces.count)
    source = ctx.tensor(container, "input")
    return _index(source, index if isinstance(index, tuple) else (index,), ctx)


def _constant_sizes(item):
    """An index item whose bounds are sizes the model computed (``x[:, :cls.shape[1]]``) with
    those sizes as the constants they are for the imported input size."""
    from .import_sizes import static_size

    if isinstance(item, slice):
        bounds = [static_size(v) for v in (item.start, item.stop, item.step)]
        return item if None in [b for b, v in zip(bounds, (item.start, item.stop, item.step)) if v is not None] \
            else slice(*bounds)
    if isinstance(item, fx.Node):
        size = static_size(item)
        return item if size is None else size
    return item


def _index(source: fx.Node, index: tuple, ctx: Context) -> Layer | Passthrough:
    rank = len(ctx.shape(source))
    index = tuple(_constant_sizes(item) for item in index)
    if Ellipsis in index:
        at = index.index(Ellipsis)
        index = index[:at] + (slice(None),) * (rank - len(index) + 1) + index[at + 1:]
    if not index or index[0] != slice(None):
        raise Unsupported(f"indexing {index!r} selects along the batch axis")
    layers: list[Layer] = []
    dim = 0
    for item in index[1:]:
        dim += 1
        if isinstance(item, int):
            layers.append(Layer("Select", finish("Select", {"dim": dim, "index": item}), [], stem="select"))
            dim -= 1  # the axis is gone
        elif isinstance(item, slice) and all(v is None or isinstance(v, int) for v in (item.start, item.stop, item.step)):
            if item != slice(None):
                params = {"dim": dim, "start": item.start or 0, "end": item.stop, "step": item.step or 1}
                layers.append(Layer("Slice", finish("Slice", params), [], stem="slice"))
        else:
            raise Unsupported(f"indexing with {item!r} is not supported (integers and slices are)")
    if not layers:
        return Passthrough(source)
    layers[0].inputs = [source]
    layers[0].then = layers[1:]
    return layers[0]


def select(node: fx.Node, ctx: Context) -> Layer:
    """torch.select(x, dim, index) / x.select(dim, index): a Select layer."""
    b = bind(node, ("input", "dim", "index"), {})
    source = ctx.tensor(b["input"], "input")
    if not isinstance(b["index"], int):
        raise Unsupported(f"index {b['index']!r} is not a whole number")
    _dim_of(b["dim"], ctx.shape(source))
    return Layer("Select", finish("Select", {"dim": b["dim"], "index": b["index"]}), [source], stem="select")
