"""Where an imported model comes from: ``torchvision:NAME``, ``package.module:callable`` or
``path/to/file.py:callable``. Models are built without pretrained weights (nothing is
downloaded); torchvision models get the few constructor options that make them traceable.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from torch import nn

from .import_opaque import recording_constructors
from .importer import ModelImportError

#: Constructor options per torchvision model, with why: the design is the inference network.
_AUX = ({"aux_logits": False, "transform_input": False, "init_weights": True},
        "built with aux_logits=False and transform_input=False: the auxiliary classifiers run "
        "only while training and the input transform only suits the ImageNet weights")
TORCHVISION_OPTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "googlenet": _AUX,
    "inception_v3": _AUX,
}


def load_source(source: str, pretrained: bool = False) -> tuple[nn.Module, str, list[str]]:
    """The model named by ``source``, a label for it, and notes about how it was built;
    ``pretrained`` loads torchvision's default weights from the local torch hub cache."""
    if source.endswith(".onnx"):
        from .import_onnx import load_onnx

        return load_onnx(source)
    kind, sep, name = source.partition(":")
    if not sep or not kind or not name:
        raise ModelImportError(f"cannot tell where to import {source!r} from; write "
                               f"torchvision:NAME (e.g. torchvision:resnet18), "
                               f"package.module:callable or path/to/file.py:callable")
    if kind == "torchvision":
        model, label, notes = _torchvision(name)
        if pretrained:
            notes.append(load_cached_weights(model, name))
        return model, label, notes
    if pretrained:
        raise ModelImportError("--pretrained reads torchvision's weights; for other models give "
                               "their state_dict with --weights FILE")
    return _callable(kind, name, source)


def cached_weights_path(name: str) -> tuple[Path, str]:
    """Where torch hub keeps torchvision's default weights for ``name``, and their URL."""
    import torch
    import torchvision

    weights = torchvision.models.get_model_weights(name).DEFAULT
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name, weights.url


def load_cached_weights(model: nn.Module, name: str) -> str:
    """Load the pretrained weights from TORCH_HOME (never downloaded); a note says which."""
    import torch

    path, url = cached_weights_path(name)
    if not path.is_file():
        raise ModelImportError(
            f"the pretrained weights of {name} are not in the torch hub cache ({path}); fetch "
            f"them once with: python -c \"import torchvision; torchvision.models.get_model("
            f"'{name}', weights='DEFAULT')\" (or download {url} to that folder)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as exc:  # a damaged or foreign file
        raise ModelImportError(f"{path} does not hold {name}'s weights: {type(exc).__name__}: "
                               f"{str(exc).splitlines()[0]}") from None
    return f"{name}: pretrained weights loaded from {path}"


def torchvision_models() -> list[str]:
    """The torchvision classification models that can be asked for by name."""
    import torchvision

    return sorted(torchvision.models.list_models(module=torchvision.models))


def _torchvision(name: str) -> tuple[nn.Module, str, list[str]]:
    import torchvision

    known = torchvision_models()
    if name not in known:
        raise ModelImportError(f"torchvision has no classification model {name!r}; choose one of "
                               f"{', '.join(known)}")
    options, why = TORCHVISION_OPTIONS.get(name, ({}, ""))
    notes = [f"{name}: {why}"] if why else []
    if name.startswith("densenet"):
        options = {"memory_efficient": False}
    with recording_constructors():
        model = torchvision.models.get_model(name, weights=None, **options)
    return model, f"torchvision.models.{name}", notes


def _callable(where: str, attr: str, source: str) -> tuple[nn.Module, str, list[str]]:
    module = _load_module(where)
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ModelImportError(f"{where} has no attribute {attr!r} (from {source!r})")
        obj = getattr(obj, part)
    if not isinstance(obj, nn.Module):
        if not callable(obj):
            raise ModelImportError(f"{source} is neither a torch.nn.Module nor a callable")
        try:
            with recording_constructors():
                obj = obj()
        except Exception as exc:  # user code: report whatever it raised
            raise ModelImportError(f"calling {source}() raised {type(exc).__name__}: {exc}") from None
    if not isinstance(obj, nn.Module):
        raise ModelImportError(f"{source}() returned {type(obj).__name__}, not a torch.nn.Module")
    return obj, f"{Path(where).stem if where.endswith('.py') else where}.{attr}", []


def _load_module(where: str):
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise ModelImportError(f"there is no Python file {where}")
        name = f"_designer_import_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise ModelImportError(f"running {where} raised {type(exc).__name__}: {exc}") from None
        return module
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())  # `designer import mymod:build` finds ./mymod.py
    try:
        return importlib.import_module(where)
    except ImportError as exc:
        raise ModelImportError(f"cannot import the module {where!r}: {exc}") from None
    except Exception as exc:
        raise ModelImportError(f"importing {where} raised {type(exc).__name__}: {exc}") from None
