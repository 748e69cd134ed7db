"""``python -m designer`` is the ``designer`` command, and the wheel carries the examples,
the resources (icon, desktop entry, AppStream metainfo), the lessons and the training-script
runtime."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import designer

ROOT = Path(__file__).resolve().parents[2]


def test_python_m_designer_is_the_command():
    done = subprocess.run([sys.executable, "-m", "designer", "--version"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.strip() == f"designer {designer.__version__}"
    helped = subprocess.run([sys.executable, "-m", "designer", "import", "--help"], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert helped.returncode == 0 and "torchvision:NAME" in helped.stdout


def test_wheel_contents(tmp_path):
    source = tmp_path / "src"
    for name in ("designer", "examples", "resources", "lessons"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, timeout=240,
                   capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("designer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for example in (ROOT / "examples").glob("*.json"):
        assert f"designer/_examples/{example.name}" in names
    for resource in ("designer.svg", "designer.png", "io.designer.Designer.desktop",
                     "io.designer.Designer.metainfo.xml"):
        assert f"designer/_resources/{resource}" in names
    assert "designer/compiler/train_runtime.py" in names
    assert "designer/compiler/train_speed.py" in names  # read into exported training scripts
    for lesson in (ROOT / "lessons").glob("*.md"):
        assert f"designer/_lessons/{lesson.name}" in names
    entry = zipfile.ZipFile(wheel).read(f"designer-{designer.__version__}.dist-info/entry_points.txt")
    scripts = configparser.ConfigParser()
    scripts.read_string(entry.decode())
    assert scripts["console_scripts"]["designer"] == "designer.__main__:main"


def test_desktop_entry_and_metainfo_agree():
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str
    desktop.read(ROOT / "resources" / "io.designer.Designer.desktop")
    entry = desktop["Desktop Entry"]
    assert entry["Exec"].split()[0] == "designer" and entry["Icon"] == "designer"
    metainfo = (ROOT / "resources" / "io.designer.Designer.metainfo.xml").read_text()
    assert "<launchable type=\"desktop-id\">io.designer.Designer.desktop</launchable>" in metainfo
    assert f'release version="{designer.__version__}"' in metainfo
