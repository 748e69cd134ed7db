"""Regenerate examples/*.json from the builders: python -m designer.architectures [OUT_DIR]."""

import sys
from pathlib import Path

from ..core.serialize import save
from ..zoo import examples_dir
from . import ARCHITECTURES

out = Path(sys.argv[1]) if len(sys.argv) > 1 else examples_dir()
for stem, build in ARCHITECTURES.items():
    save(build(), out / f"{stem}.json")
    print(f"wrote {out / f'{stem}.json'}")
