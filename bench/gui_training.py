"""GUI training benchmark: how responsive the window stays while it trains, and what the
background worker costs in throughput.

    python bench/gui_training.py                       # both, 3 rounds
    python bench/gui_training.py --lag --epochs 5      # only the event-loop lag
    python bench/gui_training.py --throughput          # only the samples/s table
    python bench/gui_training.py --throughput --clock cpu   # timed with the process's CPU time
    python bench/gui_training.py --screenshot docs/screenshot-training.png
    python bench/gui_training.py --first-point          # click on Train → first loss point

Lag: the real window (offscreen) trains LeNet-5 on digits (32×32) on the CPU through its
TrainingSession: worker thread, batched events, curves, progress line, viewers attached. A
10 ms QTimer on the GUI thread records how late each tick fires; the table gives p50, p99
and the worst lateness from RunStarted to the end of the run (torch is loaded before).

Throughput: samples/s of the timed epochs (after one warm-up epoch) of the same training
through the TrainingWorker with a Qt event loop running (with and without the viewers'
probe hook), through the engine's ``train()`` on the main thread, and through a plain
PyTorch loop; alternating rounds, all at the worker's thread count (cores - 1: one core is
kept for the GUI), and the plain loop once more at torch's default thread count.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import os  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TICK_MS = 10


def application():
    from designer.gui.app import create_application

    return create_application()


def _wait(signal, timeout_s: float = 600.0) -> None:
    """Run a Qt event loop until ``signal`` fires."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)


# --------------------------------------------------------------------------- worker runner
def worker_rates(graph, config, epochs: int, probes: bool = False) -> list[float]:
    """Per-epoch samples/s of ``config`` through the TrainingWorker (after a warm-up epoch),
    with a Qt event loop delivering its events on this (GUI) thread."""
    from designer.core.serialize import to_dict
    from designer.gui.workers import TrainingWorker
    from designer.training.events import EpochMetrics, Failed

    application()
    worker = TrainingWorker()
    rates: list[float] = []
    failures: list[str] = []

    def on_events(events: list) -> None:
        for event in events:
            if isinstance(event, EpochMetrics) and event.epoch > 1:
                rates.append(event.samples_per_second)
            elif isinstance(event, Failed):
                failures.append(event.message)

    worker.events.connect(on_events)
    hooks = []
    if probes:
        from designer.training.probes import ProbeHook

        hooks = [ProbeHook()]
    worker.start_training(to_dict(graph), config.updated(epochs=epochs + 1).to_dict(), probes=hooks)
    _wait(worker.job_ended)
    worker.shutdown()
    worker.deleteLater()
    if failures:
        raise RuntimeError(failures[0])
    return rates


def _lenet_window(tmp: Path, epochs: int):
    """The whole window on LeNet-5, shown at 1440×900, set to train on digits on the CPU."""
    from designer.gui.main_window import MainWindow
    from designer.gui.recovery import RecoveryStore
    from designer.gui.settings import Settings
    from designer.training.config import DataConfig

    window = MainWindow(settings=Settings.at(tmp / "s.ini"), recovery_store=RecoveryStore(tmp / "recovery"))
    window.open_example("lenet5")
    window.resize(1440, 900)
    window.show()
    session = window.training.session
    session.checkpoint_root = tmp / "runs"
    session.update_config(None, data=DataConfig("digits"), epochs=epochs, batch_size=64, device="cpu")
    return window, session


