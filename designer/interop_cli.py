"""The command line's round trip with PyTorch: ``designer import`` and the export formats
onnx, torchscript, weights (state_dict .pt), safetensors and train-script.

cli.py registers these lazily; this module imports torch only inside functions, so building
the argument parser stays fast. Every failure the user can fix becomes a UserError with one
plain message (which layer, which tensor, what to do).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .cli import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE, UserError


# --------------------------------------------------------------------------- import
def add_import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="torchvision:NAME (e.g. torchvision:resnet18), "
                                  "package.module:callable or path/to/file.py:callable. "
                                  "Importing a module or file RUNS ITS CODE with your "
                                  "permissions, as Python's import does: import only code "
                                  "you trust")
    p.add_argument("-o", "--output", required=True, help="design file to write (.json)")
    p.add_argument("--input-shape", type=int, nargs="+", default=[3, 224, 224], metavar="N",
                   help="size of one input sample without the batch (default: 3 224 224)")
    p.add_argument("--name", help="name of the design (default: the model's name)")
    p.add_argument("--weights", help="a state_dict (.pt/.pth/.safetensors) of the same model to "
                                     "check against the design and save in its naming")
    p.add_argument("--weights-out", help="where --weights is saved (default: OUTPUT with .pt)")
    p.add_argument("--pretrained", action="store_true",
                   help="torchvision models: load the default pretrained weights from the local "
                        "torch hub cache (TORCH_HOME; never downloaded) and save them like --weights")


def run_import(args) -> int:
    from .compiler.importer import ModelImportError, UnsupportedModelError, import_model
    from .core.serialize import save

    try:
        result = import_model(args.source, args.input_shape, args.name,
                              getattr(args, "pretrained", False))
    except UnsupportedModelError as exc:
        raise UserError(str(exc), EXIT_INVALID) from None
    except ModelImportError as exc:
        raise UserError(str(exc), EXIT_UNREADABLE) from None
    graph = result.graph
    if args.weights:
        _import_weights(graph, Path(args.weights), args.weights_out or Path(args.output).with_suffix(".pt"))
    elif getattr(args, "pretrained", False):
        _save_pretrained(result, args.weights_out or Path(args.output).with_suffix(".pt"))
    _write(lambda: save(graph, args.output), args.output)
    layers = sum(1 for n in graph if n.type not in ("Input", "Output"))
    from .analysis import analyze

    params = analyze(graph).total_params
    print(f"imported {args.source}: {layers} layers in {len(graph.groups)} groups, "
          f"{params:,} parameters; wrote {args.output}")
    for note in result.notes:
        print(f"note: {note}")
    return EXIT_OK


def _import_weights(graph, source: Path, out) -> None:
    from .compiler.weights import (WeightsError, design_weights, load_weights, read_state_dict,
                                   save_state_dict)

    module = design_weights(graph)
    try:
        load_weights(module, read_state_dict(source))
    except WeightsError as exc:
        raise UserError(f"{source}: {exc}", EXIT_INVALID) from None
    _write(lambda: save_state_dict(module.state_dict(), out), out)
    print(f"the weights in {source} fit the design; wrote {out}")


def _save_pretrained(result, out) -> None:
    from .compiler.fx_builder import compile_design
    from .compiler.weights import save_state_dict

    module = compile_design(result.graph)
    result.copy_weights(module)
    _write(lambda: save_state_dict(module.state_dict(), out), out)
    print(f"saved the pretrained weights in the design's naming to {out}")


def _write(action, path) -> None:
    try:
        action()
    except OSError as exc:
        from .core.atomic_write import write_message

        raise UserError(write_message(exc, path)) from None


# --------------------------------------------------------------------------- export
def add_export_options(p: argparse.ArgumentParser) -> None:
    """Options of ``designer export`` used by the weight-carrying formats."""
    p.add_argument("--checkpoint", help="weights to export with the model: a state_dict "
                                        "(.pt/.pth/.safetensors) or a training checkpoint")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the fresh weights when no --checkpoint is given (default: 0)")


def _module(graph, args):
    from .compiler.weights import WeightsError, design_weights
    from .training.config import MAX_SEED

    seed = getattr(args, "seed", 0)
    if not 0 <= seed <= MAX_SEED:
        raise UserError(f"--seed must be a whole number from 0 to {MAX_SEED:,} (2**32 - 1), "
                        f"got {seed}", EXIT_INVALID)

    try:
        return design_weights(graph, getattr(args, "checkpoint", None), getattr(args, "seed", 0))
    except WeightsError as exc:
        raise UserError(f"{args.checkpoint}: {exc}", EXIT_INVALID) from None


def export_onnx(graph, out: Path, args) -> None:
    from .compiler.onnx_export import OnnxExportError, export_onnx as write, onnxruntime_difference

    module = _module(graph, args)
    try:
        write(graph, out, module)
    except OnnxExportError as exc:
        raise UserError(str(exc), EXIT_INVALID) from None
    try:
        from .analysis import analyze

        diff = onnxruntime_difference(out, module, analyze(graph).input_shape)
    except ImportError:
        return
    print(f"checked with onnxruntime: largest difference from PyTorch {diff:.2e}")


def export_torchscript(graph, out: Path, args) -> None:
    from .compiler.script_export import export_torchscript as write

    write(graph, out, _module(graph, args))


def export_weights(graph, out: Path, args) -> None:
    from .compiler.weights import save_state_dict

    save_state_dict(_module(graph, args).state_dict(), out, "pt")


def export_safetensors(graph, out: Path, args) -> None:
    from .compiler.weights import save_state_dict

    save_state_dict(_module(graph, args).state_dict(), out, "safetensors")


def export_train_script(graph, out: Path, args) -> None:
    from .compiler.train_script import TrainScriptError, training_script
    from .core.serialize import write_text_atomic
    from .training.config import ConfigError, TrainingConfig

    try:
        settings = TrainingConfig.from_dict(graph.training or None).to_dict()
        source, notes = training_script(graph, settings, out.name)
    except (ConfigError, TrainScriptError) as exc:
        raise UserError(f"cannot write a training script: {exc}", EXIT_INVALID) from None
    write_text_atomic(out, source)
    for note in notes:
        print(f"note: {note}")


EXPORTERS = {
    "onnx": export_onnx,
    "torchscript": export_torchscript,
    "weights": export_weights,
    "safetensors": export_safetensors,
    "train-script": export_train_script,
}


def run_export(name: str, graph, out: Path, args) -> None:
    EXPORTERS[name](graph, out, args)


__all__ = ["EXIT_UNREADABLE", "EXPORTERS", "add_export_options", "add_import_args", "run_export",
           "run_import"]
