"""Memo tables of the analysis: the pure per-layer results, keyed by value.

A layer's resolved parameters, label, output shape, counts, window and warnings are pure
functions of (layer type, parameters, input shapes). Designs repeat the same configurations
and the editor re-analyses after every small edit, so each is computed once. The tables are
bounded: each is emptied when it outgrows ``limit()`` (which grows with the largest design
analysed, so that a 20,000-node design does not evict itself on every pass).
"""

from __future__ import annotations

from math import prod
from typing import Any

from ..layers.spec import MAX_NUMEL, ParamError, Shape, ShapeError

BYTES_PER_VALUE = 4  # float32

_CACHE_LIMIT = 20_000
#: The largest design analysed so far (nodes): the tables hold at least three entries per node.
_largest = 0
_resolved_cache: dict[tuple, Any] = {}
_result_cache: dict[tuple, Any] = {}
_label_cache: dict[tuple, str] = {}


def _freeze(value: Any, depth: int = 0) -> Any:
    if depth > 32:  # absurd nesting (built in code): keyed by identity, never recursed into
        return ("__id__", id(value))
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v, depth + 1)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("__seq__",) + tuple(_freeze(v, depth + 1) for v in value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return (type(value).__name__, value)
    return ("__id__", id(value))


_key_cache: dict[tuple[str, int], tuple[dict, dict, tuple]] = {}


def params_key(layer_type: str, params: dict) -> tuple:
    """The hashable form of ``params``; the last one seen for the same dict object is reused
    after a cheap equality check (so in-place changes are still noticed). The entry holds the
    dict itself, so that its id cannot be reused by another dict (whose ``True`` would
    compare equal to a cached ``1``) while the entry lives."""
    slot = (layer_type, id(params))
    hit = _key_cache.get(slot)
    if hit is not None and hit[0] is params and _same(hit[1], params):
        return hit[2]
    key = _freeze(params)
    _remember(_key_cache, slot, (params, _copy_params(params), key))
    return key


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types throughout (``0`` is not ``0.0``, ``True`` is not ``1``:
    messages and shapes differ between them)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _copy_params(params: dict) -> dict:
    return {k: (list(v) if isinstance(v, list) else v) for k, v in params.items()}


def limit() -> int:
    return max(_CACHE_LIMIT, 3 * _largest)


def design_size(nodes: int) -> None:
    """Tell the tables how large a design is about to be analysed (they grow to fit it)."""
    global _largest
    _largest = max(_largest, nodes)


def clear() -> None:
    """Empty every table (benchmarks measure a design seen for the first time)."""
    for table in (_resolved_cache, _result_cache, _label_cache, _key_cache):
        table.clear()


def _remember(cache: dict, key: tuple, value: Any) -> Any:
    if len(cache) >= limit():
        cache.clear()
    cache[key] = value
    return value


def resolve(spec, raw: dict, key: tuple) -> dict:
    ck = (spec.type, key)
    hit = _resolved_cache.get(ck)
    if hit is None:
        try:
            hit = spec.resolve(raw)
        except ParamError as exc:
            hit = exc
        _remember(_resolved_cache, ck, hit)
    if isinstance(hit, ParamError):
        raise hit
    return hit


def label(spec, p: dict, key: tuple) -> str:
    if spec.label is None:
        return ""
    ck = (spec.type, key)
    hit = _label_cache.get(ck)
    return hit if hit is not None else _remember(_label_cache, ck, spec.label(p))


def node_result(spec, p: dict, key: tuple, shapes: list[Shape]):
    """(shape, params, MACs, window, global?, warnings, activation bytes) or the ShapeError
    message."""
    ck = (spec.type, key, tuple(shapes))
    hit = _result_cache.get(ck)
    if hit is not None:
        return hit
    try:
        out = tuple(spec.shape(p, shapes))
        if any(d < 1 for d in out):
            raise ShapeError(f"{spec.type} would produce the empty shape {list(out)}")
        n_params = spec.count_params(p, shapes, out)
        _check_buildable(spec.type, out, n_params)
    except ShapeError as exc:
        return _remember(_result_cache, ck, str(exc))
    spatial = len(shapes) > 0 and len(shapes[0]) == 3
    window = spec.window(p, shapes) if spec.window is not None and spatial else None
    is_global = bool(spatial and spec.global_field is not None and spec.global_field(p, shapes))
    warns = tuple(spec.warnings(p, shapes, out)) if spec.warnings else ()
    result = (out, n_params, spec.macs(p, shapes, out), window, is_global, warns,
              prod(out) * BYTES_PER_VALUE)
    return _remember(_result_cache, ck, result)


def _check_buildable(layer: str, out: Shape, n_params: int) -> None:
    """A layer torch could not even allocate is an error, not a crash when compiling."""
    if n_params > MAX_NUMEL:
        raise ShapeError(f"{layer} would hold {n_params:,} weights; the limit is {MAX_NUMEL:,}: "
                         f"use fewer channels or units, or downsample first")
    if prod(out) > MAX_NUMEL:
        raise ShapeError(f"{layer} would produce {prod(out):,} values per sample "
                         f"({'×'.join(map(str, out))}); the limit is {MAX_NUMEL:,}: use fewer "
                         f"channels or units, or downsample first")
