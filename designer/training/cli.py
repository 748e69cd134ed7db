"""``designer train``: train a design headless, with a terminal progress bar or JSON.

Settings come from the design's own "training" section, overridden by the flags given.
Problems found before training (a design error, data that do not fit) are printed as one
sentence; ``--adapt`` changes the design's Input and last layer to fit the data instead.
Ctrl-C stops after the current step (a second Ctrl-C aborts). No torch at import: the
parser is built for every ``designer`` command.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
from dataclasses import replace

from .config import (COMPILE_MODES, DEVICES, OPTIMIZERS, PRECISIONS, ConfigError, DataConfig,
                     TrainingConfig)
from .schedules import SCHEDULES, ScheduleError

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE, EXIT_FAILED = 0, 1, 2, 3


class CommandError(Exception):
    def __init__(self, message: str, code: int = EXIT_INVALID) -> None:
        super().__init__(message)
        self.code = code


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="design file (.json) or example name (lenet5, ...)")
    data = p.add_argument_group("data")
    data.add_argument("--dataset", "-d", help="digits, shapes, circle, xor, gaussians, spiral, "
                      "mnist, fashion_mnist, cifar10, cifar100, imagefolder, csv")
    data.add_argument("--data-option", action="append", default=[], metavar="KEY=VALUE",
                      help="a dataset option, e.g. size=32, samples=500, channels=3 (repeatable)")
    data.add_argument("--data-root", help="folder with the torchvision dataset files")
    data.add_argument("--data-path", help="image folder or CSV file")
    data.add_argument("--download", action="store_true", help="download missing torchvision files")
    data.add_argument("--limit", type=int, help="use at most this many training samples")
    data.add_argument("--val-fraction", type=float, help="fraction held out for validation")
    data.add_argument("--test-split", action="store_true", help="validate on the dataset's test split")
    data.add_argument("--permute-pixels", action="store_true", help="one fixed pixel permutation")
    data.add_argument("--augment", nargs="+", action="extend", metavar="STEP",
                      help="augmentation steps, e.g. hflip rotation:degrees=10 noise:sigma=0.05")
    opt = p.add_argument_group("optimisation")
    opt.add_argument("--epochs", type=int)
    opt.add_argument("--batch-size", type=int)
    opt.add_argument("--optimizer", choices=list(OPTIMIZERS))
    opt.add_argument("--lr", type=float, help="learning rate")
    opt.add_argument("--weight-decay", type=float)
    opt.add_argument("--momentum", type=float)
    opt.add_argument("--label-smoothing", type=float)
    opt.add_argument("--schedule", choices=list(SCHEDULES))
    opt.add_argument("--decay", type=float, help="k of the time and exponential schedules")
    opt.add_argument("--step-size", type=float, help="epochs between step-schedule drops")
    opt.add_argument("--gamma", type=float, help="factor of each step-schedule drop")
    opt.add_argument("--warmup", type=float, help="warm-up epochs")
    opt.add_argument("--patience", type=int, help="early stopping after N epochs without progress")
    opt.add_argument("--freeze-until", metavar="NODE",
                     help="transfer learning: freeze every layer up to and including NODE")
    opt.add_argument("--freeze", nargs="+", action="extend", metavar="ID",
                     help="freeze these nodes or groups (their weights stay as they are)")
    opt.add_argument("--replace-head", nargs="?", const=0, type=int, metavar="CLASSES",
                     help="transfer learning: rebuild the last classifier layer with CLASSES outputs "
                          "(default: the dataset's classes), its weights fresh; the rest keeps --weights")
    run = p.add_argument_group("run")
    run.add_argument("--device", choices=DEVICES)
    run.add_argument("--seed", type=int)
    run.add_argument("--threads", type=int, help="CPU threads (default: every core that the machine's "
                     "load leaves free)")
    run.add_argument("--no-amp", action="store_true", help="no mixed precision (--precision fp32)")
    run.add_argument("--precision", choices=list(PRECISIONS),
                     help="auto: 16-bit on CUDA for big designs; fp32; bf16: bf16 autocast on CPU or CUDA")
    run.add_argument("--compile", choices=list(COMPILE_MODES),
                     help="torch.compile the training step (on), with CUDA graphs (reduce-overhead, "
                          "CUDA only); off by default")
    run.add_argument("--channels-last", action="store_true",
                     help="store images and convolution weights channels-last (NHWC)")
    run.add_argument("--checkpoint-dir", help="write best.pt and last.pt here (a folder that "
                     "already holds another run's is refused without --overwrite)")
    run.add_argument("--overwrite", action="store_true",
                     help="replace the checkpoints already in --checkpoint-dir")
    run.add_argument("--resume", metavar="CHECKPOINT", help="resume a run exactly (its settings; "
                     "--epochs may extend it)")
    run.add_argument("--weights", metavar="FILE",
                     help="start from these (pretrained) weights, a state_dict .pt/.safetensors; "
                          "layers whose size differs, such as a replaced head, start fresh")
    run.add_argument("--continue-from", metavar="CHECKPOINT",
                     help="start from a checkpoint's weights with these settings")
    run.add_argument("--adapt", action="store_true",
                     help="change the design's Input and last layer to fit the data")
    run.add_argument("--json", action="store_true", help="print final metrics and history as JSON")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress output")


# --------------------------------------------------------------------------- settings
def _data_options(args) -> dict:
    options = {}
    for item in args.data_option:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise CommandError(f"--data-option {item!r}: write KEY=VALUE, e.g. size=32")
        options[key.strip()] = _scalar(value.strip())
    for key, value in (("root", args.data_root), ("path", args.data_path), ("limit", args.limit)):
        if value is not None:
            options[key] = value
    if args.download:
        options["download"] = True
    return options


def _scalar(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def _data_config(base: DataConfig, args) -> DataConfig:
    options = _data_options(args)
    if args.dataset and args.dataset != base.name:
        base = DataConfig(args.dataset)
    changes: dict = {"options": base.options | options}
    if args.val_fraction is not None:
        changes["val_fraction"] = args.val_fraction
    if args.test_split:
        changes["validation"] = "test"
    if args.permute_pixels:
        changes["permute_pixels"] = True
    return replace(base, **changes)


_FLAGS = {"epochs": "epochs", "batch_size": "batch_size", "optimizer": "optimizer", "lr": "lr",
          "weight_decay": "weight_decay", "momentum": "momentum", "label_smoothing": "label_smoothing",
          "device": "device", "seed": "seed", "patience": "patience", "threads": "threads",
          "precision": "precision", "compile": "compile"}
_SCHEDULE_FLAGS = {"schedule": "name", "decay": "k", "step_size": "step_size", "gamma": "gamma",
                   "warmup": "warmup_epochs"}


def build_config(graph, args) -> TrainingConfig:
    """The design's training settings with the command line's flags applied."""
    from .augment import AugmentError, parse_steps

    try:
        base = TrainingConfig.from_dict(graph.training)
        changes = {field: getattr(args, flag) for flag, field in _FLAGS.items()
                   if getattr(args, flag) is not None}
        sched = {field: getattr(args, flag) for flag, field in _SCHEDULE_FLAGS.items()
                 if getattr(args, flag) is not None}
        if sched:
            changes["schedule"] = replace(base.schedule, **sched)
        if args.augment:
            changes["augment"] = tuple(parse_steps(args.augment))
        if args.no_amp:
            changes["precision"] = "fp32"
        if args.channels_last:
            changes["channels_last"] = True
        frozen = _frozen(graph, args)
        if frozen is not None:
            changes["freeze"] = frozen
        changes["data"] = _data_config(base.data, args)
        return replace(base, **changes)
    except (ConfigError, ScheduleError, AugmentError) as exc:
        raise CommandError(f"invalid setting: {exc}") from None


def _frozen(graph, args) -> tuple[str, ...] | None:
    """--freeze-until NODE and --freeze IDs as the config's freeze list (None: unchanged)."""
    from ..analysis import analyze
    from .transfer import TransferError, freeze_until, members

    until, ids = getattr(args, "freeze_until", None), getattr(args, "freeze", None)
    if until is None and not ids:
        return None
    try:
        frozen = list(freeze_until(graph, analyze(graph).order, until)) if until else []
        for ident in ids or []:
            members(graph, ident)  # checks it exists
            frozen.append(ident)
    except TransferError as exc:
        raise CommandError(str(exc)) from None
    return tuple(dict.fromkeys(frozen))


