"""The canvas geometry's fast paths give the same answers as the plain definitions."""

from hypothesis import given, settings
from hypothesis import strategies as st

from designer.gui.canvas.geometry import RectIndex, _Spans, direct, inside, route, translated

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


rects = st.tuples(st.integers(-50, 50), st.integers(-50, 50), st.integers(1, 30), st.integers(1, 30)).map(
    lambda r: (float(r[0]), float(r[1]), float(r[0] + r[2]), float(r[1] + r[3])))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 15), rects), max_size=40), rects, st.sets(st.integers(0, 15)))
def test_an_index_built_at_once_answers_like_one_built_by_adding(pairs, area, skip):
    one_by_one = RectIndex()
    for key, rect in pairs:
        one_by_one.add(key, rect)
    at_once = RectIndex.of(pairs)
    assert sorted(at_once.near(area, skip)) == sorted(one_by_one.near(area, skip))
    extra = (-5.0, -5.0, 5.0, 5.0)
    one_by_one.add("x", extra)
    at_once.add("x", extra)  # and it goes on growing like the other
    assert sorted(at_once.near(area, skip)) == sorted(one_by_one.near(area, skip))
