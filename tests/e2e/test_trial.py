"""Acceptance (issue 9 §7): the first-hour trial in a real X server with real input events.

Each scenario of scenarios.py runs in its own process (a Qt app can use one platform only,
and the test process runs offscreen) against an Xvfb server started here, with throwaway
settings and data folders. It is skipped, saying why, where Xvfb or xdotool is missing or
Qt's xcb plugin cannot load. Screenshots of every step go to $DESIGNER_E2E_SHOTS (default:
a temporary folder, printed); ``bash tests/e2e/screenshots.sh`` regenerates the README's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCENARIO_TIMEOUT_S = 240


def _xvfb_display() -> tuple[subprocess.Popen, str]:
    """Start Xvfb on a free display (it tells which through -displayfd)."""
    read, write = os.pipe()
    process = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1440x900x24", "-nolisten", "tcp"],
                               pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        process.kill()
        raise RuntimeError("Xvfb did not start")
    return process, f":{number}"


@pytest.fixture(scope="module")
def xserver():
    missing = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (Debian: apt-get install xvfb xdotool); "
                    f"the e2e trial needs a real X server and real input events")
    try:
        process, display = _xvfb_display()
    except (OSError, RuntimeError) as exc:
        pytest.skip(f"no X server could be started: {exc}")
    from designer.gui.platform_check import check_xcb

    missing_libraries = check_xcb({"DISPLAY": display})
    if missing_libraries:
        process.kill()
        pytest.skip(f"Qt's xcb plugin cannot load here: {missing_libraries}")
    yield display
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("DESIGNER_E2E_SHOTS") or tempfile.mkdtemp(prefix="designer-e2e-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"e2e screenshots in {folder}")
    return folder


def run_scenario(name: str, display: str, shots: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_QPA")}
    env.update(DISPLAY=display, XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=os.pathsep.join(
                   [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    try:
        done = subprocess.run([sys.executable, str(HERE / "driver.py"), name, str(shots)], env=env,
                              capture_output=True, text=True, timeout=SCENARIO_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{name}: no end after {SCENARIO_TIMEOUT_S} s (screenshots in {shots})\n{exc.stderr or ''}")
    if done.returncode != 0:
        pytest.fail(f"{name} failed (screenshots in {shots}):\n{done.stderr[-4000:]}")


@pytest.mark.parametrize("scenario", ["build", "vgg16", "train", "follow"])
def test_first_hour_trial(scenario, xserver, shots, tmp_path):
    run_scenario(scenario, xserver, shots, tmp_path)
    assert any(shots.glob(f"{scenario}-*.png"))
