"""Augmented sets that live on the device: batches indexed, augmented and normalised there.

No GPU here: the resident path is forced on the CPU device, where it must give exactly the
batches of the usual path (same order, same augmentation draws)."""

import torch

from designer.training.augment import build_pipeline, parse_steps
from designer.training.batches import BatchSource, fits_on_device


def _finisher(device):
    return lambda x: (x.float() / 255.0 - 0.5).to(device)


def _source(resident, x, y, workers=-1):
    pipeline = build_pipeline(parse_steps(["hflip", "noise:sigma=0.05"]), x.shape[1:])
    return BatchSource(x, y, 8, torch.device("cpu"), _finisher, pipeline, seed=3, workers=workers,
                       resident=resident)


def _data():
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (37, 1, 6, 6), generator=gen, dtype=torch.uint8)
    return x, torch.arange(37)


def _epoch(source, epoch=1):
    torch.manual_seed(11)  # the augmentation's draws
    return list(source.epoch(epoch))


def test_resident_batches_equal_the_usual_ones():
    x, y = _data()
    resident, usual = _source(True, x, y), _source(False, x, y, workers=0)
    assert resident.resident and resident.workers == 0 and not usual.resident
    a, b = _epoch(resident), _epoch(usual)
    assert len(a) == len(b) == len(resident)
    for (xa, ya), (xb, yb) in zip(a, b):
        assert torch.equal(ya, yb)
        torch.testing.assert_close(xa, xb)
    seen = torch.cat([yb for _, yb in a])
    assert sorted(seen.tolist()) == sorted(set(seen.tolist()))  # each sample at most once


def test_resident_only_where_a_gpu_holds_the_set():
    x, y = _data()
    assert not fits_on_device((x, y), torch.device("cpu"))
    assert not _source(None, x, y).resident  # the CPU path stays as it was