# --------------------------------------------------------------------------- design and fit
def _load(name: str):
    from ..core.serialize import DesignFileError, load
    from ..zoo import find

    try:
        return load(find(name))
    except DesignFileError as exc:
        raise CommandError(f"cannot open the design: {exc}", EXIT_UNREADABLE) from None


def _fit(graph, config: TrainingConfig, adapt: bool, say):
    """The design to train: as given, or adapted with --adapt; CommandError if it cannot fit."""
    from .data import DatasetError, describe_dataset
    from .fit import adapt_design, check_fit

    if adapt:
        try:
            info = describe_dataset(config.data)
        except DatasetError as exc:
            raise CommandError(str(exc), EXIT_UNREADABLE) from None
        report = check_fit(graph, info)
        if not report.ok and report.can_adapt:
            adapted = adapt_design(graph, info)
            say(f"adapted the design: {', '.join(adapted.changes)}")
            if not adapted.valid:
                raise CommandError("the adapted design does not work either: "
                                   + "; ".join(adapted.issues[:3]))
            return adapted.graph
    return graph


# --------------------------------------------------------------------------- output
class Progress:
    """A one-line bar on a terminal, or one line per epoch when stderr is a file."""

    def __init__(self, quiet: bool, stream=None) -> None:
        self.quiet, self.stream = quiet, stream or sys.stderr
        self.tty = self.stream.isatty()
        self.epochs = 0

    def say(self, text: str) -> None:
        if not self.quiet:
            self._clear()
            print(text, file=self.stream, flush=True)

    def _clear(self) -> None:
        if self.tty:
            print("\r\033[K", end="", file=self.stream)

    def step(self, ev) -> None:
        if self.quiet or not self.tty:
            return
        width = 24
        done = int(width * ev.progress)
        acc = "" if math.isnan(ev.accuracy) else f"  acc {ev.accuracy:6.1%}"
        print(f"\repoch {ev.epoch}/{self.epochs} [{'#' * done}{'.' * (width - done)}] "
              f"{ev.batch}/{ev.batches}  loss {ev.loss:.4f}{acc}  {ev.samples_per_second:,.0f} "
              f"samples/s\033[K", end="", file=self.stream, flush=True)

    def epoch(self, ev) -> None:
        val_acc = "" if ev.val_accuracy is None or math.isnan(ev.val_accuracy) else f" acc {ev.val_accuracy:.1%}"
        train_acc = "" if math.isnan(ev.train_accuracy) else f" acc {ev.train_accuracy:.1%}"
        self.say(f"epoch {ev.epoch}/{ev.epochs}  train loss {ev.train_loss:.4f}{train_acc}  "
                 f"val loss {ev.val_loss:.4f}{val_acc}  {ev.samples_per_second:,.0f} samples/s  "
                 f"{ev.epoch_time_s:.1f} s{'  *' if ev.best else ''}")


