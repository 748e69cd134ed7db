"""Starting the desktop app: the QApplication, theme, main window and first design.

``run(path)`` is what ``designer [FILE]`` calls; ``run(path, screenshot=PNG)`` renders the
window offscreen to an image and returns. torch is never imported on the GUI thread: the
window shows with the design analysed by pure Python, then a background thread imports torch
(``workers.warmup``) so that the first run starts at once.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

DEFAULT_EXAMPLE = "lenet5"
DEFAULT_SIZE = (1440, 900)


class LaunchError(Exception):
    """The app cannot start as asked (no display, unreadable file for a screenshot)."""


def check_display(screenshot: bool) -> None:
    """Render offscreen for screenshots; on Linux without a display, say so instead of aborting."""
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        return
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        raise LaunchError("no display found (DISPLAY and WAYLAND_DISPLAY are unset); run it in a "
                          "desktop session, or render an image with --screenshot out.png")


def create_application():
    """The QApplication (created once), named so that QSettings and QStandardPaths find
    the user's settings and recovery folder."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from .settings import APPLICATION, ORGANIZATION

    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setDesktopFileName("designer")
    return app


def launch(path: str | None = None, settings=None, recovery_store=None, theme_mode: str | None = None):
    """Build the main window with ``path`` (or LeNet-5) loaded; returns (window, error).

    ``error`` is the reason ``path`` could not be opened (the window then shows LeNet-5).
    """
    from ..core.serialize import DesignFileError
    from ..zoo import find
    from .main_window import MainWindow
    from .settings import Settings
    from .theme import ThemeManager

    app = create_application()
    settings = settings or Settings()
    theme = ThemeManager(app, theme_mode or settings.theme, parent=app)
    window = MainWindow(settings=settings, recovery_store=recovery_store, theme=theme)
    error = None
    if path is not None:
        try:
            window.document.open(find(path))
            settings.add_recent(window.document.path)
        except DesignFileError as exc:
            error = str(exc)
    if path is None or error is not None:
        window.open_example(DEFAULT_EXAMPLE)
    return window, error


def screenshot(window, out: str | Path, size: tuple[int, int] = DEFAULT_SIZE,
               select: str | None = None) -> Path:
    """Lay the window out at ``size``, fit the design, and save the window as an image."""
    from PySide6.QtWidgets import QApplication

    out = Path(out)
    window.resize(*size)
    window.show()
    if select:
        window.focus_node(select)
    for _ in range(3):  # analysis, layout and paint each take one turn of the event loop
        QApplication.processEvents()
    window.show_design()
    if select and not _visible(window.view, select):
        window.view.center_on(select)
    QApplication.processEvents()
    from .image_io import save_image

    try:
        save_image(window.grab(), out)
    except OSError as exc:
        raise LaunchError(f"the screenshot: {exc}") from None
    return out


def _visible(view, node_id: str) -> bool:
    """Whether the node (or the collapsed group showing it) is wholly in the viewport."""
    box = view.graph_scene.box(view.graph_scene.owner_of(node_id) or node_id)
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    return box is not None and shown.contains(box.sceneBoundingRect())


def run(path: str | None = None, screenshot_path: str | None = None,
        size: tuple[int, int] = DEFAULT_SIZE, select: str | None = None,
        theme: str | None = None) -> int:
    """Open the window (blocking until it closes), or write a screenshot and return."""
    check_display(screenshot_path is not None)
    if screenshot_path is None:
        from .platform_check import check_xcb

        missing = check_xcb()  # before Qt tries the plugin and blames the wrong library
        if missing:
            raise LaunchError(missing)
    create_application()
    if screenshot_path is not None:
        return _run_screenshot(path, screenshot_path, size, select, theme or "light")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ..core.heap import set_aside_base
    from .workers.warmup import wait_for_warm_up, warm_up_torch

    window, error = launch(path, theme_mode=theme)
    window.show()
    QTimer.singleShot(0, window.show_design)  # fit once the window has its real size
    if error:
        QTimer.singleShot(0, lambda: QMessageBox.critical(window, "Cannot open the design", error))
    else:
        QTimer.singleShot(0, window.offer_recovery)
    QTimer.singleShot(0, set_aside_base)  # the window's objects out of full collector passes
    QTimer.singleShot(200, warm_up_torch)  # after the first paint: Train then starts at once
    code = QApplication.instance().exec()
    wait_for_warm_up()  # never tear the interpreter down under a thread still importing torch
    return code


def _run_screenshot(path, out, size, select, theme: str) -> int:
    """A screenshot uses throwaway settings and recovery folder: the user's are untouched."""
    from .recovery import RecoveryStore
    from .settings import Settings

    with tempfile.TemporaryDirectory(prefix="designer-shot-") as tmp:
        window, error = launch(path, Settings.at(Path(tmp) / "settings.ini"),
                               RecoveryStore(Path(tmp) / "recovery"), theme_mode=theme)
        if error:
            raise LaunchError(f"cannot open the design: {error}")
        if select and select not in window.document.graph.nodes:
            raise LaunchError(f"there is no node {select!r} to select in {window.document.graph.name}")
        screenshot(window, out, size, select)
        window.document.undo_stack.setClean()
        window.close()
    print(f"wrote {out}")
    return 0
