"""What the window remembers between runs: recent files, theme, window layout (QSettings).

Tests pass their own QSettings (a temporary INI file) so they never touch the user's settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "Designer"
APPLICATION = "Designer"
MAX_RECENT = 10
THEMES = ("system", "light", "dark")


class Settings:
    """Typed access to the few values the app keeps; everything else stays in the design file."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._s = qsettings or QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
        )

    @classmethod
    def at(cls, path: str | Path) -> "Settings":
        """Settings kept in one INI file (tests, portable installs)."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    # ------------------------------------------------------------ recent files
    def recent_files(self) -> list[Path]:
        value = self._s.value("recent", [])
        if isinstance(value, str):  # an INI list of one item reads back as a string
            value = [value]
        return [Path(v) for v in (value or []) if v]

    def add_recent(self, path: str | Path) -> list[Path]:
        path = Path(path).resolve()
        files = [path] + [p for p in self.recent_files() if p != path]
        self._set_recent(files[:MAX_RECENT])
        return self.recent_files()

    def remove_recent(self, path: str | Path) -> None:
        path = Path(path).resolve()
        self._set_recent([p for p in self.recent_files() if p != path])

    def clear_recent(self) -> None:
        self._set_recent([])

    def _set_recent(self, files: list[Path]) -> None:
        self._s.setValue("recent", [str(p) for p in files])

    # ------------------------------------------------------------ theme
    @property
    def theme(self) -> str:
        value = self._s.value("theme", "system")
        return value if value in THEMES else "system"

    @theme.setter
    def theme(self, value: str) -> None:
        if value not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {value!r}")
        self._s.setValue("theme", value)

    # ------------------------------------------------------------ folders
    @property
    def last_folder(self) -> str:
        return str(self._s.value("last_folder", "") or "")

    @last_folder.setter
    def last_folder(self, value: str | Path) -> None:
        self._s.setValue("last_folder", str(value))

    # ------------------------------------------------------------ window layout
    def window_layout(self) -> tuple[QByteArray | None, QByteArray | None]:
        """The saved (geometry, dock state) of the main window, or None where never saved."""
        return self._bytes("window/geometry"), self._bytes("window/state")

    def set_window_layout(self, geometry: QByteArray, state: QByteArray, docks: list[str] | None = None) -> None:
        self._s.setValue("window/geometry", geometry)
        self._s.setValue("window/state", state)
        if docks is not None:
            self._s.setValue("window/docks", list(docks))

    def saved_docks(self) -> list[str] | None:
        """The docks the saved layout knows (None if not recorded)."""
        value = self._s.value("window/docks")
        if value is None:
            return None
        return [value] if isinstance(value, str) else [str(v) for v in value]

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._s.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def sync(self) -> None:
        self._s.sync()
