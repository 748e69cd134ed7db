"""The Playground's probe: the decision boundary and every hidden unit's map, live.

``BoundaryProbe`` runs on the training thread after optimiser steps (the loop calls
``after_step``). At most every ``interval_s`` seconds, and only while its own time stays
under ``fraction`` of the training time (so the loop keeps its speed within a few per
cent), it evaluates the model on a grid over the input plane with forward hooks on the
watched nodes, and yields a BoundaryMaps event of numpy arrays; its first call yields the
run's points (PlaygroundPoints). Only 2-D vector data can be mapped; for anything else it
stays silent. Torch is imported inside the methods, so a GUI builds the probe without
loading torch; it only runs on the training thread.
"""

from __future__ import annotations

import time

import numpy as np

from .boundary_events import BoundaryMaps, PlaygroundPoints, UnitMaps
from .events import Note
from .probes import Probe, StepContext
from .probes.model import forward_hooks

INPUTS = "@inputs"  # the watch entry of the raw inputs (designer.playground.units.INPUTS)

RESOLUTION = 48  # grid points per side
MARGIN = 0.1  # of the data's range, around the points
MAX_UNITS = 16  # maps per watched node at most (the first units)
LOSS_POINTS = 4096  # the losses shown are over at most this many training / test points


class BoundaryProbe(Probe):
    """Maps over the input plane, paced by time and by a budget. ``watch``: the
    (node_id, title) of the unit columns to draw (see designer.playground.units)."""

    def __init__(self, watch=(), resolution: int = RESOLUTION, interval_s: float = 0.2,
                 fraction: float = 0.05) -> None:
        self.watch = list(watch)
        self.resolution, self.interval_s, self.fraction = resolution, interval_s, fraction
        self.started = False
        self.disabled = False
        self.spent_s = 0.0
        self._t0 = self._last = 0.0
        self._grid = None  # torch.Tensor, made on the training thread
        self.extent = (-1.0, 1.0, -1.0, 1.0)

    def after_step(self, ctx: StepContext) -> list:
        if self.disabled:
            return []
        events = []
        if not self.started:
            self.started = True
            self._t0 = time.perf_counter()
            points = self._points(ctx)
            if points is None:
                self.disabled = True
                return []
            events.append(points)
        now = time.perf_counter()
        elapsed = now - self._t0
        if events or (now - self._last >= self.interval_s and self.spent_s <= self.fraction * elapsed):
            try:
                events.append(self.maps(ctx))
            except Exception as exc:  # noqa: BLE001 - a map must never stop the training
                self.disabled = True
                events.append(Note(f"the Playground stopped drawing maps for this run: "
                                   f"{type(exc).__name__}: {exc}", "warning"))
            self._last = time.perf_counter()
            self.spent_s += self._last - now
        return events

    # ----------------------------------------------------------------- data
    def _points(self, ctx: StepContext) -> PlaygroundPoints | None:
        bundle = ctx.bundle
        if bundle is None or bundle.is_image or tuple(bundle.sample_shape) != (2,):
            return None
        train_x, val_x = bundle.train_x.cpu().numpy(), bundle.val_x.cpu().numpy()
        both = np.concatenate([train_x, val_x]) if len(val_x) else train_x
        lo, hi = both.min(0), both.max(0)
        pad = (hi - lo) * MARGIN + 1e-6
        self.extent = (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]),
                       float(hi[1] + pad[1]))
        return PlaygroundPoints(train_x, bundle.train_y.cpu().numpy(), val_x,
                                bundle.val_y.cpu().numpy(), self.extent)

    def grid(self) -> torch.Tensor:
        """The grid's points [R·R, 2] in input coordinates, row-major from the bottom row."""
        import torch

        if self._grid is None:
            x0, x1, y0, y1 = self.extent
            xs = torch.linspace(x0, x1, self.resolution)
            ys = torch.linspace(y0, y1, self.resolution)
            gy, gx = torch.meshgrid(ys, xs, indexing="ij")
            self._grid = torch.stack([gx.flatten(), gy.flatten()], 1)
        return self._grid

    # ----------------------------------------------------------------- maps
    def maps(self, ctx: StepContext) -> BoundaryMaps:
        import torch

        start = time.perf_counter()
        model, bundle = ctx.model, ctx.bundle
        device = next(model.parameters(), torch.zeros(0)).device
        finish = bundle.finisher(device)
        names = getattr(model, "design_names", {})
        watched = [(nid, title, getattr(model, names[nid], None)) for nid, title in self.watch
                   if nid in names]
        modules = {nid: m for nid, _, m in watched if m is not None}
        was_training = model.training
        model.eval()
        try:
            captured: dict[str, torch.Tensor] = {}

            def record(nid: str, output: torch.Tensor) -> None:
                captured.setdefault(nid, output.detach())  # the grid's pass comes first

            with torch.no_grad(), forward_hooks(modules, record):
                out = model(finish(self.grid().to(device)))
            with torch.no_grad():
                train_loss = self._loss(ctx, finish, bundle.train_x, bundle.train_y, device)
                test_loss = self._loss(ctx, finish, bundle.val_x, bundle.val_y, device)
        finally:
            model.train(was_training)
        r = self.resolution
        inputs = self.grid().numpy().T.reshape(2, r, r).astype(np.float32)
        layers = tuple(UnitMaps(nid, title, inputs) for nid, title in self.watch if nid == INPUTS)
        layers += tuple(UnitMaps(nid, title, captured[nid].float().cpu().numpy().T[:MAX_UNITS].reshape(-1, r, r)
                                .astype(np.float32))
                       for nid, title, _ in watched if nid in captured)
        return BoundaryMaps(ctx.step, ctx.epoch, self.extent, _class1(out).reshape(r, r), layers,
                            train_loss, test_loss, time.perf_counter() - start)

    def _loss(self, ctx, finish, x, y, device) -> float:
        import torch

        if len(y) == 0:
            return float("nan")
        x, y = x[:LOSS_POINTS], y[:LOSS_POINTS]  # a big CSV must not hold a step back
        out = ctx.model(finish(x.to(device))).float()
        if out.dim() != 2 or out.shape[1] < 2 or y.dtype != torch.int64:
            return float("nan")  # not a classifier's logits: no cross-entropy to show
        return float(torch.nn.functional.cross_entropy(out, y.to(device)))


def _class1(out: torch.Tensor) -> np.ndarray:
    """The probability of class 1 from the network's outputs (softmax, or one clipped value)."""
    import torch

    out = out.float()
    if out.shape[1] == 1:
        return out[:, 0].clamp(0, 1).cpu().numpy()
    return torch.softmax(out, 1)[:, 1].cpu().numpy()
