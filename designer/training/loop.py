"""The training loop as a plain generator of events.

    for event in train(graph, config, control):
        ...

It yields Notes and RunStarted, then StepMetrics (at most every ``report_interval_s``),
EpochMetrics and Snapshots, and ends with one Finished or Failed; it never raises for a
problem the user can fix and never shows a traceback (Failed.details keeps the cause).
Drive it from any thread: a Control pauses or stops it from another; probes run on the
loop's thread after each optimiser step and their events are yielded in order.

Per-step losses and outputs are kept as they are and summed in one go when reported (or
every FOLD steps), so the loop neither waits for the GPU nor launches extra kernels per step. A non-finite loss is caught at the next report
(at most ``report_interval_s`` late); the checkpoints written before it are kept.
"""

from __future__ import annotations

import math
import time
import traceback
from contextlib import nullcontext
from pathlib import Path
from typing import Iterable, Iterator

import torch

from ..core.graph import Graph
from . import checkpoint as ckpt
from .checkpoint_failures import CheckpointFailures
from .batches import DataPathError, guarded
from .config import ConfigError, TrainingConfig
from .control import Control, Stopwatch
from .devices import cpu_threads, free_memory
from .events import EpochMetrics, Failed, Finished, Note, Paused, Resumed, RunStarted, Snapshot, StepMetrics
from .optim import set_lr
from .probes import StepContext
from .schedules import lr_at
from .speedups import FastStep, is_oom as _is_oom
from .session import Session, SetupError, setup


FOLD = 64  # steps whose losses and outputs are kept before they are summed


class Diverged(Exception):
    """The loss became NaN or infinite."""


def train(graph: Graph, config: TrainingConfig | None = None, control: Control | None = None, *,
          checkpoint_dir=None, resume_from=None, continue_from=None, probes: Iterable = (),
          report_interval_s: float = 0.05, epochs: int | None = None) -> Iterator:
    """Train a copy of ``graph`` with ``config`` (default: the design's own training section).

    ``resume_from`` a checkpoint continues that run exactly (its settings win);
    ``continue_from`` starts a new run from its weights with ``config``'s settings.
    ``checkpoint_dir`` receives best.pt and last.pt (a resumed run: the checkpoint's folder
    unless given); ``epochs`` replaces the resumed checkpoint's number of epochs.
    """
    graph = graph.copy()
    if checkpoint_dir is None and resume_from is not None:
        checkpoint_dir = Path(resume_from).parent
    try:
        config = config or TrainingConfig.from_dict(graph.training)
    except ConfigError as exc:
        yield Failed(f"the design's training settings are invalid: {exc}", "config")
        return
    try:
        session = setup(graph, config, resume_from, continue_from, epochs)
    except SetupError as exc:
        yield Failed(exc.message, exc.kind, details=exc.details)
        return
    except ckpt.CheckpointError as exc:
        yield Failed(str(exc), "config")
        return
    except Exception as exc:  # an unexpected failure while preparing
        yield _unexpected(exc, 0, 0)
        return
    runner = Runner(session, control or Control(), list(probes), checkpoint_dir, report_interval_s)
    yield from runner.run()


def _unexpected(exc: BaseException, epoch: int, step: int, last: str = "") -> Failed:
    return Failed(f"training stopped because of an unexpected error: {type(exc).__name__}: {exc}",
                  "error", epoch, step, traceback.format_exc(), last)


