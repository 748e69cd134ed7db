"""SIGKILL saves at random moments; print what the targets held afterwards (JSON).

    python tests/robust/kill_harness.py FOLDER KILLS_PER_KIND SEED

Run by test_kill_saves.py in a fresh interpreter. For each kind of save (design,
checkpoint, weights, safetensors, TorchScript, ONNX, Python export, figure PNG) a forked
child saves two versions in turn, as fast as it can, until the parent kills it at a random
moment. The target must then hold version A or version B byte for byte (each save is
deterministic, checked first), and the next save must clear the killed one's temporary file.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import torch

torch.set_num_threads(1)  # no thread pool to inherit across fork

from PySide6.QtGui import QImage  # noqa: E402

from designer.cli import load_design  # noqa: E402
from designer.compiler.export import python_source  # noqa: E402
from designer.compiler.onnx_export import export_onnx  # noqa: E402
from designer.compiler.script_export import export_torchscript  # noqa: E402
from designer.compiler.weights import design_weights, save_state_dict  # noqa: E402
from designer.core.atomic_write import temp_files, write_text  # noqa: E402
from designer.core.serialize import save, to_dict  # noqa: E402
from designer.gui.image_io import save_image  # noqa: E402
from designer.training.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402


def savers() -> dict:
    graph = load_design("lenet5")
    variants = []
    for seed in (1, 2):
        g = graph.copy()
        g.name = f"LeNet-5 version {seed}"
        module = design_weights(g, seed=seed)
        image = QImage(320, 200, QImage.Format.Format_RGB32)
        image.fill(0x203040 * seed)
        variants.append((g, module, image))

    def kind(fn):
        return [lambda path, v=v: fn(path, *v) for v in variants]

    return {
        "design": kind(lambda p, g, m, i: save(g, p)),
        "checkpoint": kind(lambda p, g, m, i: save_checkpoint(p, {"design": to_dict(g),
                                                                   "model": m.state_dict()})),
        "weights": kind(lambda p, g, m, i: save_state_dict(m.state_dict(), p, "pt")),
        "safetensors": kind(lambda p, g, m, i: save_state_dict(m.state_dict(), p, "safetensors")),
        "torchscript": kind(lambda p, g, m, i: export_torchscript(g, p, m)),
        "onnx": kind(lambda p, g, m, i: export_onnx(g, p, m)),
        "python": kind(lambda p, g, m, i: write_text(p, python_source(g))),
        "figure": kind(lambda p, g, m, i: save_image(i, p)),
    }


def references(folder: Path, pair: list) -> tuple[list[bytes], float]:
    refs, started = [], time.perf_counter()
    for v, fn in enumerate(pair):
        for again in range(2):
            path = folder / f"ref-{v}-{again}"
            fn(path)
        first, second = (folder / f"ref-{v}-0").read_bytes(), (folder / f"ref-{v}-1").read_bytes()
        assert first == second, "a save is not deterministic"
        refs.append(first)
    return refs, (time.perf_counter() - started) / 4


def kill_loop(target: Path, pair: list, refs: list[bytes], seconds: float, kills: int,
              rng: random.Random) -> dict:
    counts = {"kills": kills, "old_or_new": 0, "interrupted_mid_write": 0, "bad": []}
    for i in range(kills):
        pid = os.fork()
        if pid == 0:  # the child: save A, B, A, ... until killed
            try:
                v = 1
                while True:
                    pair[v](target)
                    v ^= 1
            finally:
                os._exit(1)
        time.sleep(rng.uniform(0, seconds * 2))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        if temp_files(target):
            counts["interrupted_mid_write"] += 1
        data = target.read_bytes()
        if data in refs:
            counts["old_or_new"] += 1
        else:
            counts["bad"].append(f"kill {i}: {len(data)} bytes, neither version")
    pair[0](target)  # the next save clears what the killed ones left
    counts["temp_files_after_next_save"] = len(temp_files(target))
    return counts


def main() -> None:
    folder, kills, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    report = {}
    for kind, pair in savers().items():
        sub = folder / kind
        sub.mkdir(parents=True)
        refs, seconds = references(sub, pair)
        target = sub / "target"
        pair[0](target)
        report[kind] = kill_loop(target, pair, refs, seconds, kills, rng)
        report[kind]["save_s"] = round(seconds, 4)
    if "checkpoint" in report:  # loadable, checksum verified
        load_checkpoint(folder / "checkpoint" / "target")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
