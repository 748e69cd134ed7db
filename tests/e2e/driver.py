"""Drives the designer window in a real X server with real input events.

Run by tests/e2e/test_trial.py as ``python driver.py SCENARIO OUT_DIR`` with DISPLAY set to
an Xvfb server: it builds the app as ``designer`` does (fresh settings under XDG_CONFIG_HOME),
then moves the real pointer and presses real keys with xdotool (XTEST events, the same path
as a user's mouse), while pumping Qt's event loop, and checks what the window shows. Every
step writes a screenshot of the X screen (``OUT_DIR/<scenario>-NN-<step>.png``). A failed
check exits with status 1 and says which step and what was seen.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QTabBar

SIZE = (1440, 900)


class Failed(Exception):
    pass


class Driver:
    """The window, the real pointer and keyboard, and the screenshots of one scenario."""

    def __init__(self, scenario: str, out: Path) -> None:
        from designer.gui.app import launch

        self.scenario, self.out, self.shots = scenario, out, 0
        self.window, error = launch(None)
        if error:
            raise Failed(error)
        self.app = QApplication.instance()
        self.window.move(0, 0)
        self.window.resize(*SIZE)
        self.window.show()
        self.wait(lambda: self.window.isVisible() and self.window.windowHandle().isExposed(), "window shown")
        self.pump(0.5)
        self.window.show_design()
        self.xdo("windowfocus", "--sync", int(self.window.winId()))
        self.pump(0.3)

    # ------------------------------------------------------------ event loop
    def pump(self, seconds: float = 0.1) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.005)

    def wait(self, condition, what: str, timeout: float = 30.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.app.processEvents()
            value = condition()
            if value:
                return value
            time.sleep(0.01)
        self.shot(f"timeout-{what.replace(' ', '-')[:40]}")
        raise Failed(f"[{self.scenario}] waited {timeout:.0f} s for: {what}")

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.shot(f"failed-{what.replace(' ', '-')[:40]}")
            raise Failed(f"[{self.scenario}] {what}")

    # ------------------------------------------------------------ real input
    def xdo(self, *args) -> None:
        """Run one xdotool command line (a whole gesture), pumping Qt's loop meanwhile: a
        drag-and-drop runs Qt's nested drag loop while xdotool moves the pointer."""
        process = subprocess.Popen(["xdotool", *[str(a) for a in args]])
        while process.poll() is None:
            self.app.processEvents()
            time.sleep(0.005)
        if process.returncode:
            raise Failed(f"xdotool {' '.join(map(str, args))} failed ({process.returncode})")
        self.pump(0.15)

    @staticmethod
    def at(widget, point: QPoint | QPointF | None = None) -> QPoint:
        """Screen position of ``point`` in ``widget`` (its centre by default)."""
        if point is None:
            point = widget.rect().center()
        return widget.mapToGlobal(QPoint(round(point.x()), round(point.y())))

    def click(self, pos: QPoint, button: int = 1) -> None:
        self.xdo("mousemove", pos.x(), pos.y(), "sleep", 0.1, "click", button)

    def drag(self, start: QPoint, end: QPoint, steps: int = 8) -> None:
        """Press at ``start``, move to ``end`` in steps, release: one real gesture."""
        args = ["mousemove", start.x(), start.y(), "sleep", 0.1, "mousedown", 1, "sleep", 0.1]
        for i in range(1, steps + 1):
            x = start.x() + (end.x() - start.x()) * i // steps
            y = start.y() + (end.y() - start.y()) * i // steps
            args += ["mousemove", x, y, "sleep", 0.05]
        args += ["sleep", 0.1, "mouseup", 1]
        self.xdo(*args)

    def key(self, *keys: str) -> None:
        self.xdo("key", "--delay", 40, *keys)

    def type(self, text: str) -> None:
        self.xdo("type", "--delay", 40, text)

    # ------------------------------------------------------------ the window's parts
    def scene_point(self, point: QPointF) -> QPoint:
        view = self.window.view
        return self.at(view.viewport(), view.mapFromScene(point))

    def port(self, node_id: str, direction: str) -> QPoint:
        box = self.window.view.graph_scene.box(node_id)
        ports = box.out_ports if direction == "out" else box.in_ports
        return self.scene_point(next(iter(ports.values())).scenePos())

    def palette_item(self, layer_type: str) -> QPoint:
        tree = self.window.palette_panel.tree
        items = tree.findItems(layer_type, Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        self.check(bool(items), f"the palette lists {layer_type}")
        tree.scrollToItem(items[0])
        self.pump(0.1)
        return self.at(tree.viewport(), tree.visualItemRect(items[0]).center())

    def menu(self, *path: str) -> None:
        """Open menu ``path[0]`` in the menu bar and click through ``path[1:]`` for real."""
        bar = self.window.menuBar()
        action = next(a for a in bar.actions() if a.text().replace("&", "") == path[0])
        self.click(self.at(bar, bar.actionGeometry(action).center()))
        menu = self.wait(lambda: action.menu().isVisible() and action.menu(), f"menu {path[0]} open")
        for i, text in enumerate(path[1:], start=1):
            item = next((a for a in menu.actions() if a.text().replace("&", "") == text), None)
            self.check(item is not None, f"menu {' → '.join(path[:i])} has {text}")
            pos = self.at(menu, menu.actionGeometry(item).center())
            if item.menu() is not None:
                self.xdo("mousemove", pos.x(), pos.y(), "sleep", 0.2)
                self.click(pos)
                menu = self.wait(lambda: item.menu().isVisible() and item.menu(), f"submenu {text} open")
            else:
                self.click(pos)

    def answer_dialog(self, button_text: str) -> list:
        """Answer the next message box by clicking ``button_text`` for real. A modal box runs
        its own event loop inside ours, so a timer running in that loop does the clicking
        (xdotool in the background). Returns a list that gets the box's text once answered."""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QMessageBox

        answered: list = []
        timer = QTimer(self.app)
        timer.setInterval(100)

        def look() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox) or not box.isVisible():
                return
            button = next((b for b in box.buttons() if b.text().replace("&", "") == button_text), None)
            if button is None:
                return
            timer.stop()
            answered.append(box.text())
            pos = self.at(button)
            subprocess.Popen(["xdotool", "mousemove", str(pos.x()), str(pos.y()), "sleep", "0.2", "click", "1"])

        timer.timeout.connect(look)
        timer.start()
        return answered

    def choose_in_popup(self, text: str) -> list:
        """Click item ``text`` of the next popup menu for real (a tool button's menu runs its
        own event loop inside ours, like a message box). Returns a list that gets ``text``."""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QMenu

        chosen: list = []
        timer = QTimer(self.app)
        timer.setInterval(100)

        def look() -> None:
            menu = QApplication.activePopupWidget()
            if not isinstance(menu, QMenu) or not menu.isVisible():
                return
            action = next((a for a in menu.actions() if a.text().replace("&", "") == text), None)
            if action is None:
                return
            timer.stop()
            chosen.append(text)
            pos = self.at(menu, menu.actionGeometry(action).center())
            subprocess.Popen(["xdotool", "mousemove", str(pos.x()), str(pos.y()), "sleep", "0.2", "click", "1"])

        timer.timeout.connect(look)
        timer.start()
        return chosen

    def tab(self, text: str) -> None:
        """Click the dock tab titled ``text``."""
        for bar in self.window.findChildren(QTabBar):
            for i in range(bar.count()):
                if bar.tabText(i) == text and bar.isVisible():
                    self.click(self.at(bar, bar.tabRect(i).center()))
                    return
        raise Failed(f"[{self.scenario}] no visible tab {text!r}")

    def shot(self, step: str) -> Path:
        """A screenshot of the X screen, as the user sees it."""
        self.shots += 1
        path = self.out / f"{self.scenario}-{self.shots:02d}-{step}.png"
        QGuiApplication.primaryScreen().grabWindow(0).save(str(path))
        return path

    def screen_region(self, rect: QRect):
        """The X screen's pixels in ``rect`` (screen coordinates) as an (H, W, 3) array."""
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from contrast import qimage_array

        image = QGuiApplication.primaryScreen().grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height())
        return qimage_array(image.toImage())

    def close(self) -> None:
        self.window.document.undo_stack.setClean()
        self.window.close()
        self.pump(0.2)


def main(argv: list[str]) -> int:
    from scenarios import SCENARIOS

    name, out = argv[0], Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    driver = Driver(name, out)
    try:
        SCENARIOS[name](driver)
    except Failed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        driver.close()
    print(f"{name}: ok ({driver.shots} screenshots in {out})")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main(sys.argv[1:]))
