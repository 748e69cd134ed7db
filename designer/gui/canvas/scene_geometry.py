"""The scene's geometry upkeep: edge routes, labels and group frames are recomputed lazily
(once per event-loop turn, or at once by ``flush``) for what moved; and moving boxes or
frames with the mouse keeps their edges and frames following."""

from __future__ import annotations

import time

from PySide6.QtCore import QPointF, QRectF

from ...core.graph import collector_paused
from ...core.layout import group_parents
from .edge_item import EdgeItem
from .geometry import RectIndex, direct, label_spot, route, union
from .group_item import GroupFrameItem
from .node_item import BoxItem

#: Routes remembered by (edge, start, end), so that undo and redo do not route again.
ROUTE_CACHE = 50_000
#: Edges routed in one geometry pass at most (about 50 ms here); more wait for the next
#: passes, so that input and paints are handled between them.
ROUTE_CHUNK = 400
#: A design shown anew (open, a group rebuild) with at most this many edges is routed at once.
ROUTE_AT_ONCE = 800
#: Edges out of view wait for idle passes this far apart (ms); those in view never wait.
IDLE_PASS_MS = 30
#: How long one idle pass may route (s): at 5,000 nodes 400 routes took 0.1 s, a stutter.
IDLE_PASS_BUDGET_S = 0.02


