"""Weights of a compiled design: read and write state_dicts (.pt/.pth, safetensors) and load
them into a design by name, whichever naming they use.

A compiled design names its layers after sanitized node ids (``layer1_0_conv1.weight``); a
model imported from PyTorch has node ids equal to its module paths, so the original model's
own state_dict (``layer1.0.conv1.weight``) loads too. A state_dict that does not fit names
the first differing tensor with the expected and the received shape.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Mapping

import torch
import torch.fx as fx

from ..core.atomic_write import write_bytes
from .checksum import verify

#: Keys under which training checkpoints commonly keep the model's state_dict.
_WRAPPERS = ("model", "state_dict", "model_state_dict", "model_state", "weights")
_OPTIONAL = ("num_batches_tracked",)


class WeightsError(ValueError):
    """Weights that cannot be read or do not fit the design; the message says which tensor."""

    def __init__(self, message: str, name: str = "", expected=None, got=None) -> None:
        super().__init__(message)
        self.name, self.expected, self.got = name, expected, got


# --------------------------------------------------------------------------- files
def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """A state_dict from a .pt/.pth file (or a checkpoint holding one) or a .safetensors file."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"there is no weights file {path}")
    if path.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise WeightsError(f"{path} is not a readable safetensors file: {exc}") from None
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip and unpickler errors vary by file
        raise WeightsError(f"{path} is not a PyTorch weights file torch.load can read safely "
                           f"({type(exc).__name__}: {exc})") from None
    if not verify(data):  # a Designer checkpoint carries a digest of its content
        raise WeightsError(f"{path} is damaged: its content does not match its checksum (a disk "
                           f"or copy error?); use another checkpoint")
    return _unwrap(data, path)


def _unwrap(data, path: Path) -> dict[str, torch.Tensor]:
    if isinstance(data, Mapping) and not _is_state_dict(data):
        for key in _WRAPPERS:
            if _is_state_dict(data.get(key)):
                data = data[key]
                break
    if not _is_state_dict(data):
        raise WeightsError(f"{path} holds {type(data).__name__}, not a state_dict (a mapping of "
                           f"names to tensors, possibly under 'model' or 'state_dict')")
    return dict(data)


def _is_state_dict(data) -> bool:
    return (isinstance(data, Mapping) and bool(data)
            and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in data.items()))


def save_state_dict(state: Mapping[str, torch.Tensor], path: str | Path, fmt: str | None = None) -> None:
    """Write ``state`` as ``fmt`` ("safetensors" or "pt"; by default from the file's suffix)
    atomically; WriteError (an OSError naming the path and cause) when it cannot be written."""
    path = Path(path)
    fmt = fmt or ("safetensors" if path.suffix == ".safetensors" else "pt")
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in state.items()}
    write_bytes(path, state_dict_bytes(tensors, fmt))


def state_dict_bytes(tensors: Mapping[str, torch.Tensor], fmt: str = "pt") -> bytes:
    """The file's bytes, made in memory: a C++ serialiser's failure is an exception here,
    and the atomic writer alone touches the disk."""
    if fmt == "safetensors":
        from safetensors.torch import save

        return save(dict(tensors), metadata={"format": "pt"})
    buffer = io.BytesIO()
    torch.save(dict(tensors), buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- matching
def match_state_dict(module: fx.GraphModule, state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``state`` renamed to ``module``'s own names and checked tensor by tensor.

    Accepts the compiled names, node-id names (``layer1.0.conv1.weight``) and a leading
    ``module.`` (DistributedDataParallel). Raises WeightsError at the first difference.
    """
    expected = module.state_dict()
    design_names = getattr(module, "design_names", {})
    to_node = {name: nid for nid, name in design_names.items()}
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    renamed: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        renamed[_compiled_name(key, expected, design_names)] = tensor
    for name, want in expected.items():
        label = _display(name, to_node)
        if name not in renamed:
            if name.rsplit(".", 1)[-1] in _OPTIONAL:
                renamed[name] = want.clone()
                continue
            raise WeightsError(f"the weights do not match the design: {label} is missing "
                               f"(expected shape {list(want.shape)})", label, tuple(want.shape))
        got = renamed[name]
        if tuple(got.shape) != tuple(want.shape):
            raise WeightsError(f"the weights do not match the design: {label}: expected shape "
                               f"{list(want.shape)}, got {list(got.shape)}",
                               label, tuple(want.shape), tuple(got.shape))
    extra = [k for k in renamed if k not in expected]
    if extra:
        raise WeightsError(f"the weights do not match the design: {extra[0]} (shape "
                           f"{list(renamed[extra[0]].shape)}) is not a tensor of the design",
                           extra[0], None, tuple(renamed[extra[0]].shape))
    return {name: renamed[name] for name in expected}


def compiled_name(key: str, expected, design_names: dict[str, str]) -> str:
    """The compiled module's name for a state_dict key in any naming it accepts."""
    return _compiled_name(key, expected, design_names)


def _compiled_name(key: str, expected, design_names: dict[str, str]) -> str:
    if key in expected:
        return key
    node_id, _, local = key.rpartition(".")
    if node_id in design_names:
        return f"{design_names[node_id]}.{local}"
    if key in design_names:  # a tensor used directly (layer scale, class token): its node's weight
        return f"{design_names[key]}.weight"
    parts = key.split(".")
    for cut in range(len(parts) - 2, 0, -1):  # a module kept whole: its path is the node id
        node_id = ".".join(parts[:cut])
        if node_id in design_names:
            return f"{design_names[node_id]}.{'.'.join(parts[cut:])}"
    return key


def _display(name: str, to_node: dict[str, str]) -> str:
    attr, _, local = name.rpartition(".")
    return f"{to_node[attr]}.{local}" if attr in to_node else name


def load_weights(module: fx.GraphModule, state: Mapping[str, torch.Tensor]) -> None:
    """Copy ``state`` into ``module`` (a compiled design); WeightsError if it does not fit."""
    with torch.no_grad():
        module.load_state_dict(match_state_dict(module, state), strict=True)


def design_weights(graph, checkpoint: str | Path | None = None, seed: int = 0) -> fx.GraphModule:
    """The design compiled, with the checkpoint's weights or freshly initialised from ``seed``."""
    from .fx_builder import compile_design

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        module = compile_design(graph)
    if checkpoint is not None:
        load_weights(module, read_state_dict(checkpoint))
    return module.eval()
