"""Pure canvas geometry: port offsets, edge curves routed around nodes, label anchors.

No Qt here, so that the maths is unit-testable: points are (x, y) tuples, rectangles are
(left, top, right, bottom) tuples, and a route is a list of segments that the edge item
turns into a QPainterPath.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass

Point = tuple[float, float]
Rect = tuple[float, float, float, float]

BEND = 26.0
LANE_MARGIN = 18.0
LOOP = 60.0
#: Edges longer than this run straight down a lane and bend near their ends.
LONG = 160.0


def port_offsets(count: int, width: float, inset: float = 14.0) -> list[float]:
    """x offsets from the node's centre of ``count`` ports spread along its width."""
    if count <= 0:
        return []
    if count == 1:
        return [0.0]
    span = width - 2 * inset
    step = span / (count - 1)
    return [-span / 2.0 + i * step for i in range(count)]


@dataclass(frozen=True)
class Route:
    """A path as ("line", end) / ("cubic", c1, c2, end) segments from ``start``, plus the
    places where the edge's shape label may go, best first."""

    start: Point
    segments: tuple[tuple, ...]
    spots: tuple[Point, ...]

    @property
    def label_at(self) -> Point:
        return self.spots[0]

    @property
    def end(self) -> Point:
        return self.segments[-1][-1]

    def points(self, per_curve: int = 16) -> list[Point]:
        """The path sampled as a polyline (hit tests, tests)."""
        pts = [self.start]
        cur = self.start
        for seg in self.segments:
            if seg[0] == "line":
                pts.append(seg[1])
            else:
                pts.extend(cubic_point(cur, seg[1], seg[2], seg[3], i / per_curve)
                           for i in range(1, per_curve + 1))
            cur = seg[-1]
        return pts


def translated(route: Route, dx: float, dy: float) -> Route:
    """``route`` moved by (dx, dy): an edge whose two ends moved together keeps its shape."""
    def move(seg: tuple) -> tuple:
        return (seg[0], *((x + dx, y + dy) for x, y in seg[1:]))

    return Route((route.start[0] + dx, route.start[1] + dy), tuple(move(s) for s in route.segments),
                 tuple((x + dx, y + dy) for x, y in route.spots))


def cubic_point(p0: Point, p1: Point, p2: Point, p3: Point, t: float) -> Point:
    u = 1.0 - t
    a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
    return (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
            a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])


def inside(point: Point, rect: Rect, pad: float = 0.0) -> bool:
    return (rect[0] - pad < point[0] < rect[2] + pad) and (rect[1] - pad < point[1] < rect[3] + pad)


def direct(p: Point, q: Point, label_t: float = 0.5) -> Route:
    """An S-curve leaving ``p`` downwards and entering ``q`` from above."""
    k = max(18.0, min(abs(q[1] - p[1]) * 0.5, 90.0))
    c1, c2 = (p[0], p[1] + k), (q[0], q[1] - k)
    ts = dict.fromkeys((label_t, 0.5, 0.3, 0.7, 0.2, 0.8))
    return Route(p, (("cubic", c1, c2, q),), tuple(cubic_point(p, c1, c2, q, t) for t in ts))


def route(p: Point, q: Point, obstacles: list[Rect], label_t: float = 0.5,
          around: Rect | None = None) -> Route:
    """The edge from output port ``p`` down to input port ``q``.

    A plain S-curve when it passes no obstacle; otherwise a vertical lane beside the
    obstacles, with short bends in the gaps below ``p`` and above ``q``. Upward edges loop
    round the right of ``around`` (the union of both end nodes).
    """
    if q[1] <= p[1] + 2 * 8.0:
        return _loop(p, q, obstacles, around)
    plain = direct(p, q, label_t)
    long = q[1] - p[1] > LONG and abs(q[0] - p[0]) > 2.0
    if not long:
        # The S-curve stays inside the rectangle spanned by its ends (its control points do):
        # only obstacles overlapping that rectangle can be hit, usually none.
        left, right = min(p[0], q[0]) - 1.0, max(p[0], q[0]) + 1.0
        hits = [r for r in obstacles
                if r[0] < right and left < r[2] and r[1] < q[1] + 1.0 and p[1] - 1.0 < r[3]]
        if not hits or not any(inside(pt, r, 1.0) for pt in plain.points() for r in hits):
            return plain
    bend = min(BEND, (q[1] - p[1]) / 3.0)
    y1, y2 = p[1] + bend, q[1] - bend
    x = lane_x(p[0], q[0], y1, y2, obstacles)
    if x is None:
        return plain
    return _laned(p, q, x, y1, y2)


def lane_x(px: float, qx: float, y1: float, y2: float, obstacles: list[Rect]) -> float | None:
    """The x of the cheapest vertical lane between y1 and y2 that touches no obstacle."""
    band = [r for r in obstacles if r[3] > y1 and r[1] < y2]
    candidates = [px, qx, (px + qx) / 2.0]
    for r in band:
        candidates += [r[0] - LANE_MARGIN, r[2] + LANE_MARGIN]
    blocked = _Spans([(r[0] - LANE_MARGIN / 2, r[2] + LANE_MARGIN / 2) for r in band])
    free = [x for x in candidates if not blocked.inside(x)]
    if not free:
        return None
    return min(free, key=lambda x: (round(abs(x - px) + abs(x - qx), 3), abs(x - px)))