def _clean(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


def summary(events: list, graph, config: TrainingConfig) -> dict:
    """The --json document: status, final and best metrics, per-epoch history, notes."""
    from .events import EpochMetrics, Failed, Finished, Note, RunStarted

    started = next((e for e in events if isinstance(e, RunStarted)), None)
    end = events[-1] if events else None
    history = [e.to_dict() for e in events if isinstance(e, EpochMetrics)]
    out = {"design": graph.name, "dataset": config.data.name,
           "device": started.device if started else None,
           "status": end.reason if isinstance(end, Finished) else "failed",
           "config": config.to_dict(), "notes": [e.text for e in events if isinstance(e, Note)],
           "final": history[-1] if history else None, "history": history}
    if isinstance(end, Finished):
        out |= {"epochs": end.epochs_done, "steps": end.steps_done,
                "train_time_s": end.train_time_s,
                "best": {"epoch": end.best_epoch, "val_loss": _clean(end.best_val_loss),
                         "val_accuracy": _clean(end.best_val_accuracy)},
                "checkpoints": {"best": end.best_checkpoint, "last": end.last_checkpoint,
                                "unsaved_epochs": list(end.unsaved_epochs)}}
    if isinstance(end, Failed):
        out["error"] = {"kind": end.kind, "message": end.message,
                        "last_checkpoint": end.last_checkpoint}
    return out


# --------------------------------------------------------------------------- run
def _exit_code(failed) -> int:
    if failed.kind in ("design", "mismatch", "config"):
        return EXIT_INVALID
    return EXIT_UNREADABLE if failed.kind == "data" else EXIT_FAILED


def _interrupts(control, progress: Progress):
    """First Ctrl-C stops after the current step; the second aborts."""
    def handler(signum, frame):
        if control.stop_requested:
            raise KeyboardInterrupt
        progress.say("stopping after this step (Ctrl-C again to abort)")
        control.stop()

    try:
        return signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        return None


def _drive(graph, config: TrainingConfig, args, progress: Progress) -> list:
    from .control import Control
    from .events import EpochMetrics, Failed, Finished, Note, RunStarted, StepMetrics
    from .loop import train

    control = Control()
    previous = _interrupts(control, progress)
    events = []
    try:
        for ev in train(graph, config, control, checkpoint_dir=args.checkpoint_dir,
                        resume_from=args.resume, continue_from=args.continue_from or args.weights,
                        epochs=args.epochs if args.resume else None,
                        report_interval_s=0.1):
            if isinstance(ev, StepMetrics):
                progress.step(ev)
                continue
            events.append(ev)
            if isinstance(ev, RunStarted):
                progress.epochs = ev.epochs
                progress.say(f"training {ev.design} on {ev.dataset} ({ev.train_samples:,} train / "
                             f"{ev.val_samples:,} validation samples) on {ev.device}")
            elif isinstance(ev, Note):
                progress.say(("warning: " if ev.level == "warning" else "") + ev.text)
            elif isinstance(ev, EpochMetrics):
                progress.epoch(ev)
            elif isinstance(ev, Finished):
                progress.say(f"{ev.reason.replace('_', ' ')}: {ev.epochs_done} epoch(s), best "
                             f"val loss {ev.best_val_loss:.4f} at epoch {ev.best_epoch}")
                if ev.unsaved_epochs:
                    progress.say(f"warning: the checkpoints of epoch(s) "
                                 f"{', '.join(map(str, ev.unsaved_epochs))} could not be saved")
            elif isinstance(ev, Failed):
                progress._clear()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return events


def _check_run_options(args) -> None:
    """The checkpoint folder is usable (before any training) and --resume's ignored flags."""
    from .run_folder import FolderError, check_checkpoint_dir

    if args.checkpoint_dir:
        try:
            check_checkpoint_dir(args.checkpoint_dir, args.overwrite, args.resume)
        except FolderError as exc:
            raise CommandError(str(exc), EXIT_UNREADABLE) from None
    if args.resume:
        ignored = [f"--{flag.replace('_', '-')}" for flag in (*_FLAGS, *_SCHEDULE_FLAGS)
                   if flag != "epochs" and getattr(args, flag) is not None]
        if ignored:  # said even with --quiet: it is about the command given
            print(f"designer train: note: --resume continues the run with its own settings; "
                  f"ignored: {', '.join(ignored)} (use --continue-from to train on with new "
                  f"settings)", file=sys.stderr)


def _choose_threads(config: TrainingConfig, say) -> TrainingConfig:
    """Settle the CPU threads before training (0 = auto) and say so on the first line."""
    from .devices import DeviceError, pick_device, thread_choice

    try:
        on_cpu = pick_device(config.device).type == "cpu"
    except DeviceError:
        return config  # the run itself reports the device problem
    if not on_cpu:
        return config
    if config.threads:
        say(f"CPU threads: {config.threads} (--threads)")
        return config
    threads, why = thread_choice()
    say(f"CPU threads: {threads} ({why}; --threads N to choose)")
    return replace(config, threads=threads)


def run(args) -> int:
    """Entry point of ``designer train``; returns the exit status."""
    progress = Progress(args.quiet or False)
    try:
        graph = _load(args.file)
        config = build_config(graph, args)
        if getattr(args, "replace_head", None) is not None:  # transfer learning: a new head
            from .head_choice import replaced_for_training
            try:
                graph, config = replaced_for_training(graph, config, args.replace_head, progress.say)
            except ValueError as exc:
                raise CommandError(f"--replace-head: {exc}") from None
        graph = _fit(graph, config, args.adapt, progress.say)
        _check_run_options(args)
    except CommandError as exc:
        print(f"designer train: {exc}", file=sys.stderr)
        return exc.code
    config = _choose_threads(config, progress.say)
    events = _drive(graph, config, args, progress)
    from .events import Failed

    end = events[-1] if events else None
    if args.json:
        try:
            print(json.dumps(summary(events, graph, config), indent=2))
        except BrokenPipeError:  # `designer train ... --json | head`
            sys.stderr.close()
    if isinstance(end, Failed):
        hint = " (or rerun with --adapt)" if end.kind == "mismatch" else ""
        print(f"designer train: {end.message}{hint}", file=sys.stderr)
        return _exit_code(end)
    return EXIT_OK
