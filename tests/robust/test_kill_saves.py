"""≥ 200 saves killed with SIGKILL at random moments (kill_harness.py, in a fresh
interpreter): every target is always the old or the new complete file, and the killed
saves' temporary files are gone after the next save."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).with_name("kill_harness.py")
KILLS_PER_KIND = 25  # × 8 kinds = 200 kills


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_killed_saves_leave_the_old_or_the_new_file(tmp_path):
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
               QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, str(HARNESS), str(tmp_path / "kills"),
                           str(KILLS_PER_KIND), "14"], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report) == 8 and sum(r["kills"] for r in report.values()) >= 200
    for kind, result in report.items():
        assert result["bad"] == [], (kind, result["bad"])
        assert result["old_or_new"] == result["kills"], kind
        assert result["temp_files_after_next_save"] == 0, kind
    # the kills did land inside writes (a temporary file existed), not only between them
    assert sum(r["interrupted_mid_write"] for r in report.values()) >= 20
