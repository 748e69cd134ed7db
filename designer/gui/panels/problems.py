"""Problems: every error and warning of the design (severity icon, node, message). Clicking
one asks to select and centre its node (``node_activated``).

A QAbstractTableModel over the analysis issues: when they change, the rows that differ get
``dataChanged`` and the ones that came or went are inserted or removed (nothing rebuilt);
an edit that leaves the problems as they were costs one comparison of two lists.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTreeView, QVBoxLayout, QWidget

from ...analysis import Analysis
from ...analysis.issues import CODES
from .row_splice import common_ends, splice

ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("", "Node", "Message")
#: The one row shown when the design has no problems (severity None: no icon, not clickable).
NONE = (None, "", "No problems: the design is valid.", "", ())


def problem_rows(analysis: Analysis) -> list[tuple]:
    """(is_error, node id, message, code, nodes) per issue, errors first; ``[NONE]`` if none."""
    issues = sorted(analysis.issues, key=lambda i: not i.is_error)
    return [(i.is_error, i.node_id or "", i.message, i.code, tuple(i.nodes or ())) for i in issues] or [NONE]


class ProblemsModel(QAbstractTableModel):
    """The rows of the Problems panel; ``set_rows`` changes only the rows that differ."""

    def __init__(self, icons: dict, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[tuple] = [NONE]
        self._icons = icons

    def set_rows(self, rows: list[tuple]) -> bool:
        """Show ``rows``: the unchanged head and tail stay, the middle is changed in place,
        then the surplus removed or the rest inserted. False when nothing changed."""
        old = self.rows
        if rows == old:
            return False
        head, tail = common_ends(old, rows)
        common = min(len(old), len(rows)) - head - tail  # rows changed in place
        at, end_old, end_new = head + common, len(old) - tail, len(rows) - tail

        def removed() -> None:
            self.rows = old[:at] + old[end_old:]

        def inserted() -> None:
            self.rows = old[:at] + rows[at:end_new] + old[end_old:]

        splice(self, len(old), len(rows), at, tail, removed, inserted)
        changed = [i for i in range(head, head + common) if self.rows[i] != rows[i]]
        self.rows = list(rows)
        if changed:
            self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(COLUMNS) - 1))
        return True

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt name)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if index.isValid() and self.rows[index.row()][0] is None:
            return Qt.ItemFlag.ItemIsEnabled
        return super().flags(index)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        is_error, node_id, message, code, nodes = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return ("", node_id, message)[col]
        if role == Qt.ItemDataRole.DecorationRole and col == 0 and is_error is not None:
            return self._icons[is_error]
        if role == Qt.ItemDataRole.ToolTipRole and is_error is not None:
            return f"{'error' if is_error else 'warning'}: {message}\n({code}: {CODES.get(code, '')})"
        if role == ID_ROLE:
            return node_id or (nodes[0] if nodes else "")
        return None


class ProblemsPanel(QWidget):
    """A flat list of the analysis issues, errors first. ``counts_changed(errors, warnings)``
    lets the window put the numbers in the dock's title."""

    node_activated = Signal(str)
    counts_changed = Signal(int, int)

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        style = self.style()
        self.model = ProblemsModel({
            True: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
            False: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
        }, self)
        self.tree = QTreeView(self)
        self.tree.setModel(self.model)
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.tree.header()
        header.setStretchLastSection(True)
        # Widths set from what the rows hold (``_fit_columns``), not ResizeToContents: that
        # asks every row for its size hint whenever rows change (49,000 data() calls when
        # 1,000 problems came with a paste).
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize) + 14)
        self._id_width = 0
        self.tree.clicked.connect(self._on_tree_clicked)
        self.tree.activated.connect(self._on_tree_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)
        self._issues: list | None = None  # the issue list shown (an edit often keeps it)
        document.analysis_changed.connect(self._on_document_analysis_changed)
        self._on_document_analysis_changed(document.analysis)

    def _on_document_analysis_changed(self, analysis: Analysis) -> None:
        if analysis.issues is not self._issues:
            self._issues = analysis.issues
            if self.model.set_rows(problem_rows(analysis)):
                self._fit_columns()
        self.counts_changed.emit(len(analysis.errors), len(analysis.warnings))

    def _fit_columns(self) -> None:
        """The layer column as wide as its longest id (or its title); it only grows, so a
        column the user widened stays."""
        longest = max((row[1] or "" for row in self.model.rows), key=len, default="")
        metrics = self.tree.fontMetrics()
        need = max(metrics.horizontalAdvance(longest), metrics.horizontalAdvance(COLUMNS[1])) + 24
        if need > self._id_width:
            self._id_width = need
            self.tree.header().resizeSection(1, need)

    def _on_tree_clicked(self, index: QModelIndex) -> None:
        node_id = index.data(ID_ROLE)
        if node_id:
            self.node_activated.emit(node_id)
