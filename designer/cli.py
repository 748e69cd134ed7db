"""The ``designer`` command line. Headless subcommands never import Qt.

Each subcommand is one entry of COMMANDS: (help, add_arguments, run). ``run(args)`` returns
the exit status. Errors the user can fix are printed as one plain sentence on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from . import __version__

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


class UserError(Exception):
    """A problem the user can fix; printed without a traceback. ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_UNREADABLE) -> None:
        super().__init__(message)
        self.code = code


def load_design(name: str):
    """Load a design file, or a bundled example by name; UserError if unreadable."""
    from .core.graph import collector_paused
    from .core.serialize import DesignFileError, load
    from .zoo import find

    try:
        with collector_paused():  # loading tens of thousands of small objects, no cycles
            return load(find(name))
    except DesignFileError as exc:
        raise UserError(f"cannot open the design: {exc}") from None


# ----------------------------------------------------------------- summary
def _summary_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="design file (.json) or example name (lenet5, vgg16, ...)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")


def _summary(args) -> int:
    from .analysis import analyze
    from .analysis.report import format_table, summary_json

    graph = load_design(args.file)
    analysis = analyze(graph)
    if args.json:
        print(summary_json(analysis))
    else:
        print(format_table(analysis))
        from .analysis.trainable import param_split, split_text

        split = param_split(graph, analysis)
        if split.any_frozen:  # transfer learning: the design's training settings freeze some
            print(f"Fine-tuning: {split_text(split)} (frozen layers keep their weights)")
    return EXIT_OK if analysis.valid else EXIT_INVALID


# ----------------------------------------------------------------- validate
def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="design file (.json) or example name")


def _validate(args) -> int:
    from .analysis import analyze

    from .analysis.report import totals_text

    analysis = analyze(load_design(args.file))
    valid = analysis.valid
    stream = sys.stdout if valid else sys.stderr
    stream.write("".join(f"{issue}\n" for issue in analysis.issues))
    if valid:
        print(f"{analysis.name}: valid ({len(analysis.warnings)} warning(s)), "
              f"{analysis.total_params:,} parameters, {analysis.total_macs:,} MACs")
        return EXIT_OK
    print(f"{analysis.name}: {len(analysis.errors)} error(s); {totals_text(analysis)}", file=sys.stderr)
    return EXIT_INVALID


# ----------------------------------------------------------------- export
EXPORT_FORMATS: dict[str, Callable] = {}


def export_format(name: str):
    """Register an exporter ``fn(graph, out_path, args)`` under ``--format name``."""
    def register(fn):
        EXPORT_FORMATS[name] = fn
        return fn
    return register


@export_format("python")
def _export_python(graph, out: Path, args) -> None:
    from .compiler.export import python_source
    from .core.serialize import write_text_atomic

    write_text_atomic(out, python_source(graph))


def _interop_format(name: str) -> None:
    """Formats implemented in interop_cli (onnx, torchscript, ...), imported when used."""
    @export_format(name)
    def run(graph, out: Path, args) -> None:
        from .interop_cli import run_export

        run_export(name, graph, out, args)


for _name in ("onnx", "torchscript", "weights", "safetensors", "train-script"):
    _interop_format(_name)


def _export_args(p: argparse.ArgumentParser) -> None:
    from .interop_cli import add_export_options

    p.add_argument("file", help="design file (.json) or example name")
    p.add_argument("--format", "-f", default="python", choices=sorted(EXPORT_FORMATS),
                   help="output format (default: python)")
    p.add_argument("-o", "--output", required=True, help="file to write")
    add_export_options(p)


def _export(args) -> int:
    from .compiler import CompileError
    from .compiler.targets import TargetError

    graph = load_design(args.file)
    if args.format not in EXPORT_FORMATS:
        raise UserError(f"unknown export format {args.format!r}; choose one of "
                        f"{', '.join(sorted(EXPORT_FORMATS))}")
    from .core.atomic_write import write_message
    from .core.memory_check import NotEnoughMemory
    from .export_guard import check_export_memory

    try:
        check_export_memory(graph, args.format)
        EXPORT_FORMATS[args.format](graph, Path(args.output), args)
    except CompileError as exc:
        raise UserError(str(exc), EXIT_INVALID) from None
    except TargetError as exc:  # a Module call's class that may not or cannot be imported
        raise UserError(f"cannot export {args.file}: {exc}", EXIT_INVALID) from None
    except NotEnoughMemory as exc:
        raise UserError(str(exc)) from None
    except (OSError, MemoryError) as exc:  # WriteError: one line naming the path and cause
        raise UserError(write_message(exc, args.output)) from None
    print(f"wrote {args.output}")
    return EXIT_OK