# --------------------------------------------------------------------------- lag
def measure_lag(epochs: int) -> dict:
    """Lateness of a 10 ms GUI timer while the window trains LeNet-5 on digits."""
    from PySide6.QtCore import Qt, QTimer

    application()
    with tempfile.TemporaryDirectory(prefix="designer-bench-") as tmp:
        window, session = _lenet_window(Path(tmp), epochs)
        window.training.show()
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(TICK_MS)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        marks: dict[str, float] = {}
        session.state_changed.connect(lambda state: marks.setdefault(state, time.perf_counter()))
        run = session.start()
        timer.start()
        _wait(session.worker.job_ended)
        timer.stop()
        started = run.started is not None and run.status == "completed"
        window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()
    if not started:
        raise RuntimeError(f"the run did not complete: {run.message}")
    ticks = [t for t in ticks if t >= marks.get("training", 0.0)]  # from RunStarted on
    late = np.maximum(np.diff(np.asarray(ticks)) * 1000 - TICK_MS, 0.0)
    return {"ticks": len(ticks), "p50": float(np.percentile(late, 50)),
            "p99": float(np.percentile(late, 99)), "max": float(late.max()),
            "samples/s": float(np.median(run.epochs.column("samples_per_second")))}


# --------------------------------------------------------------------------- first point
def first_point(warm: bool) -> dict:
    """Seconds from the click on Train to the first point of the loss curve, in this (fresh)
    process: ``warm`` after the window's background warm-up has imported torch (the user
    looked at the design for a few seconds first), else straight after the window shows."""
    from PySide6.QtWidgets import QApplication

    from designer.gui.workers.warmup import wait_for_warm_up, warm_up_torch

    application()
    with tempfile.TemporaryDirectory(prefix="designer-bench-") as tmp:
        window, session = _lenet_window(Path(tmp), 1)
        QApplication.processEvents()
        warmed = 0.0
        if warm:
            began = time.perf_counter()
            warm_up_torch()
            wait_for_warm_up()
            warmed = time.perf_counter() - began
        marks: dict[str, float] = {}
        session.curves_changed.connect(lambda _run: marks.setdefault("point", time.perf_counter()))
        clicked = time.perf_counter()
        session.start()
        while "point" not in marks and time.perf_counter() - clicked < 300:
            QApplication.processEvents()
            time.sleep(0.002)
        QApplication.processEvents()  # the plot's repaint
        painted = time.perf_counter()
        _wait(session.worker.job_ended)
        window.document.undo_stack.setClean()
        window.close()
    return {"warm_up_s": warmed, "first_point_s": painted - clicked}


def first_point_table(rounds: int) -> None:
    """Each measurement in a fresh process (torch must not be loaded yet)."""
    import json
    import subprocess

    print("click on Train → first point of the loss curve, LeNet-5 on digits, CPU (fresh process each)")
    for label, flag in (("no warm-up (click right after start)", "cold"),
                        ("after the background warm-up", "warm")):
        values = []
        for _ in range(rounds):
            out = subprocess.run([sys.executable, __file__, "--first-point-once", flag],
                                 capture_output=True, text=True, check=True)
            values.append(json.loads(out.stdout.strip().splitlines()[-1]))
        first = statistics.median(v["first_point_s"] for v in values)
        warm_s = statistics.median(v["warm_up_s"] for v in values)
        extra = f" (warm-up itself {warm_s:.1f} s in the background)" if flag == "warm" else ""
        print(f"  {label:<40} {first:6.2f} s{extra}", flush=True)


# --------------------------------------------------------------------------- throughput
def throughput(rounds: int, epochs: int, default_threads: int, cpu_clock: bool = False) -> dict:
    import torch

    from designer.gui.workers.jobs import limit_threads
    from training import run_engine, run_plain, throughput_cases, use_cpu_clock

    if cpu_clock:  # process CPU time: the GUI thread's work counts against the worker
        use_cpu_clock()

    case = throughput_cases("cpu")[0]  # LeNet-5 on digits 32×32
    threads = limit_threads()
    runners = {
        "GUI worker": lambda: worker_rates(case.graph, case.config, epochs),
        "GUI worker + probes": lambda: worker_rates(case.graph, case.config, epochs, probes=True),
        "engine": lambda: run_engine(case, epochs),
        "plain loop": lambda: run_plain(case, epochs),
    }
    rates: dict[str, list[float]] = {name: [] for name in runners}
    wide = f"plain, {default_threads} threads"
    if not cpu_clock and default_threads != threads:
        rates[wide] = []
    for _ in range(rounds):
        for name, runner in runners.items():
            limit_threads()  # this thread too: every column at the worker's thread count
            rates[name] += runner()
        if wide in rates:
            torch.set_num_threads(default_threads)
            rates[wide] += run_plain(case, epochs)
    row = {name: statistics.median(values) for name, values in rates.items()}
    row["worker / plain"] = row["GUI worker"] / row["plain loop"]
    row["threads"] = threads
    return row


