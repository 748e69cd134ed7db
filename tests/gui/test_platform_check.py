"""A fresh Linux desktop without xcb's libraries: `designer` names them and the command that
installs them (from a faked ldd output), before Qt is asked to load the plugin."""

import pytest

from designer import cli
from designer.gui import platform_check as pc

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /site-packages/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f16)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f16)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-xinput.so.0 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f16)
"""
DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n'
UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n'
FEDORA = 'NAME="Fedora Linux"\nID=fedora\n'
X11 = {"DISPLAY": ":0"}


def test_missing_libraries_are_read_from_ldd():
    assert pc.missing_libraries(LDD) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-xinput.so.0"]
    assert pc.missing_libraries("") == []


@pytest.mark.parametrize("release, command", [
    (DEBIAN, "sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxcb-xinput0"),
    (UBUNTU, "sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxcb-xinput0"),
    (FEDORA, "sudo dnf install xcb-util-wm xcb-util-keysyms libxcb"),
])
def test_the_message_names_the_libraries_and_one_command(release, command):
    message = pc.check_xcb(X11, ldd=lambda _path: LDD, os_release=release)
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1, libxcb-xinput.so.0" in message
    assert command in message
    assert "libxcb-cursor" not in message  # installed: not blamed


def test_an_unknown_system_gets_both_commands():
    message = pc.check_xcb(X11, ldd=lambda _path: LDD, os_release="ID=arch\n")
    assert "apt-get install libxcb-icccm4" in message and "dnf install xcb-util-wm" in message


def test_nothing_is_said_when_the_plugin_can_load_or_is_not_used():
    assert pc.check_xcb(X11, ldd=lambda _path: LDD.replace("not found", "/lib/x.so"), os_release=DEBIAN) is None
    for env in ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, {"WAYLAND_DISPLAY": "wayland-0"}, {}):
        assert pc.check_xcb(env, ldd=lambda _path: LDD, os_release=DEBIAN) is None
    assert pc.xcb_will_be_used({"QT_QPA_PLATFORM": "xcb"})
    assert not pc.xcb_will_be_used(X11, platform="darwin")


def test_the_real_plugin_resolves_here():
    plugin = pc.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"


def test_designer_prints_the_message_instead_of_starting_qt(monkeypatch, capsys):
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(pc, "run_ldd", lambda _path: LDD)
    monkeypatch.setattr(pc, "os_family", lambda release=None: "debian")
    created = []
    monkeypatch.setattr("designer.gui.app.create_application", lambda: created.append(1))
    assert cli.main(["lenet5"]) != 0
    err = capsys.readouterr().err
    assert "libxcb-icccm.so.4" in err and "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in err
    assert not created  # Qt was never asked