# ----------------------------------------------------------------- examples
def _examples_args(p: argparse.ArgumentParser) -> None:
    pass


def _examples(args) -> int:
    from .zoo import list_examples

    for ex in list_examples():
        first = ex.description.split(". ")[0].strip()
        print(f"{ex.name:<16} {ex.title}: {first}")
    return EXIT_OK


def _lazy(name: str) -> Callable:
    from . import interop_cli

    return getattr(interop_cli, name)


COMMANDS: dict[str, tuple[str, Callable, Callable]] = {
    "summary": ("per-layer table of shapes, parameters, MACs and receptive fields", _summary_args, _summary),
    "validate": ("check a design; exit 0 valid, 1 invalid, 2 unreadable", _validate_args, _validate),
    "export": ("write the design as a PyTorch module, ONNX, TorchScript, weights or a training "
               "script", _export_args, _export),
    "examples": ("list the bundled example designs", _examples_args, _examples),
    "train": ("train a design on a dataset, headless (progress bar, or --json metrics)", lambda p: __import__("designer.training.cli", fromlist=["run"]).add_arguments(p), lambda args: __import__("designer.training.cli", fromlist=["run"]).run(args)),
    "figure": ("render a viewer's figure (filters, activations, ...) to PNG, headless", lambda p: __import__("designer.figures", fromlist=["run"]).add_arguments(p), lambda args: __import__("designer.figures", fromlist=["run"]).run(args)),
    "import": ("import a PyTorch model (torchvision:NAME, module:callable) as a design",
               lambda p: _lazy("add_import_args")(p), lambda args: _lazy("run_import")(args)),
    "lesson": ("run a lesson (the lecture's experiments) headless and print its table",
               lambda p: __import__("designer.lessons.cli", fromlist=["run"]).add_arguments(p),
               lambda args: __import__("designer.lessons.cli", fromlist=["run"]).run(args)),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The headless parser; with ``only`` (a command name, or "" for none) just that
    command's arguments are built, so that ``--version``, ``summary`` and ``validate`` do not
    import what ``train`` or ``export`` need for theirs (numpy, torch helpers)."""
    parser = argparse.ArgumentParser(
        prog="designer",
        description="Build, train and understand convolutional neural networks.",
        epilog="Without a COMMAND, `designer [FILE] [--screenshot PNG]` opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"designer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_args, run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or only == name:
            add_args(p)
        p.set_defaults(run=run)
    return parser


# ----------------------------------------------------------------- the window
def wants_window(argv: list[str]) -> bool:
    """``designer``, ``designer FILE`` and ``designer [FILE] --screenshot PNG`` open the GUI;
    subcommands, --help/--version and unknown words (typos) go to the headless parser."""
    if not argv:
        return True
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return False
    if first.startswith("-"):
        return True
    from .zoo import find

    return first.endswith(".json") or find(first).exists()


def build_gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="designer", description="Open the designer window (LeNet-5 when no FILE is given).")
    parser.add_argument("file", nargs="?", help="design file (.json) or example name")
    parser.add_argument("--screenshot", metavar="PNG", help="render the window offscreen to PNG and exit")
    parser.add_argument("--size", default="1440x900", help="window size for --screenshot (WxH)")
    parser.add_argument("--select", metavar="NODE", help="select this node (and centre on it)")
    parser.add_argument("--theme", choices=("system", "light", "dark"), help="colour theme")
    return parser


def _window(argv: list[str]) -> int:
    parser = build_gui_parser()
    args = parser.parse_args(argv)
    try:
        size = tuple(int(v) for v in args.size.lower().split("x"))
        if len(size) != 2 or min(size) < 200 or max(size) > 10000:
            raise ValueError
    except ValueError:
        parser.error(f"--size must look like 1440x900 (200 to 10000 pixels), got {args.size!r}")
    try:
        from .gui.app import LaunchError, run
    except ImportError as exc:
        print(f"designer: the window needs PySide6 ({exc}); pip install PySide6-Essentials",
              file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        return run(args.file, args.screenshot, size, args.select, args.theme)
    except LaunchError as exc:
        print(f"designer: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if wants_window(argv):
        return _window(argv)
    parser = build_parser(argv[0] if argv[0] in COMMANDS else "")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        return args.run(args)
    except UserError as exc:
        print(f"designer {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
