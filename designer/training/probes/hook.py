"""The probes during training: ``ProbeHook.after_step`` is called by the loop after each
optimiser step, on the loop's thread, and returns the events to yield.

It checks the first loss, samples health every few seconds, and serves the requests other
threads queued with ``submit``. All of it is paced by a ``Budget``: every second of
training earns BUDGET_FRACTION (8 %) of a second of probe time, work runs only while there
is credit, and forward passes over many samples are cut into chunks of about one step's
share of that credit, so a probe never holds a step back by much and the average cost
stays under the fraction.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from typing import Any, Iterator

import numpy as np

from .events import (BUDGET_FRACTION, HEALTH_INTERVAL_S, PROBE_BATCH, REQUEST_KINDS, HealthSample,
                     LossCheck, ProbeError, ProbeRequest, ProbeResult, StepContext)
from .model import Chunker, dead_units, gradient_norms, weight_norms
from .requests import Samples, compute

MIN_UNIT_S = 0.002  # the smallest chunk of probe work worth its overhead


class Budget:
    """Credit-based pacing: every second of training earns ``fraction`` s of probe time,
    capped at ``burst_s``; work runs while the credit is positive and is charged its cost,
    so the long-run probe time stays under ``fraction`` of the training time."""

    def __init__(self, fraction: float = BUDGET_FRACTION, burst_s: float = 0.5) -> None:
        self.fraction, self.burst_s = fraction, burst_s
        self.credit = 0.0
        self.train_s = self.probe_s = 0.0
        self.step_s = 0.0  # a running average of the training time between probe calls
        self._mark: float | None = None

    def start(self) -> None:
        """Account the training time since the probes last returned."""
        now = time.perf_counter()
        if self._mark is not None:
            elapsed = now - self._mark
            self.train_s += elapsed
            self.step_s = elapsed if not self.step_s else 0.9 * self.step_s + 0.1 * elapsed
            self.credit = min(self.credit + self.fraction * elapsed, self.burst_s)

    def spend(self, seconds: float) -> None:
        self.credit -= seconds
        self.probe_s += seconds

    def stop(self) -> None:
        self._mark = time.perf_counter()

    @property
    def unit_s(self) -> float:
        """How long one chunk of probe work should take: a step's share of the credit."""
        return max(MIN_UNIT_S, self.fraction * self.step_s)

    @property
    def overhead(self) -> float:
        """Probe time as a fraction of training time so far."""
        return self.probe_s / self.train_s if self.train_s else 0.0


class Probe:
    """What the loop calls: ``after_step`` returns the events to yield (may be empty)."""

    def after_step(self, ctx: StepContext) -> list:
        return []


class ProbeHook(Probe):
    """The standard probe: first-loss check, periodic health, and queued requests, paced by
    a Budget. ``submit`` is thread-safe; everything else runs on the loop's thread."""

    def __init__(self, fraction: float = BUDGET_FRACTION, health_interval_s: float = HEALTH_INTERVAL_S,
                 health: bool = True) -> None:
        self.budget = Budget(fraction)
        self.chunker = Chunker(lambda: self.budget.unit_s)
        self.health_interval_s = health_interval_s
        self.health = health
        self._lock = threading.Lock()
        self._queued: OrderedDict[tuple, ProbeRequest] = OrderedDict()
        self._work: list[Iterator] = []
        self._health_work: set[Iterator] = set()
        self._health_turn = False
        self._last_health = -math.inf
        self._checked_loss = False

    def submit(self, request: ProbeRequest) -> None:
        """Queue ``request`` (from any thread); it replaces a queued one with the same key."""
        if request.kind not in REQUEST_KINDS:
            raise ProbeError(f"unknown probe request {request.kind!r}; choose one of {', '.join(REQUEST_KINDS)}")
        with self._lock:
            self._queued.pop(request.key, None)
            self._queued[request.key] = request

    def after_step(self, ctx: StepContext) -> list:
        self.budget.start()
        events: list = []
        if not self._checked_loss:
            self._checked_loss = True
            check = loss_check(ctx.loss, len(ctx.classes))
            events += [check] if check else []
        self._schedule(ctx)
        while self._work and self.budget.credit > 0:
            began = time.perf_counter()
            events += self._run_unit()
            self.budget.spend(time.perf_counter() - began)
        self.budget.stop()
        return events

    def _schedule(self, ctx: StepContext) -> None:
        now = time.perf_counter()
        due = now - self._last_health >= self.health_interval_s
        if self.health and due and not self._health_work and self.budget.credit > 0:
            self._last_health = now
            work = _health_work(ctx, self.chunker)
            self._health_work.add(work)
            self._work.append(work)
        with self._lock:
            requests, self._queued = list(self._queued.values()), OrderedDict()
        self._work += [_request_work(ctx, r, self.chunker) for r in requests]

    def _run_unit(self) -> list:
        """One unit of the first queued request or of the health sample, taking turns, so
        that views polling often do not starve the health sampling (or the reverse)."""
        self._health_turn = not self._health_turn
        wanted = (lambda w: w in self._health_work) if self._health_turn else (lambda w: w not in self._health_work)
        index = next((i for i, w in enumerate(self._work) if wanted(w)), 0)
        work = self._work[index]
        try:
            event = next(work)
        except StopIteration:
            self._finish(index)
            return []
        except Exception:  # noqa: BLE001 - a failing probe must never end the run
            self._finish(index)
            self.health = False  # only the health work raises: requests report their errors
            return []
        return [event] if event is not None else []

    def _finish(self, index: int) -> None:
        self._health_work.discard(self._work.pop(index))


def loss_check(loss: Any, classes: int) -> LossCheck | None:
    """The first-loss check for a classifier with ``classes`` classes (None otherwise)."""
    if classes < 2:
        return None
    value = float(loss.detach().float().item() if hasattr(loss, "detach") else loss)
    return LossCheck(value, math.log(classes), classes)


def _health_work(ctx: StepContext, chunker: Chunker) -> Iterator:
    """Gradient norms now (this step's gradients), then dead units over a probe batch, in
    chunks."""
    grads = gradient_norms(ctx.model, ctx.grad_scale)
    weights = weight_norms(ctx.model)
    yield None
    relus, dead = (), np.zeros(0)
    probe = Samples(ctx.data, ctx.bundle) if ctx.data is not None else None
    if probe is not None and len(probe):
        x = probe.model_input(slice(0, PROBE_BATCH))
        relus, dead = yield from dead_units(ctx.model, x, chunker)
    layers = tuple(grads)
    yield HealthSample(ctx.step, ctx.epoch, layers, np.array([grads[n] for n in layers]),
                       np.array([weights[n] for n in layers]), relus, dead)


def _request_work(ctx: StepContext, request: ProbeRequest, chunker: Chunker) -> Iterator:
    try:
        for item in compute(ctx.model, request, ctx.data, ctx.classes, ctx.bundle, chunker):
            if isinstance(item, ProbeResult):
                item = ProbeResult(item.request_id, item.kind, item.data, ctx.step, item.error)
            yield item
    except ProbeError as exc:
        yield ProbeResult(request.request_id, request.kind, {}, ctx.step, str(exc))
    except Exception as exc:  # noqa: BLE001 - a failing probe must never end the run
        yield ProbeResult(request.request_id, request.kind, {}, ctx.step, f"the probe failed: {exc}")
