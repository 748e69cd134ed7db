"""The Training curves dock: the run list beside the plots.

Each run is a row with its colour, status and settings; ticking runs overlays them on the
plots (say, dropout vs no dropout, SGD vs Adam). The selected run can be exported (its
curves as CSV, the plots as PNG), resumed where it stopped, continued from its weights with
the current settings, or removed from the list.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QFileDialog, QGridLayout, QListWidget, QListWidgetItem, QMenu,
                               QPushButton, QSplitter, QVBoxLayout, QWidget)

from ..availability import set_available
from .plots import TrainingPlots
from .runs import Run
from .start_weights import start_text

STATUS = {"starting": "starting", "running": "training", "paused": "paused", "completed": "done",
          "stopped": "stopped", "early_stopping": "stopped early", "failed": "failed"}


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


def run_text(run: Run) -> str:
    stale = (f" · of “{run.other_design}”" if run.other_design
             else " · design changed since" if run.stale else "")
    return f"{run.name} · {STATUS.get(run.status, run.status)}{stale}\n{run.summary()}"


def button_reasons(run: Run | None, idle: bool, session) -> dict[str, str]:
    """Why each run-list button is disabled ("" when it is enabled)."""
    busy = "" if idle else "wait until the current run or test ends"
    pick = "select a run in the list first"
    weights = run is not None and (run.checkpoint("best") or run.checkpoint("last")) is not None
    return {
        "csv": pick if run is None else "" if len(run.steps) + len(run.epochs) else "the run has no curves yet",
        "png": "" if session.runs else "there are no runs to draw",
        "resume": busy or (pick if run is None else "" if run.resumable else
                           "the run is still going" if run.active else "the run completed" if
                           run.status == "completed" else "the run left no last.pt to go on from"),
        "continue": busy or (pick if run is None else "the run is still going" if run.active else
                             "" if weights else "the run left no checkpoint"),
        "file": busy,
        "remove": pick if run is None else "stop the run first" if run is session.current and not idle else "",
    }


class CurvesPanel(QWidget):
    """Run list (tick to overlay) and actions, and the TrainingPlots."""

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.plots = TrainingPlots(self)
        self.list = QListWidget(self)
        self.list.setToolTip("Tick runs to overlay them on the plots")
        self.list.setWordWrap(True)
        self.list.itemChanged.connect(self._on_list_item_changed)
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.buttons = {}
        self.tips: dict[str, str] = {}
        grid = QGridLayout()
        for i, (name, text, tip, slot) in enumerate((
                ("csv", "Export CSV…", "Save the selected run's curves as a CSV table",
                 self._on_csv_clicked),
                ("png", "Export PNG…", "Save the plots as an image", self._on_png_clicked),
                ("resume", "Resume", "Go on with the selected run where it stopped", self._on_resume_clicked),
                ("continue", "Continue", "Train the current design with the current settings "
                 "(changed hyperparameters), starting from the selected run's best weights",
                 self._on_continue_clicked),
                ("file", "Checkpoint…", "Resume a run, or continue from its weights, from a "
                 "checkpoint file (best.pt or last.pt)", self._on_file_clicked),
                ("remove", "Remove", "Remove the selected run from the list (its checkpoints stay in its folder)",
                 self._on_remove_clicked))):
            button = QPushButton(text, self)
            button.setToolTip(tip)
            self.tips[name] = tip
            button.clicked.connect(lambda _c=False, s=slot: s())
            grid.addWidget(button, i // 2, i % 2)
            self.buttons[name] = button
        side = QWidget(self)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.list, 1)
        column.addLayout(grid)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(side)
        splitter.addWidget(self.plots)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        session.runs_changed.connect(self._on_session_runs_changed)
        session.run_changed.connect(self._on_session_run_changed)
        session.curves_changed.connect(self.plots.mark_dirty)
        session.state_changed.connect(lambda _state: self._update_buttons())
        self._update_buttons()

    # ----------------------------------------------------------------- list
    def _items(self) -> dict[int, QListWidgetItem]:
        return {self.list.item(i).data(Qt.ItemDataRole.UserRole): self.list.item(i)
                for i in range(self.list.count())}

    def _on_session_runs_changed(self) -> None:
        items = self._items()
        numbers = {run.number for run in self.session.runs}
        for number, item in items.items():
            if number not in numbers:
                self.list.takeItem(self.list.row(item))
        for run in self.session.runs:
            if run.number not in items:
                item = QListWidgetItem(_swatch(run.color), run_text(run))
                item.setData(Qt.ItemDataRole.UserRole, run.number)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if run.visible else Qt.CheckState.Unchecked)
                self.list.addItem(item)
                self.list.setCurrentItem(item)
        self._show_ticked()

    def _on_session_run_changed(self, run: Run) -> None:
        item = self._items().get(run.number)
        if item is not None:
            item.setText(run_text(run))
            folder = f"Checkpoints in {run.folder}" if run.checkpoint("last") else ""
            start = start_text(run)
            notes = [n for n in run.notes if n[:1].upper() + n[1:] != start]
            item.setToolTip("\n".join(t for t in (run.message, start, folder, *notes) if t))
        self._update_buttons()

    def _on_list_item_changed(self, item: QListWidgetItem) -> None:
        run = self.run_of(item)
        if run is not None:
            run.visible = item.checkState() == Qt.CheckState.Checked
            self._show_ticked()

    def _show_ticked(self) -> None:
        self.plots.show_runs([run for run in self.session.runs if run.visible])

    def run_of(self, item: QListWidgetItem | None) -> Run | None:
        if item is None:
            return None
        number = item.data(Qt.ItemDataRole.UserRole)
        return next((run for run in self.session.runs if run.number == number), None)

    @property
    def selected(self) -> Run | None:
        return self.run_of(self.list.currentItem())

    def select(self, run: Run) -> None:
        item = self._items().get(run.number)
        if item is not None:
            self.list.setCurrentItem(item)

    def set_visible(self, run: Run, visible: bool) -> None:
        item = self._items().get(run.number)
        if item is not None:
            item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)

    def _update_buttons(self) -> None:
        for name, why in button_reasons(self.selected, not self.session.worker.busy, self.session).items():
            set_available(self.buttons[name], not why, self.tips[name], why)

    # ----------------------------------------------------------------- actions
    def _on_csv_clicked(self) -> None:
        run = self.selected
        if run is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export curves", f"run-{run.number}.csv",
                                              "CSV table (*.csv)")
        if path:
            self._report(lambda: run.write_csv(path))

    def _on_png_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plots", "training-curves.png",
                                              "PNG image (*.png)")
        if path:
            self._report(lambda: self.plots.export_png(path))

    def _report(self, write) -> None:
        try:
            written = write()
        except OSError as exc:
            self.session.message_changed.emit(f"Could not export: {exc}", "error")
            return
        self.session.message_changed.emit(f"Wrote {Path(written)}", "info")

    def _on_resume_clicked(self) -> None:
        run = self.selected
        if run is not None:
            self.session.resume(run)

    def _on_continue_clicked(self) -> None:
        run = self.selected
        if run is not None:
            self.session.continue_from(run)

    def _on_file_clicked(self) -> None:
        menu = QMenu(self)
        resume = menu.addAction("Resume a run from a checkpoint file…")
        menu.addAction("Continue from a checkpoint's weights with the current settings…")
        chosen = menu.exec(self.buttons["file"].mapToGlobal(self.buttons["file"].rect().bottomLeft()))
        if chosen is not None:
            self.open_checkpoint(resume=chosen is resume)

    def open_checkpoint(self, resume: bool) -> None:
        """Ask for a checkpoint file and start a run from it."""
        path, _ = QFileDialog.getOpenFileName(self, "Checkpoint", str(self.session.checkpoint_root),
                                              "Checkpoints (*.pt);;All files (*)")
        if path:
            self.session.from_checkpoint(path, resume)

    def _on_remove_clicked(self) -> None:
        run = self.selected
        if run is not None:
            self.session.remove(run)
