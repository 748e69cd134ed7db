"""The canvas geometry's fast paths give the same answers as the plain definitions."""

from hypothesis import given, settings
from hypothesis import strategies as st

from designer.gui.canvas.geometry import _Spans, direct, inside, route, translated

coord = st.floats(-500, 500, allow_nan=False)
span = st.tuples(coord, st.floats(0, 80, allow_nan=False)).map(lambda t: (t[0], t[0] + t[1]))


@settings(deadline=None)  # no timing in tests: a loaded machine is slow, not wrong
@given(st.lists(span, max_size=12), st.lists(coord, max_size=20))
def test_merged_spans_answer_like_a_scan(spans, xs):
    merged = _Spans(spans)
    for x in [*xs, *(e for s in spans for e in s)]:
        assert merged.inside(x) == any(a < x < b for a, b in spans)


rect = st.tuples(coord, coord, st.floats(10, 200), st.floats(10, 120)).map(
    lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3]))


@settings(deadline=None)
@given(coord, coord, coord, st.floats(20, 150), st.lists(rect, max_size=10))
def test_a_short_edge_is_plain_exactly_when_it_touches_no_obstacle(px, py, qx, dy, obstacles):
    p, q = (px, py), (qx, py + dy)
    plain = direct(p, q)
    touches = any(inside(pt, r, 1.0) for pt in plain.points() for r in obstacles)
    got = route(p, q, obstacles)
    if not touches:
        assert got == plain


def test_a_translated_route_keeps_its_shape():
    r = direct((0.0, 0.0), (40.0, 120.0))
    moved = translated(r, 10.0, -5.0)
    assert moved.start == (10.0, -5.0) and moved.end == (50.0, 115.0)
    assert [(x - 10.0, y + 5.0) for x, y in moved.points()] == r.points()
