"""Summary: the torchinfo-like table of every layer (id, type, output shape, parameters, MACs,
receptive field), the totals, and how the parameters are shared among layer types.

A QAbstractTableModel over designer.analysis.report.summary_rows: a model reset when the
layers change, otherwise ``dataChanged`` for the rows whose cells changed only. Clicking a
row asks to select and centre that node (``node_activated``).
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QStyle, QTableView, QVBoxLayout, QWidget,
)

from ...analysis import Analysis
from ...analysis.report import SummaryRow, human, shares_of, summary_row, summary_rows, type_params
from ...analysis.trainable import param_split
from ...layers import registry
from ...layers.registry import CATEGORIES
from .. import theme
from .row_splice import common_ends, splice

COLUMNS = ("Layer (id)", "Type", "Output shape", "Params", "MACs", "RF", "Trains")
TRAINS = 6  # "yes", "frozen" (transfer learning) or "" for a layer without parameters
NUMERIC = {3, 4, 5}
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _shape(row: SummaryRow) -> str:
    if row.output_shape:
        return "×".join(map(str, row.output_shape))
    return "error" if row.status == "error" else ("—" if row.type == "Output" else "?")


def _rf(row: SummaryRow) -> str:
    rf = row.receptive_field
    if rf is None:
        return ""
    return str(rf[0]) if rf[0] == rf[1] else f"{rf[0]}×{rf[1]}"


class SummaryModel(QAbstractTableModel):
    """Rows of the summary table; ``set_analysis`` replaces them all at once."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[SummaryRow] = []
        self._cells: list[tuple[str, ...]] = []
        self._index: dict[str, int] = {}
        self._longest = [""] * len(COLUMNS)  # the longest cell text per column
        self._serial: int | None = None  # the analysis the rows show, and with which groups
        self._groups: dict | None = None
        self.frozen: frozenset[str] = frozenset()

    def set_analysis(self, analysis: Analysis, groups: dict | None = None) -> bool:
        """New rows; when the layers are the same (a parameter edit) only the cells change,
        so the table keeps its scroll position and selection. True when the rows changed or
        a cell became longer than any before in its column (the columns may need widening).
        After a re-analysis of the analysis shown last, only its ``redone`` rows are rebuilt."""
        if analysis.redone is not None and analysis.base == self._serial and groups is self._groups:
            self._serial = analysis.serial
            return self._update(analysis, analysis.redone)
        self._serial, self._groups = analysis.serial, groups
        rows = summary_rows(analysis, groups)
        if [r.id for r in rows] == [r.id for r in self.rows]:
            old_rows, old_cells = self.rows, self._cells
            changed = [i for i, (new, old) in enumerate(zip(rows, old_rows)) if new != old]
            cells = list(old_cells)
            for i in changed:
                cells[i] = _cells(rows[i])
            self.rows, self._cells = rows, cells
            for first, last in _runs(changed):
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
            return self._measure(cells[i] for i in changed)
        old_ids, new_ids = [r.id for r in self.rows], [r.id for r in rows]
        head, tail = common_ends(old_ids, new_ids)
        if not head and not tail:  # another design: nothing to keep
            cells = [_cells(r) for r in rows]
            self.beginResetModel()
            self.rows, self._cells = rows, cells
            self._index = {r.id: i for i, r in enumerate(rows)}
            self.endResetModel()
            self._measure(cells)
            return True
        return self._splice(rows, head, tail)

    def _splice(self, rows: list[SummaryRow], head: int, tail: int) -> bool:
        """Layers came or went: the rows before and after the change stay (dataChanged where
        their cells changed), the ones between are removed and inserted."""
        old_rows, old_cells = self.rows, self._cells
        end_old, end_new = len(old_rows) - tail, len(rows) - tail
        new_cells = [_cells(r) for r in rows[head:end_new]]

        def removed() -> None:
            self.rows, self._cells = old_rows[:head] + old_rows[end_old:], old_cells[:head] + old_cells[end_old:]

        def inserted() -> None:
            self.rows = self.rows[:head] + rows[head:end_new] + self.rows[head:]
            self._cells = self._cells[:head] + new_cells + self._cells[head:]

        splice(self, len(old_rows), len(rows), head, tail, removed, inserted)
        self.rows = rows
        self._index = {r.id: i for i, r in enumerate(rows)}
        kept = [i for i in range(head)] + [i for i in range(end_new, len(rows))]
        changed = [i for i in kept if rows[i] != old_rows[i if i < head else i - end_new + end_old]]
        for i in changed:
            self._cells[i] = _cells(rows[i])
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self._measure(new_cells)
        return True

    def _update(self, analysis: Analysis, redone: list[str]) -> bool:
        """Rebuild the rows of the ``redone`` nodes; dataChanged for those whose cells changed."""
        rows, cells, changed = self.rows, self._cells, []
        for nid in redone:
            i = self._index.get(nid)
            if i is None:
                continue
            row = summary_row(analysis, nid, rows[i].group)
            if row != rows[i]:
                rows[i], cells[i] = row, _cells(row)
                changed.append(i)
        changed.sort()
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        return self._measure(cells[i] for i in changed)

    def _measure(self, cells) -> bool:
        grew = False
        longest = self._longest
        for row in cells:
            for c, text in enumerate(row):
                if len(text) > len(longest[c]):
                    longest[c], grew = text, True
        return grew

    def longest(self, column: int) -> str:
        """The longest text (in characters) any cell of ``column`` has shown."""
        return self._longest[column]

    def set_frozen(self, frozen: frozenset[str]) -> None:
        """Mark the rows of frozen layers (their "Trains" cell), repainting only changes."""
        if frozen == self.frozen:
            return
        changed = sorted(self._index[n] for n in frozen ^ self.frozen if n in self._index)
        self.frozen = frozen
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, TRAINS))

    def row_of(self, node_id: str) -> int:
        return self._index.get(node_id, -1)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt name)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return {5: "receptive field in input pixels",
                    TRAINS: "frozen: the weights stay as they are while training (transfer learning)"
                    }.get(section)
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if col == TRAINS and role == Qt.ItemDataRole.DisplayRole:
            return "" if not self.rows[row].params else (
                "frozen" if self.rows[row].id in self.frozen else "yes")
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[row][col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and self.rows[row].status == "error":
            return QColor(theme.colors().error)
        if role == Qt.ItemDataRole.ForegroundRole and self.rows[row].id in self.frozen:
            return QColor(theme.colors().muted)
        if role == Qt.ItemDataRole.ToolTipRole and self.rows[row].group:
            return f"in group {self.rows[row].group}"
        if role == ID_ROLE:
            return self.rows[row].id
        return None


def _cells(r: SummaryRow) -> tuple[str, ...]:
    return (r.id, r.type, _shape(r), f"{r.params:,}", f"{r.macs:,}", _rf(r))


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Consecutive row numbers as (first, last) ranges: one dataChanged per range."""
    runs: list[tuple[int, int]] = []
    for i in rows:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


class ShareBar(QWidget):
    """A stacked bar of the parameter share of each layer type, in category colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shares: dict[str, float] = {}
        self.setFixedHeight(10)

    def set_shares(self, shares: dict[str, float]) -> None:
        self.shares = shares
        self.setToolTip("\n".join(f"{t}: {s:.1%}" for t, s in shares.items()))
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        x, width = 0.0, float(self.width())
        for layer_type, share in self.shares.items():
            spec = registry.get(layer_type)
            painter.fillRect(QRectF(x, 0, share * width, self.height()),
                             QColor(CATEGORIES.get(spec.category if spec else "", "#888")))
            x += share * width
        painter.end()


class SummaryPanel(QWidget):
    """Table, totals and parameter shares; ``node_activated(id)`` when a row is clicked."""

    node_activated = Signal(str)

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.model = SummaryModel(self)
        self._sized = False
        self._shown: tuple[Analysis | None, dict[str, int]] = (None, {})  # and its parameters per type
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(200)  # fit columns to the first rows, not all 5,000
        header.setStretchLastSection(False)
        self.table.clicked.connect(self._on_table_clicked)
        self.totals = QLabel(self)
        self.totals.setWordWrap(True)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.share_bar = ShareBar(self)
        self.share_bar.setFixedWidth(160)
        self.shares = QLabel(self)
        self.shares.setWordWrap(True)
        shares = QHBoxLayout()
        shares.setSpacing(8)
        shares.addWidget(self.share_bar)
        shares.addWidget(self.shares, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        layout.addLayout(shares)
        document.analysis_changed.connect(self._on_document_analysis_changed)
        document.selection_changed.connect(self._on_document_selection_changed)
        self._on_document_analysis_changed(document.analysis)

    def _on_document_analysis_changed(self, analysis: Analysis) -> None:
        wider = self.model.set_analysis(analysis, self.document.graph.groups)
        split = param_split(self.document.graph, analysis)
        self.model.set_frozen(split.frozen_nodes)
        if wider and self.model.rowCount() and not self._sized:  # once per event-loop turn at most
            self._sized = True
            QTimer.singleShot(0, self._size_columns)
        self._show_totals(analysis, split)
        self._on_document_selection_changed(self.document.selection)

    def _size_columns(self) -> None:
        """Widen every column to its contents (with room to breathe), whichever design is
        shown: a larger design's numbers are never cut off. Columns only grow, so a column
        the user widened stays. The width is that of the longest text the column has shown
        (the model keeps it), not a sample of the rows: one measure per column."""
        self._sized = False
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        margin = 2 * (self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
        for col in range(self.model.columnCount()):
            text = metrics.horizontalAdvance(self.model.longest(col)) + margin
            need = max(text, header.sectionSizeHint(col)) + 24
            if header.sectionSize(col) < need:
                header.resizeSection(col, need)

    def _type_params(self, analysis: Analysis) -> dict[str, int]:
        """Parameters per layer type: after a re-analysis of the analysis shown, the sums shown
        plus the differences of the redone nodes; otherwise summed afresh."""
        shown, held = self._shown
        if shown is not None and analysis.redone is not None and analysis.base == shown.serial:
            held = dict(held)
            for nid in analysis.redone:
                if nid in analysis.live:
                    old, new = shown.nodes[nid], analysis.nodes[nid]
                    held[old.type] = held.get(old.type, 0) - old.params
                    held[new.type] = held.get(new.type, 0) + new.params
        elif shown is not analysis:
            held = type_params(analysis)
        self._shown = (analysis, held)
        return held

    def _show_totals(self, analysis: Analysis, split) -> None:
        muted = theme.colors().muted
        frozen = f" &nbsp; <b>Frozen</b> {split.frozen:,}" if split.any_frozen else ""
        self.totals.setText(
            f"<b>Total params</b> {analysis.total_params:,}{'' if analysis.complete else ' so far'}"
            f" &nbsp; <b>Trainable</b> "
            f"{split.trainable:,}{frozen} &nbsp; <b>MACs</b> {analysis.total_macs:,} "
            f"({human(analysis.total_macs)}) &nbsp; <b>Params size</b> "
            f"{analysis.param_bytes / 1e6:.2f} MB &nbsp; <span style='color:{muted}'>Activations "
            f"per sample {analysis.activation_bytes / 1e6:.2f} MB</span>")
        shares = shares_of(self._type_params(analysis), analysis.total_params)
        self.share_bar.set_shares(shares)
        self.share_bar.setVisible(bool(shares))
        self.shares.setText("Parameters held by " + ", ".join(
            f"<b>{t}</b> {s:.1%}" for t, s in shares.items()) if shares else "")

    def _on_document_selection_changed(self, ids: list) -> None:
        row = self.model.row_of(ids[0]) if len(ids) == 1 else -1
        selection = self.table.selectionModel()
        if row < 0:
            selection.clearSelection()
            return
        current = self.table.currentIndex()
        if current.row() != row or not selection.isRowSelected(row):
            index = self.model.index(row, 0)
            selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect
                                      | selection.SelectionFlag.Rows)
            self.table.scrollTo(index)

    def _on_table_clicked(self, index: QModelIndex) -> None:
        node_id = index.data(ID_ROLE)
        if node_id:
            self.node_activated.emit(node_id)