def screenshot(path: str, epochs: int = 8) -> None:
    """The window after two LeNet-5 runs on digits (Adam, then SGD with momentum and a
    cosine schedule), overlaid, with the optimiser tab showing the schedule preview."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from designer.gui.main_window import MainWindow
    from designer.gui.recovery import RecoveryStore
    from designer.gui.settings import Settings
    from designer.training.config import DataConfig
    from designer.training.schedules import Schedule

    application()
    with tempfile.TemporaryDirectory(prefix="designer-shot-") as tmp:
        window = MainWindow(settings=Settings.at(Path(tmp) / "s.ini"),
                            recovery_store=RecoveryStore(Path(tmp) / "recovery"))
        window.open_example("lenet5")
        window.resize(1440, 900)
        window.show()
        ui = window.training
        ui.session.checkpoint_root = Path(tmp) / "runs"
        for changes in ({"optimizer": "adam", "lr": 1e-3},
                        {"optimizer": "momentum", "lr": 0.05,
                         "schedule": Schedule("cosine", warmup_epochs=1.0)}):
            ui.session.update_config(None, data=DataConfig("digits"), epochs=epochs, **changes)
            ui.session.start()
            _wait(ui.session.worker.job_ended)
        ui.show()
        ui.panel.tabs.setCurrentIndex(2)
        window.resizeDocks([ui.dock], [430], Qt.Orientation.Horizontal)
        window.resizeDocks([ui.curves_dock], [330], Qt.Orientation.Vertical)
        for _ in range(5):
            QApplication.processEvents()
        window.show_design()
        ui.curves.plots.refresh()
        QApplication.processEvents()
        window.grab().save(path)
        window.document.undo_stack.setClean()
        window.close()
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lag", action="store_true", help="only the event-loop lag")
    parser.add_argument("--throughput", action="store_true", help="only the samples/s table")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per lag run / timed epochs per round")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="only write a screenshot of the window after two runs")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="time the samples/s with the wall clock or the process's CPU time "
                             "(steadier on a machine shared with other work)")
    parser.add_argument("--first-point", action="store_true",
                        help="only the click → first loss point table (cold and after warm-up)")
    parser.add_argument("--first-point-once", choices=("cold", "warm"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_point_once:
        import json

        print(json.dumps(first_point(args.first_point_once == "warm")))
        return
    if args.first_point:
        first_point_table(args.rounds)
        return
    if args.screenshot:
        screenshot(args.screenshot)
        return
    import torch

    default_threads = torch.get_num_threads()  # before any worker changes torch's global default
    print(f"torch {torch.__version__}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", flush=True)
    application()
    if not args.throughput:
        print("event-loop lag while training LeNet-5 on digits through the window (ms late, 10 ms timer)")
        for i in range(args.rounds):
            lag = measure_lag(args.epochs)
            print(f"  round {i + 1}: p50 {lag['p50']:.1f}  p99 {lag['p99']:.1f}  max {lag['max']:.1f}  "
                  f"({lag['ticks']} ticks, {lag['samples/s']:,.0f} samples/s)", flush=True)
    if not args.lag:
        row = throughput(args.rounds, args.epochs, default_threads, args.clock == "cpu")
        print(f"samples/s ({args.clock} clock), LeNet-5 on digits 32×32, batch 64, Adam, CPU "
              f"({row.pop('threads')} thread(s) unless noted), median of the timed epochs:")
        for name, value in row.items():
            print(f"  {name:<22} {value:>10,.3f}" if value < 10 else f"  {name:<22} {value:>10,.0f}")


if __name__ == "__main__":
    main()
