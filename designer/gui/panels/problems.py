"""Problems: every error and warning of the design (severity icon, node, message). Clicking
one asks to select and centre its node (``node_activated``)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QStyle, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from ...analysis import Analysis
from ...analysis.issues import CODES

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class ProblemsPanel(QWidget):
    """A flat list of the analysis issues, errors first. ``counts_changed(errors, warnings)``
    lets the window put the numbers in the dock's title."""

    node_activated = Signal(str)
    counts_changed = Signal(int, int)

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["", "Node", "Message"])
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemClicked.connect(self._on_tree_item_clicked)
        self.tree.itemActivated.connect(self._on_tree_item_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)
        style = self.style()
        self._icons = {
            True: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
            False: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
        }
        self._shown: list | None = None
        document.analysis_changed.connect(self._on_document_analysis_changed)
        self._on_document_analysis_changed(document.analysis)

    def _on_document_analysis_changed(self, analysis: Analysis) -> None:
        issues = sorted(analysis.issues, key=lambda i: not i.is_error)
        shown = [(i.is_error, i.node_id, i.message, i.code, tuple(i.nodes or ())) for i in issues]
        if shown == self._shown:  # the usual edit: the same problems, nothing to redraw
            self.counts_changed.emit(len(analysis.errors), len(analysis.warnings))
            return
        self._shown = shown
        self.tree.clear()
        for issue in issues:
            item = QTreeWidgetItem(self.tree, ["", issue.node_id or "", issue.message])
            item.setIcon(0, self._icons[issue.is_error])
            item.setData(0, ID_ROLE, issue.node_id or (issue.nodes[0] if issue.nodes else ""))
            tip = f"{issue.severity}: {issue.message}\n({issue.code}: {CODES.get(issue.code, '')})"
            for col in range(3):
                item.setToolTip(col, tip)
        if not issues:
            item = QTreeWidgetItem(self.tree, ["", "", "No problems: the design is valid."])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.counts_changed.emit(len(analysis.errors), len(analysis.warnings))

    def _on_tree_item_clicked(self, item: QTreeWidgetItem, column: int = 0) -> None:
        node_id = item.data(0, ID_ROLE)
        if node_id:
            self.node_activated.emit(node_id)
