"""Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y reach the design's undo stack from a panel's fields.

A QLineEdit (and the one inside a spin box) claims the undo keys for its own typing history
(Qt's ShortcutOverride), even after Enter has committed the value to the design: the window's
Undo shortcut then never fires, although Edit → Undo is available. ``route_undo_keys(root)``
lets the keys through to the window's Undo / Redo actions whenever the focused field has no
uncommitted typing of its own (nothing typed since it was last committed or set from the
design); typing not yet committed is still undone by the field itself.

Editors are created and replaced as the selection changes, so the filter is attached to a
field when it takes the keyboard focus (QApplication.focusChanged, a rare signal) rather than
to every widget at build time, and no application-wide event filter is needed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QWidget

_KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)
_EXTRA = ("Ctrl+Shift+Z", "Ctrl+Y")  # the window's Redo shortcuts
_COMMIT_HOOKED = "_undo_keys_commit_hooked"


def is_undo_key(event: QKeyEvent) -> bool:
    """True for the key presses that the window's Undo / Redo actions answer."""
    if any(event.matches(key) for key in _KEYS):
        return True
    pressed = QKeySequence(event.keyCombination())
    return any(pressed.matches(QKeySequence(text)) == QKeySequence.SequenceMatch.ExactMatch
               for text in _EXTRA)


def field_line_edit(widget: QObject) -> QLineEdit | None:
    """The line edit that holds ``widget``'s typing (itself, or a spin box's)."""
    if isinstance(widget, QLineEdit):
        return widget
    if isinstance(widget, QAbstractSpinBox):
        return widget.findChild(QLineEdit)
    return None


class UndoKeysToDesign(QObject):
    """Event filter: answers a field's ShortcutOverride for the undo keys with "not mine"
    when the field has nothing uncommitted, so the window's shortcut fires."""

    def __init__(self, roots: list[QWidget], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.roots = list(roots)
        app = QApplication.instance()
        if app is not None:
            app.focusChanged.connect(self._on_focus_changed)

    def add_root(self, root: QWidget) -> None:
        self.roots.append(root)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        try:
            edit = field_line_edit(new) if new is not None else None
            if edit is None or not any(root.isAncestorOf(new) for root in self.roots):
                return
        except RuntimeError:  # a root already deleted (window torn down)
            return
        new.installEventFilter(self)  # again is harmless: Qt keeps one entry per filter
        if edit is not new:
            edit.installEventFilter(self)
        if not edit.property(_COMMIT_HOOKED):
            edit.setProperty(_COMMIT_HOOKED, True)
            commit = new if isinstance(new, QAbstractSpinBox) else edit
            commit.editingFinished.connect(lambda e=edit: e.setModified(False))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() != QEvent.Type.ShortcutOverride or not is_undo_key(event):
            return False
        edit = field_line_edit(watched)
        if edit is None or edit.isModified():
            return False  # typing of its own: the field undoes it
        event.ignore()  # not the field's: the window's Undo / Redo shortcut fires
        return True


def route_undo_keys(root: QWidget) -> UndoKeysToDesign:
    """Let the undo keys pressed in ``root``'s fields reach the design (see the module)."""
    return UndoKeysToDesign([root], root)