class _Spans:
    """Open intervals (a, b) merged and sorted, for "is x inside any?" in log time (a lane
    search tests every candidate against every obstacle of a busy band)."""

    def __init__(self, spans: list[tuple[float, float]]) -> None:
        merged: list[list[float]] = []
        for a, b in sorted(spans):
            if merged and a < merged[-1][1]:  # overlapping open intervals: one interval
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self._starts = [m[0] for m in merged]
        self._ends = [m[1] for m in merged]

    def inside(self, x: float) -> bool:
        i = bisect_left(self._starts, x) - 1  # the last interval starting strictly before x
        return i >= 0 and x < self._ends[i]


def _laned(p: Point, q: Point, x: float, y1: float, y2: float) -> Route:
    s1, s2 = (y1 - p[1]) * 0.6, (q[1] - y2) * 0.6
    segments = (
        ("cubic", (p[0], p[1] + s1), (x, y1 - s1), (x, y1)),
        ("line", (x, y2)),
        ("cubic", (x, y2 + s2), (q[0], q[1] - s2), q),
    )
    spots = tuple((x, y1 + (y2 - y1) * f) for f in (0.5, 0.3, 0.7, 0.15, 0.85))
    return Route(p, segments, spots)


def _loop(p: Point, q: Point, obstacles: list[Rect], around: Rect | None) -> Route:
    """Edges that go up: down out of p, up a lane on the right, into q from above."""
    right = max(p[0], q[0]) if around is None else around[2]
    band = [r for r in obstacles if r[3] > q[1] - LOOP and r[1] < p[1] + LOOP]
    x = right + LANE_MARGIN * 2
    for r in sorted(band, key=lambda r: r[0]):
        if r[0] - LANE_MARGIN < x < r[2] + LANE_MARGIN:
            x = r[2] + LANE_MARGIN
    segments = (
        ("cubic", (p[0], p[1] + LOOP), (x, p[1] + LOOP), (x, p[1])),
        ("line", (x, q[1])),
        ("cubic", (x, q[1] - LOOP), (q[0], q[1] - LOOP), q),
    )
    return Route(p, segments, ((x, (p[1] + q[1]) / 2.0),))


def label_spot(route: Route, size: tuple[float, float], blocked: list[Rect]) -> Point:
    """Where a label of ``size`` goes (its left x and centre y): beside one of the route's
    spots, on the side the curve is not heading to, covering no ``blocked`` rectangle."""
    w, h = size
    end_x = route.end[0]
    candidates = []
    for x, y in route.spots:
        sides = (x - 5 - w, x + 5) if end_x > x + 2 else (x + 5, x - 5 - w)
        candidates += [(left, y) for left in sides]
    for left, y in candidates:
        rect = (left, y - h / 2, left + w, y + h / 2)
        if not any(rect[0] < b[2] and b[0] < rect[2] and rect[1] < b[3] and b[1] < rect[3] for b in blocked):
            return (left, y)
    return candidates[0]


def union(rects: list[Rect]) -> Rect:
    return (min(r[0] for r in rects), min(r[1] for r in rects),
            max(r[2] for r in rects), max(r[3] for r in rects))


class RectIndex:
    """Rectangles by key, sorted by top edge, for "what is near here" queries while routing
    (faster than asking the scene, whose queries call back into Python for every item)."""

    def __init__(self) -> None:
        self._rects: dict[object, Rect] = {}
        self._tops: list[tuple[float, int]] = []
        self._keys: list[object] = []
        self._ids: dict[object, int] = {}
        self._tallest = 0.0

    @classmethod
    def of(cls, pairs) -> "RectIndex":
        """An index of the (key, rect) ``pairs`` built with one sort (a later pair of the
        same key wins, as ``add`` would leave it): adding 20,000 rectangles one by one
        shifts the sorted list 20,000 times."""
        index = cls()
        rects = index._rects
        for key, rect in pairs:
            rects.pop(key, None)
            rects[key] = rect
        index._keys = list(rects)
        index._ids = {key: i for i, key in enumerate(index._keys)}
        index._tops = sorted((r[1], i) for i, r in enumerate(rects.values()))
        index._tallest = max((r[3] - r[1] for r in rects.values()), default=0.0)
        return index

    def add(self, key, rect: Rect) -> None:
        if key in self._rects:
            self.remove(key)
        self._rects[key] = rect
        ident = self._ids.setdefault(key, len(self._keys))
        if ident == len(self._keys):
            self._keys.append(key)
        insort(self._tops, (rect[1], ident))
        self._tallest = max(self._tallest, rect[3] - rect[1])

    def remove(self, key) -> None:
        rect = self._rects.pop(key, None)
        if rect is not None:
            entry = (rect[1], self._ids[key])
            i = bisect_left(self._tops, entry)
            if i < len(self._tops) and self._tops[i] == entry:
                del self._tops[i]

    def near(self, area: Rect, skip=()) -> list[Rect]:
        """Rectangles that overlap ``area``, except those whose key is in ``skip``."""
        lo = bisect_left(self._tops, (area[1] - self._tallest, -1))
        hi = bisect_right(self._tops, (area[3], len(self._keys)))
        out = []
        for _, ident in self._tops[lo:hi]:
            key = self._keys[ident]
            r = self._rects[key]
            if key not in skip and r[0] < area[2] and area[0] < r[2] and r[1] < area[3] and area[1] < r[3]:
                out.append(r)
        return out
