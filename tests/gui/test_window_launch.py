"""Launching the window: `designer FILE --screenshot PNG` renders the real window offscreen,
and torch is not imported before the window shows (start-up stays fast)."""

import json
import os
import subprocess
import sys

from PySide6.QtGui import QImage

from designer.cli import wants_window

LAUNCH = r"""
import json, sys, time
t0 = time.perf_counter()
from designer.cli import main
rc = main(sys.argv[1:])
print(json.dumps({"rc": rc, "torch": "torch" in sys.modules, "seconds": time.perf_counter() - t0}))
"""


def run_designer(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", LAUNCH, *args], capture_output=True, text=True,
                          env=env, timeout=120, cwd=cwd)


def test_screenshot_renders_the_window_without_importing_torch(tmp_path):
    out = tmp_path / "lenet.png"
    proc = run_designer("lenet5", "--screenshot", str(out), "--size", "1200x800", "--select", "conv1")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["rc"] == 0 and report["torch"] is False
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)


def test_an_unreadable_file_is_reported_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    proc = run_designer(str(bad), "--screenshot", str(tmp_path / "x.png"))
    assert "Traceback" not in proc.stderr
    assert "cannot open the design" in proc.stderr and "JSON object" in proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1])["rc"] == 2


def test_command_line_routing_keeps_subcommands_headless():
    assert wants_window([]) and wants_window(["lenet5"]) and wants_window(["x.json"])
    assert wants_window(["--screenshot", "out.png"])
    assert not wants_window(["summary", "lenet5"]) and not wants_window(["--help"])
    assert not wants_window(["sumary"])  # a typo reaches argparse, which lists the commands
