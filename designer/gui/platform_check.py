"""Before the QApplication exists: can Qt's X11 (xcb) platform plugin load?

On a fresh Linux desktop the plugin often lacks a few small system libraries
(libxcb-icccm4, libxcb-keysyms1, libxcb-cursor0, ...), and Qt then aborts with a message
that names the wrong one. We read the plugin's dependencies the way the loader resolves
them (``ldd`` on PySide6's plugins/platforms/libqxcb.so), and name the missing libraries
with the one command that installs them on this system (Debian/Ubuntu apt, Fedora dnf).

Only checked where the xcb plugin will be used; without ldd (or PySide6's plugin) the check
says nothing and Qt speaks for itself.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

#: shared library -> (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}
#: the xcb core extensions all come in one Fedora package (libxcb); Debian splits them.
_XCB_EXT = re.compile(r"^libxcb(-[a-z]+)?\.so\.(\d+)$")

LDD_MISSING = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def xcb_will_be_used(environ=os.environ, platform: str = sys.platform) -> bool:
    """Whether Qt will load the xcb plugin: Linux, an X display, and no other platform asked."""
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if chosen:
        return chosen == "xcb"
    return bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def xcb_plugin() -> Path | None:
    """PySide6's libqxcb.so, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return path if path.exists() else None


def run_ldd(path: Path) -> str:
    """``ldd path``'s output ('' when ldd is not there or fails to run)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return ""
    try:
        done = subprocess.run([ldd, str(path)], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries ldd could not find, in its order, each once."""
    return list(dict.fromkeys(LDD_MISSING.findall(ldd_output)))


def package_for(library: str, family: str) -> str:
    """The package that ships ``library`` on ``family`` ("debian" or "fedora")."""
    if library in PACKAGES:
        debian, fedora = PACKAGES[library]
        return debian if family == "debian" else fedora
    match = _XCB_EXT.match(library)
    if match:
        ext, version = match.group(1) or "", match.group(2)
        return f"libxcb{ext}{version}" if family == "debian" else "libxcb"
    return library  # unknown: name the file; the package manager can search for it


def os_family(os_release: str | None = None) -> str | None:
    """"debian", "fedora" or None, from /etc/os-release (ID and ID_LIKE)."""
    if os_release is None:
        try:
            os_release = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    ids = " ".join(re.findall(r"^(?:ID|ID_LIKE)=\"?([^\"\n]*)", os_release, re.MULTILINE)).lower().split()
    if any(i in ("debian", "ubuntu") for i in ids):
        return "debian"
    if any(i in ("fedora", "rhel", "centos") for i in ids):
        return "fedora"
    return None


def install_command(libraries: list[str], family: str) -> str:
    packages = list(dict.fromkeys(package_for(lib, family) for lib in libraries))
    tool = "apt-get install" if family == "debian" else "dnf install"
    return f"sudo {tool} {' '.join(packages)}"


def missing_message(libraries: list[str], family: str | None) -> str:
    """What to tell the user: the missing libraries and the command that installs them."""
    text = (f"the window cannot open: Qt's X11 (xcb) platform plugin needs system libraries "
            f"that are not installed: {', '.join(libraries)}.\nInstall them with:\n")
    if family is not None:
        return text + f"    {install_command(libraries, family)}\n"
    return (text + f"    {install_command(libraries, 'debian')}    (Debian, Ubuntu)\n"
            f"    {install_command(libraries, 'fedora')}    (Fedora)\n")


def check_xcb(environ=None, ldd=None, os_release: str | None = None) -> str | None:
    """The message naming what the xcb plugin lacks, or None if it can load (or we can't tell).
    ``environ``, ``ldd`` and ``os_release`` default to this system's (tests fake them)."""
    environ = os.environ if environ is None else environ
    ldd = ldd or run_ldd
    if not xcb_will_be_used(environ):
        return None
    plugin = xcb_plugin()
    if plugin is None:
        return None
    libraries = missing_libraries(ldd(plugin))
    if not libraries:
        return None
    return missing_message(libraries, os_family(os_release))
