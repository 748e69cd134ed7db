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


def test_cpu_threads_are_set_for_the_run_and_restored():
    from designer.training.devices import auto_threads, cpu_threads

    before = torch.get_num_threads()
    with cpu_threads(torch.device("cpu"), 1) as n:
        assert n == 1 == torch.get_num_threads()
    assert torch.get_num_threads() == before
    assert 1 <= auto_threads() <= before


def test_a_run_says_how_many_threads_it_uses():
    from designer.training.config import DataConfig, TrainingConfig
    from designer.training.events import Note
    from designer.training.loop import train
    from training_helpers import mlp

    before = torch.get_num_threads()
    cfg = TrainingConfig(DataConfig("xor", {"samples": 100}), epochs=1, device="cpu", threads=1)
    notes = [e.text for e in train(mlp(), cfg) if isinstance(e, Note)]
    assert "training on the CPU with 1 thread(s)" in notes
    assert torch.get_num_threads() == before


def test_headless_thread_choice_uses_every_idle_core(monkeypatch):
    from designer.training import devices

    cores = 4  # whatever this machine has (and whatever torch was set to by earlier tests)
    monkeypatch.setattr(devices, "auto_threads", lambda: cores)
    assert devices.thread_choice(load=1.0)[0] == cores  # only this process is busy: every core
    assert devices.thread_choice(load=2.0)[0] == cores - 1  # one core busy with other work
    threads, why = devices.thread_choice(load=cores + 10.0)  # a machine busy with other work
    assert threads == 1 and "busy" in why
    assert str(cores) in devices.thread_choice(load=0.0)[1]