class Runner:
    """One run of a Session: epochs, steps, validation, checkpoints and the events about them."""

    def __init__(self, session: Session, control: Control, probes: list, checkpoint_dir,
                 report_interval_s: float) -> None:
        self.s, self.cfg, self.st = session, session.config, session.state
        self.control, self.probes = control, probes
        self.dir = Path(checkpoint_dir) if checkpoint_dir else None
        self.interval = report_interval_s
        self.clock = Stopwatch()
        self.clock.total = self.st.train_time_s
        self.epoch_clock = Stopwatch()
        self.epoch_clock.total = self.st.epoch_time_s
        self.lr = float("nan")
        dev = session.device
        self._loss_acc = torch.zeros((), device=dev)
        self._correct_acc = torch.zeros((), device=dev)
        self._n_acc = 0
        self._pending: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
        self._mark = (time.perf_counter(), 0.0)
        self.last_saved = ""
        self.best_saved = ""
        self.unsaved = CheckpointFailures()
        self.fast = session.fast or FastStep(session.model)
        self._step_notes: list[Note] = []  # said by a step (compiled, fell back to eager)

    def _autocast(self):
        dtype = self.s.amp_dtype
        return torch.autocast(self.s.device.type, dtype=dtype) if dtype is not None else nullcontext()

    # ----------------------------------------------------------------- the run
    def run(self) -> Iterator:
        s, st = self.s, self.st
        yield from s.notes
        yield RunStarted(s.graph.name, s.bundle.info.name, str(s.device), self.cfg.epochs,
                         s.steps_per_epoch, self.cfg.batch_size, len(s.bundle.train_y),
                         len(s.bundle.val_y), tuple(s.analysis.input_shape), s.bundle.classes,
                         s.analysis.total_params, st.epoch, st.step, s.amp_dtype is not None)
        yield from self._snapshot()
        if s.rng is not None:
            ckpt.set_rng_state(s.rng)
        try:
            with cpu_threads(s.device, self.cfg.threads) as threads:
                if s.device.type == "cpu":
                    yield Note(f"training on the CPU with {threads} thread(s)")
                yield from self._epochs()
        except Diverged as exc:
            yield Failed(str(exc), "nan", st.epoch + 1, st.step, last_checkpoint=self.last_saved)
        except DataPathError as exc:
            yield Failed(f"reading the training data failed at epoch {st.epoch + 1}, batch "
                         f"{st.batch + 1}: {exc}", "data", st.epoch + 1, st.step,
                         traceback.format_exc(), self.last_saved)
        except Exception as exc:
            yield self._failure(exc)
        finally:
            s.train.close()

    def _failure(self, exc: Exception) -> Failed:
        st = self.st
        if not _is_oom(exc):
            return _unexpected(exc, st.epoch + 1, st.step, self.last_saved)
        self._pending.clear()
        if self.s.device.type == "cuda":
            torch.cuda.empty_cache()
        smaller = max(1, self.cfg.batch_size // 2)
        estimate = self.s.analysis.largest_batch(free_memory(self.s.device), self.cfg.optimizer)
        if 0 < estimate < smaller:
            smaller = estimate
        return Failed(f"out of memory on {self.s.device} at batch size {self.cfg.batch_size}: try "
                      f"a batch size of {smaller} or less, or a smaller design", "memory",
                      st.epoch + 1, st.step, str(exc), self.last_saved)

    def _epochs(self) -> Iterator:
        st = self.st
        while st.epoch < self.cfg.epochs:
            stopped = yield from self._train_epoch()
            if stopped:
                yield from self._stop()
                return
            val = self._validate()
            if val is None:  # stopped during validation: the epoch's training is kept
                self._advance_epoch()
                yield from self._stop()
                return
            yield from self._end_epoch(*val)
            if self.cfg.patience and st.bad_epochs >= self.cfg.patience:
                yield Note(f"validation loss has not improved for {st.bad_epochs} epochs; stopping "
                           f"early (best: epoch {st.best_epoch})")
                yield self._finished("early_stopping")
                return
        yield self._finished("completed")

    # ----------------------------------------------------------------- training steps
    def _train_epoch(self) -> Iterator:
        """Train the rest of the current epoch; returns True when a stop was requested."""
        s, st, cfg = self.s, self.st, self.cfg
        s.model.train()
        spe = s.steps_per_epoch
        self._mark = (time.perf_counter(), self.clock.read())
        self._start_clocks()
        batches = guarded(s.train.epoch(st.epoch, st.batch))
        while True:
            # Check before fetching: a fetched batch has drawn its augmentation at random.
            if self.control.paused:
                yield from self._pause()
            if self.control.stop_requested:
                break
            x, y = next(batches, (None, None))
            if x is None:
                break
            lr = lr_at(cfg.schedule, cfg.lr, st.step, spe, cfg.epochs)
            if lr != self.lr:
                set_lr(s.optimizer, lr)
                self.lr = lr
            loss = self._step(x, y)
            if self._step_notes:
                yield from self._step_notes
                self._step_notes.clear()
            st.step += 1
            st.batch += 1
            if self.probes:
                yield from self._probe(loss)
            if cfg.snapshot_every and st.step % cfg.snapshot_every == 0:
                yield from self._snapshot()
            if time.perf_counter() - self._mark[0] >= self.interval:
                yield self._report()
        self._stop_clocks()
        if self._n_acc:
            yield self._report()
        return self.control.stop_requested and st.batch < spe

    def _step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        s = self.s
        s.optimizer.zero_grad(set_to_none=True)
        out, loss = self.fast.train_pass(self._pass, self.fast.input(x), y,
                                         lambda: s.optimizer.zero_grad(set_to_none=True),
                                         self._step_notes)
        if s.scaler is not None:
            s.scaler.step(s.optimizer)
            s.scaler.update()
        else:
            s.optimizer.step()
        self._pending.append((loss.detach(), out.detach(), y))
        self._n_acc += len(y)
        if len(self._pending) >= FOLD:
            self._fold()
        return loss

    def _pass(self, forward, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Forward and backward: (outputs, data loss); the gradients are left in the weights."""
        s = self.s
        with self._autocast():
            out = forward(x)
            loss = s.objective.loss(out, y)
        total = loss + self._l1_penalty() if self.cfg.l1 else loss
        (s.scaler.scale(total) if s.scaler is not None else total).backward()
        return out, loss

    def _l1_penalty(self) -> torch.Tensor:
        """l1 · Σ|w| over the weights (parameters of 2 or more dimensions; biases are free)."""
        weights = [p for p in self.s.model.parameters() if p.dim() > 1 and p.requires_grad]
        return self.cfg.l1 * sum(w.abs().sum() for w in weights)

    def _fold(self) -> None:
        """Add the pending steps' loss × batch size and correct counts to the device sums."""
        if not self._pending:
            return
        losses, outs, ys = zip(*self._pending)
        self._pending.clear()
        sizes = torch.tensor([len(y) for y in ys], device=losses[0].device, dtype=torch.float32)
        self._loss_acc += (torch.stack(losses).float() * sizes).sum()
        if self.s.objective.correct is not None:
            self._correct_acc += self.s.objective.correct(torch.cat(outs), torch.cat(ys))

    def _report(self) -> StepMetrics:
        """Read the sums back (one device sync), fold them into the epoch's, check the loss."""
        st = self.st
        self._fold()
        loss_sum, correct = float(self._loss_acc), float(self._correct_acc)
        n = self._n_acc
        self._loss_acc.zero_()
        self._correct_acc.zero_()
        self._n_acc = 0
        if not math.isfinite(loss_sum):
            self._stop_clocks()
            raise Diverged(self._nan_message())
        st.loss_sum += loss_sum
        st.correct_sum += correct
        st.seen += n
        now, busy = time.perf_counter(), self.clock.read()
        rate = n / (busy - self._mark[1]) if busy > self._mark[1] else 0.0
        self._mark = (now, busy)
        accuracy = correct / n if self.s.objective.correct is not None and n else math.nan
        return StepMetrics(st.epoch + 1, st.step, st.batch, self.s.steps_per_epoch,
                           loss_sum / n if n else math.nan, accuracy, self.lr, rate)

    def _nan_message(self) -> str:
        keep = (f" The last good checkpoint is kept: {self.last_saved}." if self.last_saved
                else "")
        return (f"the loss became NaN or infinite at epoch {self.st.epoch + 1} (around step "
                f"{self.st.step}): training diverged. Lower the learning rate (it is "
                f"{self.lr:.3g}), add batch normalisation, or use a warm-up.{keep}")

    def _pause(self) -> Iterator:
        self._stop_clocks()
        yield Paused(self.st.epoch + 1, self.st.step)
        self.control.wait_while_paused()
        if not self.control.stop_requested:
            yield Resumed(self.st.epoch + 1, self.st.step)
        self._mark = (time.perf_counter(), self.clock.read())
        self._start_clocks()

    def _start_clocks(self) -> None:
        self.clock.start()
        self.epoch_clock.start()

    def _stop_clocks(self) -> None:
        self.st.train_time_s = self.clock.stop()
        self.st.epoch_time_s = self.epoch_clock.stop()

    def _probe(self, loss: torch.Tensor) -> Iterator:
        s, st = self.s, self.st
        ctx = StepContext(s.model, st.step, st.epoch + 1, loss, s.val_data(), s.bundle.classes,
                          float(s.scaler.get_scale()) if s.scaler is not None else 1.0,
                          bundle=s.bundle)  # probes: true-colour samples, image files normalised
        for probe in self.probes:
            yield from probe.after_step(ctx) or ()

    # ----------------------------------------------------------------- validation, epochs
    def _validate(self) -> tuple[float, float] | None:
        """(val_loss, val_accuracy) or None if a stop came during validation."""
        s = self.s
        s.model.eval()
        total = torch.zeros((), device=s.device)
        correct = torch.zeros((), device=s.device)
        with torch.no_grad():
            for x, y in guarded(s.val.epoch(0)):
                if self.control.stop_requested:
                    s.model.train()
                    return None
                with self._autocast():
                    out = s.model(self.fast.input(x))
                    total += s.objective.loss(out, y).float() * len(y)
                if s.objective.correct is not None:
                    correct += s.objective.correct(out, y)
        s.model.train()
        n = len(s.bundle.val_y)
        if not n:
            return math.nan, math.nan
        accuracy = float(correct) / n if s.objective.correct is not None else math.nan
        return float(total) / n, accuracy

    def _advance_epoch(self) -> None:
        st = self.st
        st.epoch += 1
        st.batch = 0
        st.loss_sum = st.correct_sum = 0.0
        st.seen = 0
        st.epoch_time_s = 0.0
        self.epoch_clock.total = 0.0

    def _end_epoch(self, val_loss: float, val_accuracy: float) -> Iterator:
        st, s = self.st, self.s
        train_loss = st.loss_sum / st.seen if st.seen else math.nan
        train_acc = st.correct_sum / st.seen if st.seen and s.objective.correct else math.nan
        rate = st.seen / st.epoch_time_s if st.epoch_time_s else 0.0
        watched = val_loss if math.isfinite(val_loss) else train_loss
        best = watched < st.best_val_loss - self.cfg.min_delta
        if best:
            st.best_val_loss, st.best_val_accuracy, st.best_epoch = watched, val_accuracy, st.epoch + 1
            st.bad_epochs = 0
        else:
            st.bad_epochs += 1
        metrics = EpochMetrics(st.epoch + 1, self.cfg.epochs, train_loss, train_acc, val_loss,
                               val_accuracy, self.lr, rate, st.epoch_time_s, best)
        st.history.append(metrics.to_dict())
        self._advance_epoch()
        self._save(ckpt.LAST)
        if best:
            self._save(ckpt.BEST)
        yield from self.unsaved.notes()
        yield metrics
        yield from self._snapshot()

    def _stop(self) -> Iterator:
        self._save(ckpt.LAST)
        yield from self.unsaved.notes()
        yield self._finished("stopped")

    def _finished(self, reason: str) -> Finished:
        st = self.st
        return Finished(reason, st.epoch, st.step, st.best_epoch, st.best_val_loss,
                        st.best_val_accuracy, st.train_time_s, self.best_saved, self.last_saved,
                        self.unsaved.epochs)

    # ----------------------------------------------------------------- snapshots, checkpoints
    def _snapshot(self) -> Iterator:
        node = self.s.snapshot_node
        module = getattr(self.s.model, self.s.model.design_names.get(node, ""), None) if node else None
        if module is not None and getattr(module, "weight", None) is not None:
            weights = module.weight.detach().float().cpu().numpy().copy()
            yield Snapshot(self.st.epoch, self.st.step, node, weights)

    def _save(self, name: str) -> None:
        if self.dir is None:
            return
        s = self.s
        payload = ckpt.payload(name, s.graph, self.cfg, s.model, s.optimizer, s.scaler, self.st,
                               self.lr, s.steps_per_epoch, s.bundle)
        path = self.dir / name
        try:
            ckpt.save_checkpoint(path, payload)
        except OSError as exc:  # a full or read-only disk must not end the run
            self.unsaved.failed(self.st.epoch, exc, self.last_saved)
            return
        if name == ckpt.LAST:
            self.last_saved = str(path)
        else:
            self.best_saved = str(path)