class SceneGeometry:
    """Mixin of GraphScene (it uses the scene's items, graph and timer)."""

    #: The obstacles of the last pass, kept for the next passes of a backlog while nothing
    #: moves, comes or goes (building them costs as much as routing a hundred edges).
    _kept_obstacles: tuple | None = None
    #: The view moved while edges wait: put the backlog in order of the new view.
    _resort = False
    #: The pass the timer runs next is an idle one (it may route edges out of view).
    _idle_due = False

    def _mark_moved(self, box) -> None:
        """``box`` moved or changed size: re-route its edges and refit frames soon."""
        self._content = None
        self._kept_obstacles = None
        for item in self._touching.get(box.key, ()):
            self._dirty.add(item.key)
        self._frames_dirty = True
        self._schedule()

    def _schedule(self, idle: bool = False) -> None:
        """A geometry pass in the next event-loop turn, or (``idle``) a little later."""
        if idle:
            if not self._timer.isActive():
                self._idle_due = True
                self._timer.start(IDLE_PASS_MS)
        elif not self._timer.isActive() or self._idle_due:
            self._idle_due = False
            self._timer.start(0)

    def view_moved(self, *_) -> None:
        """The view scrolled or zoomed: edges waiting for a route that it now shows go first."""
        if self._backlog:
            self._resort = True
            self._schedule()

    def flush(self) -> None:
        """Bring every route and frame up to date now (export, fitting, tests)."""
        self.flush_some(None)
        while self._dirty:
            self.flush_some(None)

    def flush_some(self, limit: int | None = ROUTE_CHUNK) -> None:
        """One geometry pass (the next event-loop turn after a change runs one): frames,
        and at most ``limit`` new routes, nearest the view first; the other edges wait in
        a backlog (those in view drawn as plain curves meanwhile) and are routed in the
        next passes, so a paste, an undo or an open of thousands of nodes paints before
        every edge is routed. Routes that can be reused (undo, a drag) never wait; edges
        out of view (a paste beside the design, the far parts of a large one) are routed in
        idle passes, unless the view goes there."""
        idle_pass, self._idle_due = self._idle_due, False
        self._timer.stop()
        framed = self.flush_frames()
        dirty, self._dirty = self._dirty, set()
        backlog = self._backlog
        todo = []
        for key in dirty:
            backlog.pop(key, None)
            item = self.edge_items.get(key)
            if item is not None:
                p, q = item.ends()
                if not self._follow(item, p, q):
                    todo.append((item, p, q))
        if limit is None:
            todo += self._from_backlog(len(backlog))
            urgent = len(todo)
        else:
            shown = self._shown_rect()
            if self._resort:
                self._resort = False
                self._backlog = backlog = self._backlog_by_view(backlog)
            if len(todo) > limit:  # those in view now, the others wait
                todo = self._nearest_view_first(todo)
                now, later = [], []
                for t in todo:
                    seen = shown.contains(t[1]) or shown.contains(t[2])
                    if seen and len(now) < limit:
                        now.append(t)
                        continue
                    later.append(t)
                    if seen and not t[0].routed:  # in view, its route later: a plain curve now
                        t[0].set_route(direct((t[1].x(), t[1].y()), (t[2].x(), t[2].y())))
                self._backlog = backlog = {**{t[0].key: None for t in later}, **backlog}
                todo = now
            urgent = len(todo)  # moved or new edges: routed in this pass whatever its time
            todo += self._from_backlog(limit - len(todo), None if idle_pass else shown)
            if backlog:
                self._schedule(idle=not self._backlog_shown(shown))
        if todo:
            with collector_paused(len(todo) * 4):
                boxes, labels = self._kept_obstacles or self._obstacles()
                # An idle pass stops when its time is up (the rest go back to the front of
                # the backlog): input and paints get their turn between short passes.
                end = time.perf_counter() + IDLE_PASS_BUDGET_S if idle_pass else None
                for n, (item, p, q) in enumerate(todo):
                    if end is not None and n >= urgent and n % 8 == 7 and time.perf_counter() > end:
                        self._backlog = {**{t[0].key: None for t in todo[n:]}, **self._backlog}
                        self._schedule(idle=True)
                        break
                    self._route(item, boxes, labels, p, q)
            self._kept_obstacles = (boxes, labels) if self._backlog else None
        if dirty or framed or todo:
            self.fit_index()
            self.geometry_changed.emit()

    def _from_backlog(self, count: int, shown: QRectF | None = None) -> list:
        """Up to ``count`` edges from the backlog, nearest the view first, with their ends
        (only those in ``shown``, if given)."""
        out = []
        backlog = self._backlog
        while backlog and len(out) < count:
            key = next(iter(backlog))
            item = self.edge_items.get(key)
            if item is not None:
                p, q = item.ends()
                if shown is not None and not (shown.contains(p) or shown.contains(q)):
                    break
                out.append((item, p, q))
            del backlog[key]
        return out

    def _backlog_shown(self, shown: QRectF) -> bool:
        """Whether the next edge of the backlog is in view (then the next pass is at once)."""
        backlog = self._backlog
        while backlog:
            key = next(iter(backlog))
            item = self.edge_items.get(key)
            if item is not None:
                p, q = item.ends()
                return shown.contains(p) or shown.contains(q)
            del backlog[key]
        return False

    def _backlog_by_view(self, backlog: dict) -> dict:
        """The backlog again, nearest the view's centre first (by the edges' source boxes)."""
        views = self.views()
        if not views:
            return backlog
        c = views[0].mapToScene(views[0].viewport().rect().center())
        cx, cy = c.x(), c.y()
        items = self.edge_items

        def distance(key) -> float:
            item = items.get(key)
            if item is None:
                return 0.0
            p = item.src.pos()
            return abs(p.x() - cx) + abs(p.y() - cy)

        return dict.fromkeys(sorted(backlog, key=distance))

    def flush_frames(self) -> bool:
        """Fit the group frames now if something moved (True if it did)."""
        if not self._frames_dirty:
            return False
        self._frames_dirty = False
        self._content = None
        self._kept_obstacles = None
        self._update_frames()
        return True

    def _shown_rect(self) -> QRectF:
        """The part of the scene the view shows, with a margin (edges waiting for their
        route are drawn as plain curves there; elsewhere nobody sees them yet)."""
        views = self.views()
        if not views:
            return QRectF()
        view = views[0]
        return view.mapToScene(view.viewport().rect()).boundingRect().adjusted(-400, -400, 400, 400)

    def routing_pending(self) -> bool:
        """Whether some edges still wait for their route (drawn as plain curves meanwhile)."""
        return bool(self._dirty or self._backlog)

    def _nearest_view_first(self, todo: list) -> list:
        views = self.views()
        if not views:
            return todo
        view = views[0]
        c = view.mapToScene(view.viewport().rect().center())
        cx, cy = c.x(), c.y()
        return sorted(todo, key=lambda t: abs(t[1].x() - cx) + abs(t[1].y() - cy))

    def _obstacles(self) -> tuple[RectIndex, RectIndex]:
        """Where edges must not go (boxes) and where labels must not go (boxes, frame
        titles, other labels), indexed for this pass."""
        rects = [(box.key, box.scene_rect()) for box in self.boxes()]
        taken = [(("box", key), rect) for key, rect in rects]
        for gid, frame in self.frames.items():
            taken += [(("plate", gid, i), rect) for i, rect in enumerate(frame.plate.scene_rects())]
        taken += [(("label", key), _tuple(item.label.sceneBoundingRect()))
                  for key, item in self.edge_items.items() if item.label.isVisible() and item.routed]
        return RectIndex.of(rects), RectIndex.of(taken)

    def _route(self, item: EdgeItem, boxes: RectIndex, labels: RectIndex,
               p: QPointF, q: QPointF) -> None:
        src_rect, dst_rect = item.src.scene_rect(), item.dst.scene_rect()
        area = (min(p.x(), q.x()) - 300, min(p.y(), q.y()) - 40,
                max(p.x(), q.x()) + 300, max(p.y(), q.y()) + 40)
        obstacles = boxes.near(area, skip=(item.src.key, item.dst.key))
        fan_out = len(self.edges_from(item.src, item.src_port))
        fan_in = len(item.dst.in_ports)
        t = 0.72 if fan_out > fan_in else (0.3 if fan_in > fan_out else 0.5)
        path = route((p.x(), p.y()), (q.x(), q.y()), obstacles, t, union([src_rect, dst_rect]))
        blocked = labels.near(area, skip=(("label", item.key),))
        spot = label_spot(path, item.label_size(), blocked)
        item.set_route(path, spot)
        self._remember(item.key, path.start, path.end, (path, spot, (0.0, 0.0)))
        if item.label.isVisible():
            labels.add(("label", item.key), _tuple(item.label.sceneBoundingRect()))

    def _remember(self, key, start, end, placement: tuple) -> None:
        if len(self._route_cache) > ROUTE_CACHE:
            self._route_cache.clear()
        self._route_cache[(key, start, end)] = placement

    def _follow(self, item: EdgeItem, p: QPointF, q: QPointF) -> bool:
        """Reuse a route instead of routing again: the same ends as a route made before
        (undo, redo: the same design again), or, while boxes are dragged, both ends moved
        by the same offset (the edge moves with its boxes). True if reused."""
        start, end = (p.x(), p.y()), (q.x(), q.y())
        cached = self._route_cache.get((item.key, start, end))
        if cached is not None:
            item.set_route(*cached)
            return True
        if not item.routed or self._drag_start is None:
            return False
        old_start, old_end = item.route_ends()
        dx, dy = start[0] - old_start[0], start[1] - old_start[1]
        apart = abs(end[0] - old_end[0] - dx) + abs(end[1] - old_end[1] - dy)
        if (dx, dy) == (0.0, 0.0) or apart > 1e-6:  # (the last bits of the ends may differ)
            return False
        item.shift(dx, dy)  # the item moves; its path stays as it is
        self._remember(item.key, start, end, item.placement())  # for the undo of what comes next
        return True

    def edges_from(self, box, port_key) -> list[EdgeItem]:
        return [e for e in self.edges_of(box) if e.src is box and e.src_port == port_key]

    def _update_frames(self) -> None:
        """Fit each frame around its members and its sub-groups' frames, innermost first."""
        outer: dict[str, QRectF] = {}
        parents = group_parents(self.graph)
        for gid in sorted(self.frames, key=lambda g: -self.frames[g].zValue()):
            frame = self.frames[gid]
            rects = [self.box(k).scene_rect() for k in self._frame_members(gid) if self.box(k)]
            rects += [_tuple(outer[c].adjusted(-6, -6, 6, 6)) for c in outer if parents.get(c) == gid]
            if rects:
                left, top, right, bottom = union(rects)
                frame.set_rect(QRectF(left, top, right - left, bottom - top))
            outer[gid] = frame.mapRectToScene(frame.frame_rect())

    def _frame_members(self, gid: str) -> list[str]:
        return list(dict.fromkeys(self._owner[m] for m in self._members[gid]))

    # ================================================================ moves
    def item_moved(self, box: BoxItem) -> None:
        """A box is being dragged: its edges are re-routed in the next geometry pass (one
        pass for however many selected boxes moved together, before the next paint)."""
        if not self._placing:
            self._mark_moved(box)

    def frame_moved(self, frame: GroupFrameItem) -> None:
        last = getattr(frame, "_last_pos", QPointF())
        delta = frame.pos() - last
        frame._last_pos = QPointF(frame.pos())
        if self._placing or (delta.x() == 0 and delta.y() == 0):
            return
        chain = group_chain_of_group(self.graph, frame.group_id)
        if any(a in self.frames and self.frames[a].isSelected() for a in chain):
            return  # an enclosing frame moves everything
        for key in self._frame_members(frame.group_id):
            box = self.box(key)
            if box is not None and not box.isSelected():
                box.setPos(box.pos() + delta)
                self.item_moved(box)



def group_chain_of_group(graph, gid: str, parents: dict | None = None) -> list[str]:
    """The ancestors of group ``gid``, innermost first (``parents``: group_parents(graph),
    when the caller asks for many groups)."""
    parents = group_parents(graph) if parents is None else parents
    chain: list[str] = []
    cur = parents.get(gid)
    while cur is not None:
        chain.append(cur)
        cur = parents.get(cur)
    return chain


def _tuple(rect: QRectF) -> tuple[float, float, float, float]:
    return (rect.left(), rect.top(), rect.right(), rect.bottom())
