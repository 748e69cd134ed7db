"""A digest of a checkpoint's content, so that a damaged file is refused, not resumed.

PyTorch's zip reader does not check the CRCs of tensor records: a checkpoint with 64
zeroed bytes loads and resumes. Designer stores this digest in each checkpoint it writes and
compares it whenever it reads one (resume, continue, figures, exports).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class _Key:
    text: str


def checksum(data: Any) -> str:
    """A BLAKE2 digest of a checkpoint's content: keys, scalars and every tensor's bytes."""
    digest = hashlib.blake2b(digest_size=16)
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, torch.Tensor):
            flat = value.detach().cpu().contiguous().reshape(-1)
            digest.update(f"T{value.dtype}{tuple(value.shape)}".encode())
            digest.update(flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b"")
        elif isinstance(value, dict):
            digest.update(f"D{len(value)}".encode())
            for key in sorted(value, key=repr)[::-1]:
                stack.append(value[key])
                stack.append(_Key(repr(key)))
        elif isinstance(value, _Key):
            digest.update(f"K{value.text}".encode())
        elif isinstance(value, (list, tuple)):
            digest.update(f"L{len(value)}".encode())
            stack.extend(reversed(value))
        else:
            digest.update(f"V{value!r}".encode())
    return digest.hexdigest()


def verify(data: Any) -> bool:
    """Pop the stored digest off ``data`` (a loaded checkpoint dict) and check it; True when
    it matches or when the file has none (written before checksums)."""
    if not isinstance(data, dict) or "checksum" not in data:
        return True
    stored = data.pop("checksum")
    return stored == checksum(data)
