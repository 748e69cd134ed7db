"""Device choice and the memory check before training."""

import pytest
import torch

from designer.analysis import analyze
from designer.core.serialize import load
from designer.training.devices import DeviceError, available_ram, memory_report, pick_device
from designer.zoo import find


def test_auto_picks_a_device_and_unknown_devices_are_refused():
    assert pick_device("auto").type in ("cuda", "mps", "cpu")
    assert pick_device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="torch sees no CUDA GPU"):
            pick_device("cuda")


def test_memory_report_against_available_ram():
    analysis = analyze(load(find("lenet5")))
    report = memory_report(analysis, 64, "adam", torch.device("cpu"))
    assert report.free_bytes == available_ram() or abs(report.free_bytes - available_ram()) < 2**30
    assert report.estimate_bytes == analysis.training_memory(64, "adam").total
    assert report.fits and report.largest_batch > 64
    assert "largest batch that fits" in report.message
    small = type(report)("cpu", 64, report.estimate_bytes, report.estimate_bytes // 2, 10)
    assert not small.fits and "lower the batch size" in small.message
