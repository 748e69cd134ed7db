"""Enable or disable an action or a control, saying why in its tooltip when it is disabled.

A greyed-out button that does not say why leaves the user guessing; every place that turns
a control off calls ``set_available(control, enabled, tip, why)`` instead of ``setEnabled``,
so the tooltip (and a QAction's status tip) reads "tip — Not available: why".
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

WHY_PREFIX = "Not available now: "


def set_available(target: QAction | QWidget, enabled: bool, tip: str, why: str = "") -> None:
    """Enable ``target`` with tooltip ``tip``, or disable it with ``why`` added to the tip."""
    target.setEnabled(enabled)
    text = tip if enabled or not why else (f"{tip}\n{WHY_PREFIX}{why}" if tip else f"{WHY_PREFIX}{why}")
    target.setToolTip(text)
    if isinstance(target, QAction):
        target.setStatusTip(text.replace("\n", " — "))


def why_not(target: QAction | QWidget) -> str:
    """The reason given for a disabled target ("" when enabled or none given)."""
    text = target.toolTip()
    return text.split(WHY_PREFIX, 1)[1] if not target.isEnabled() and WHY_PREFIX in text else ""
