"""Collapsing or expanding a group without laying the whole design out again.

A collapsed group is one box at ``group_anchor`` of its members; expanded, it is a frame
around them. Toggling swaps one for the other in place and moves the rest only as much as
the change of size needs: what lies below shifts up or down by the difference in height,
what sits beside the box in its row steps aside if the frame would cover it, and the block
steps down by its title's room (the frame's top takes the box's place; collapsing steps back
up by the same amount, so expanding then collapsing returns every node). The
members keep the positions they had (the layout gave a collapsed group's members their
expanded places), unless they would overlap each other (a design from a file or an import
that never placed them): then the group's inside alone is laid out again. One linear pass
over the nodes; no global layout, so the rest of the design stays where the user left it.
"""

from __future__ import annotations

from .graph import Graph
from .layout import (FRAME_PAD, FRAME_TITLE, NODE_HEIGHT, NODE_WIDTH, container_block, group_anchor,
                     group_chains, group_members, group_parents)

Position = tuple[float, float]
Rect = tuple[float, float, float, float]  # left, top, right, bottom
Moves = dict[str, tuple[Position, Position]]
#: The least space kept between a frame and a box that had to step aside.
GAP = 8.0
#: Margin a sub-group's frame keeps inside its parent's frame (as the canvas draws it).
INNER_MARGIN = 6.0


def box_rect(position: Position) -> Rect:
    x, y = position
    return (x - NODE_WIDTH / 2.0, y - NODE_HEIGHT / 2.0, x + NODE_WIDTH / 2.0, y + NODE_HEIGHT / 2.0)


def _union(rects: list[Rect]) -> Rect:
    return (min(r[0] for r in rects), min(r[1] for r in rects), max(r[2] for r in rects), max(r[3] for r in rects))


class _Tree:
    """The group tree and node positions a footprint is computed from."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.chains = group_chains(graph)
        self.members = group_members(graph, self.chains)
        self.parents = group_parents(graph)
        self.children: dict[str, list[str]] = {g: [] for g in graph.groups}
        for gid, parent in self.parents.items():
            if parent is not None:
                self.children[parent].append(gid)
        self.direct: dict[str, list[str]] = {g: [] for g in graph.groups}
        for nid, chain in self.chains.items():
            if chain:
                self.direct[chain[0]].append(nid)
        self.positions = {nid: node.position for nid, node in graph.nodes.items()}

    def lineage(self, gid: str) -> list[str]:
        """``gid`` and the groups around it, innermost first."""
        chain = []
        while gid is not None:
            chain.append(gid)
            gid = self.parents.get(gid)
        return chain

    def footprint(self, gid: str, collapsed: dict[str, bool]) -> Rect | None:
        """What group ``gid`` covers on the canvas: its box, or its frame (None if empty)."""
        if not self.members[gid]:
            return None
        if collapsed[gid]:
            return box_rect(group_anchor(self.positions, self.members[gid]))
        rects = [box_rect(self.positions[n]) for n in self.direct[gid]]
        for child in self.children[gid]:
            rect = self.footprint(child, collapsed)
            if rect is not None:
                m = 0.0 if collapsed[child] else INNER_MARGIN
                rects.append((rect[0] - m, rect[1] - m, rect[2] + m, rect[3] + m))
        left, top, right, bottom = _union(rects)
        return (left - FRAME_PAD, top - FRAME_PAD - FRAME_TITLE, right + FRAME_PAD, bottom + FRAME_PAD)

    def outside_units(self, gid: str, collapsed: dict[str, bool]) -> dict[str, tuple[Rect, list[str]]]:
        """Every box shown outside group ``gid``: its rectangle and the nodes it moves."""
        inside = set(self.members[gid])
        units: dict[str, list[str]] = {}
        for nid, chain in self.chains.items():
            if nid in inside:
                continue
            owner = nid
            for g in chain:
                if collapsed[g]:
                    owner = g
            units.setdefault(owner, []).append(nid)
        return {u: (box_rect(self.positions[u]) if u in self.graph.nodes else
                    box_rect(group_anchor(self.positions, nodes)), nodes) for u, nodes in units.items()}


def toggle_moves(graph: Graph, gid: str) -> Moves:
    """The moves that make room for group ``gid`` collapsing (if it is expanded now) or
    expanding (if it is collapsed now); the caller flips the flag. O(nodes)."""
    tree = _Tree(graph)
    before = {g: grp.collapsed for g, grp in graph.groups.items()}
    after = dict(before, **{gid: not before[gid]})
    if not tree.members[gid]:
        return {}
    ancestor = tree.parents.get(gid)
    while ancestor is not None:
        if before[ancestor]:
            return {}  # inside a collapsed block: nothing shows, nothing moves
        ancestor = tree.parents.get(ancestor)
    shift: dict[str, tuple[float, float]] = {}
    if before[gid]:
        _relayout_if_overlapping(graph, gid, tree, after)
    old, new = tree.footprint(gid, before), tree.footprint(gid, after)
    units = tree.outside_units(gid, before)
    room = _title_room(tree, gid, before, after)
    if before[gid]:
        _expand(tree, gid, old, new, units, shift, room)
        _clear_around_parents(tree, gid, after, units, shift)
    else:
        _collapse(tree, gid, old, new, units, shift, room)
    moves: Moves = {}
    for nid, (dx, dy) in shift.items():
        x, y = graph.nodes[nid].position
        target = tree.positions[nid]
        target = (target[0] + dx, target[1] + dy)
        if abs(target[0] - x) > 0.01 or abs(target[1] - y) > 0.01:
            moves[nid] = ((x, y), target)
    return moves


def _add(shift: dict[str, tuple[float, float]], nodes: list[str], dx: float, dy: float) -> None:
    for nid in nodes:
        sx, sy = shift.get(nid, (0.0, 0.0))
        shift[nid] = (sx + dx, sy + dy)


def _title_room(tree: _Tree, gid: str, before, after) -> float:
    """How far the top of the frame of ``gid``, or of an expanded frame around it, moves
    when the box becomes a frame (or back): the block steps down (up) by that much, so that
    the frame's top takes the box's place and what lies above keeps its gap. The same
    amount both ways, so expanding then collapsing puts every node back."""
    room = 0.0
    frame: str | None = gid
    while frame is not None:
        fb, fa = tree.footprint(frame, before), tree.footprint(frame, after)
        if fb is not None and fa is not None:
            room = max(room, abs(fa[1] - fb[1]))
        frame = tree.parents.get(frame)
    return room


def _expand(tree: _Tree, gid: str, box: Rect, frame: Rect, units, shift, lift: float) -> None:
    _add(shift, tree.members[gid], 0.0, lift)
    drop = frame[3] + lift - box[3]
    anchor_x = (box[0] + box[2]) / 2.0
    left_side, right_side = [], []
    for rect, nodes in units.values():
        if rect[3] <= box[1]:
            continue
        if rect[1] >= box[3]:
            _add(shift, nodes, 0.0, drop)
        elif (rect[0] + rect[2]) / 2.0 < anchor_x:
            left_side.append((rect, nodes))
        else:
            right_side.append((rect, nodes))
    if left_side:
        dx = min(0.0, frame[0] - GAP - max(r[2] for r, _ in left_side))
        for _, nodes in left_side:
            _add(shift, nodes, dx, 0.0)
    if right_side:
        dx = max(0.0, frame[2] + GAP - min(r[0] for r, _ in right_side))
        for _, nodes in right_side:
            _add(shift, nodes, dx, 0.0)


def _clear_around_parents(tree: _Tree, gid: str, after, units, shift) -> None:
    """The expanded blocks around ``gid`` grow with its frame: boxes outside one of them that
    its grown frame would cover step aside, with what lies further out in the same rows."""
    moved = {n: (p[0] + shift.get(n, (0.0, 0.0))[0], p[1] + shift.get(n, (0.0, 0.0))[1])
             for n, p in tree.positions.items()}
    saved, tree.positions = tree.positions, moved
    try:
        frame = tree.parents.get(gid)
        while frame is not None:
            rect = tree.footprint(frame, after)
            inside = set(tree.members[frame])
            mid = (rect[0] + rect[2]) / 2.0
            left_side, right_side = [], []
            for r, nodes in units.values():
                if nodes[0] in inside:
                    continue
                dx, dy = shift.get(nodes[0], (0.0, 0.0))
                r = (r[0] + dx, r[1] + dy, r[2] + dx, r[3] + dy)
                if r[1] < rect[3] and r[3] > rect[1]:  # in the frame's rows
                    (left_side if (r[0] + r[2]) / 2.0 < mid else right_side).append((r, nodes))
            push_left = min([0.0] + [rect[0] - GAP - r[2] for r, _ in left_side])
            push_right = max([0.0] + [rect[2] + GAP - r[0] for r, _ in right_side])
            for side, push in ((left_side, push_left), (right_side, push_right)):
                if push:
                    for _, nodes in side:
                        _add(shift, nodes, push, 0.0)
                        for n in nodes:
                            moved[n] = (moved[n][0] + push, moved[n][1])
            frame = tree.parents.get(frame)
    finally:
        tree.positions = saved


def _collapse(tree: _Tree, gid: str, frame: Rect, box: Rect, units, shift, rise_box: float) -> None:
    _add(shift, tree.members[gid], 0.0, -rise_box)
    below, floor = [], box[3] - rise_box
    for rect, nodes in units.values():
        if rect[1] >= frame[3]:
            below.append(nodes)
        elif rect[3] > frame[1]:  # beside the frame: what moves up must stay below it
            floor = max(floor, rect[3])
    rise = frame[3] - floor
    if rise > 0:
        for nodes in below:
            _add(shift, nodes, 0.0, -rise)


def _relayout_if_overlapping(graph: Graph, gid: str, tree: _Tree, after: dict[str, bool]) -> None:
    """Lay out the inside of ``gid`` afresh (anchored where its box is) when the boxes its
    frame would show overlap each other; updates ``tree.positions`` in place."""
    shown: dict[str, list[str]] = {}
    for nid in tree.members[gid]:
        owner = nid
        for g in tree.chains[nid]:  # innermost first: the outermost collapsed one inside gid wins
            if g == gid:
                break
            if after[g]:
                owner = g
        shown.setdefault(owner, []).append(nid)
    rects = [box_rect(tree.positions[u]) if u == nodes[0] and u in graph.nodes else
             box_rect(group_anchor(tree.positions, nodes)) for u, nodes in shown.items()]
    if not _any_overlap(rects):
        return
    shadow = graph.copy()
    for g, flag in after.items():
        shadow.groups[g].collapsed = flag
    block = container_block(shadow, gid)
    ax, ay = group_anchor(tree.positions, tree.members[gid])
    bx, by = group_anchor(block.positions, list(block.positions))
    for nid, (x, y) in block.positions.items():
        tree.positions[nid] = (x - bx + ax, y - by + ay)


def _any_overlap(rects: list[Rect]) -> bool:
    """Whether two rectangles overlap; a grid of box-sized cells keeps it about linear."""
    cells: dict[tuple[int, int], list[Rect]] = {}
    for r in rects:
        for cx in range(int(r[0] // NODE_WIDTH), int(r[2] // NODE_WIDTH) + 1):
            for cy in range(int(r[1] // NODE_HEIGHT), int(r[3] // NODE_HEIGHT) + 1):
                bucket = cells.setdefault((cx, cy), [])
                for q in bucket:
                    if r[0] < q[2] - 0.5 and q[0] < r[2] - 0.5 and r[1] < q[3] - 0.5 and q[1] < r[3] - 0.5:
                        return True
                bucket.append(r)
    return False
