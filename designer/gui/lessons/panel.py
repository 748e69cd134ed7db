"""LessonsPanel: the lecture's experiments as guided runs — predict, run, reveal, explain.

Pick a lesson (bundled, or a file a teacher wrote): its text and question show first; the
Run button waits for a prediction. The runs train on the LessonWorker's thread; then the
reveal shows the prediction against the answer and what the runs measured, the runs'
curves overlaid, the checks that state the effect, and the explanation. A lesson may hide
parts of the window (its ``hide`` list of docks), as TensorFlow Playground's hide options
do; they come back when another lesson opens or the panel closes the lesson.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFileDialog, QHBoxLayout, QLabel,
                               QPushButton, QRadioButton, QTableWidget, QTableWidgetItem,
                               QTextBrowser, QVBoxLayout, QWidget)

from ...lessons import Lesson, LessonError, bundled, load_lesson
from ...lessons.cli import _cell, columns_for
from ..workers.lesson import LessonWorker

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


class LessonsPanel(QWidget):
    def __init__(self, window=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.worker = LessonWorker(self)
        self.lesson: Lesson | None = None
        self.result = None
        self.answers: dict[str, int] = {}  # lesson name -> the prediction recorded at Run
        self._hidden: list = []
        try:
            self.lessons = bundled()
        except LessonError as exc:
            self.lessons = []
            self._load_error = str(exc)
        self._build()
        self._connect()
        if self.lessons:
            self.open_lesson(self.lessons[0])

    # ----------------------------------------------------------------- building
    def _build(self) -> None:
        self.chooser = QComboBox(self)
        for lesson in self.lessons:
            self.chooser.addItem(lesson.title, lesson.name)
        self.open_file = QPushButton("Open…", self)
        self.open_file.setToolTip("open a lesson file (Markdown with a TOML front-matter)")
        self.text = QTextBrowser(self)
        self.question = QLabel(self)
        self.question.setWordWrap(True)
        self.choices_box = QWidget(self)
        self.choices_layout = QVBoxLayout(self.choices_box)
        self.choices_layout.setContentsMargins(12, 0, 0, 0)
        self.choice_group = QButtonGroup(self)
        self.show_button = QPushButton("Show in the window", self)
        self.run_button = QPushButton("Run the experiment", self)
        self.stop_button = QPushButton("Stop", self)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.verdict = QLabel("", self)
        self.verdict.setWordWrap(True)
        self.table = QTableWidget(self)
        self.preview = pg.PlotWidget(self, background="w", enableMenu=False)  # the runs' learning-rate schedules
        self.preview.addLegend()
        self.preview.setMinimumHeight(140)
        self.preview.setLabel("left", "learning rate")
        self.preview.setLabel("bottom", "epoch")
        self.plot = pg.PlotWidget(self, background="w", enableMenu=False)
        self.plot.addLegend()
        self.plot.setMinimumHeight(160)
        self.checks = QLabel("", self)
        self.checks.setWordWrap(True)
        self.explanation = QTextBrowser(self)
        for widget in (self.text, self.explanation, self.table):
            widget.setMinimumHeight(90)
        top = QHBoxLayout()
        top.addWidget(self.chooser, 1)
        top.addWidget(self.open_file)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.show_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.text, 2)
        layout.addWidget(self.question)
        layout.addWidget(self.choices_box)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.preview, 1)
        self.reveal = [self.verdict, self.table, self.plot, self.checks, self.explanation]
        for widget in self.reveal:
            layout.addWidget(widget, 2 if widget in (self.plot, self.explanation, self.table) else 0)
        self._show_reveal(False)

    def _connect(self) -> None:
        self.chooser.activated.connect(lambda i: self.open_lesson(self.lessons[i]))
        self.open_file.clicked.connect(self._on_open_file_clicked)
        self.choice_group.idClicked.connect(lambda _i: self._update_buttons())
        self.run_button.clicked.connect(self.run)
        self.show_button.clicked.connect(self.show_in_window)
        self.stop_button.clicked.connect(self.worker.stop)
        self.worker.progress.connect(self._on_worker_progress)
        self.worker.finished.connect(self._on_worker_finished)
        self.worker.failed.connect(self._on_worker_failed)

    # ----------------------------------------------------------------- a lesson
    def open_lesson(self, lesson: Lesson) -> None:
        """Show a lesson's text and question; the reveal stays hidden until it has run."""
        if self.worker.busy:
            self.status.setText("A lesson is running: stop it before opening another.")
            return
        self.lesson, self.result = lesson, None
        self.text.setMarkdown(f"# {lesson.title}\n\n{lesson.text}")
        self.question.setText(f"<b>Predict first:</b> {lesson.question}")
        for button in self.choice_group.buttons():
            self.choice_group.removeButton(button)
            button.deleteLater()
        for i, choice in enumerate(lesson.choices):
            button = QRadioButton(choice, self.choices_box)
            self.choice_group.addButton(button, i)
            self.choices_layout.addWidget(button)
        index = self.chooser.findData(lesson.name)
        if index >= 0:
            self.chooser.setCurrentIndex(index)
        self.status.setText("Choose your prediction, then run the experiment.")
        self._show_reveal(False)
        self._apply_hide(lesson.hide)
        self.show_button.setVisible(bool(lesson.show) and self.window is not None)
        self._fill_preview(lesson)
        self._update_buttons()

    def _on_open_file_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a lesson", "", "Lessons (*.md)")
        if path:
            try:
                self.open_lesson(load_lesson(path))
            except LessonError as exc:
                self.status.setText(str(exc))

    def _update_buttons(self) -> None:
        running = self.worker.busy
        self.run_button.setEnabled(not running and self.choice_group.checkedId() >= 0)
        self.stop_button.setEnabled(running)
        self.chooser.setEnabled(not running)
        for button in self.choice_group.buttons():
            button.setEnabled(not running)

    def run(self) -> bool:
        """Record the prediction and start the runs (refused without a prediction)."""
        answer = self.choice_group.checkedId()
        if self.lesson is None or answer < 0 or self.worker.busy:
            return False
        self.answers[self.lesson.name] = answer
        self._show_reveal(False)
        started = self.worker.start(self.lesson)
        self.status.setText("Starting…")
        self._update_buttons()
        return started

    # ----------------------------------------------------------------- the runs
    def _on_worker_progress(self, done: int, total: int, text: str) -> None:
        if done < total:
            self.status.setText(f"Run {done + 1} of {total}: {text}…")

    def _on_worker_failed(self, message: str) -> None:
        self.status.setText(f"The lesson could not run: {message}")
        self._update_buttons()

    def _on_worker_finished(self, result) -> None:
        self.result = result
        self._update_buttons()
        if result.stopped:
            self.status.setText("Stopped. Run it again to see the result.")
            return
        self.status.setText(f"Done in {result.seconds:.1f} s.")
        self._fill_reveal(result)
        self._show_reveal(True)

    # ----------------------------------------------------------------- the reveal
    def _show_reveal(self, shown: bool) -> None:
        for widget in self.reveal:
            widget.setVisible(shown)
        if shown and (self.result is None or not self.result.runs):
            self.table.setVisible(False)
            self.plot.setVisible(False)

    def _fill_reveal(self, result) -> None:
        lesson = result.lesson
        answer = self.answers.get(lesson.name, -1)
        right = lesson.choices[lesson.answer]
        mine = lesson.choices[answer] if 0 <= answer < len(lesson.choices) else "none"
        verdict = "right ✓" if answer == lesson.answer else "not what the runs show ✗"
        shown = "The runs show it." if result.effect_shown else \
            "This time the runs did not show the effect clearly (see the checks)."
        self.verdict.setText(f"<b>You predicted:</b> {mine} — {verdict}<br><b>Answer:</b> {right}. {shown}")
        self._fill_table(result)
        self._fill_plot(result)
        lines = [f"{'✓' if ok else '✗'} {check}" for check, ok, _ in result.checks]
        if result.conv is not None:
            lines.insert(0, f"Output size: {result.conv.rule}; top-left value {result.conv.first:g}")
        self.checks.setText("\n".join(lines))
        self.explanation.setMarkdown(f"## Explanation\n\n{lesson.explanation}")

    def _fill_table(self, result) -> None:
        columns = columns_for(result)
        self.table.clear()
        self.table.setRowCount(len(result.runs))
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels([c.replace("_", " ") for c in columns])
        self.table.setVerticalHeaderLabels([r.label for r in result.runs])
        for row, run in enumerate(result.runs):
            for col, key in enumerate(columns):
                self.table.setItem(row, col, QTableWidgetItem(_cell(key, run.metrics.get(key, math.nan))))
        self.table.resizeColumnsToContents()

    def _fill_plot(self, result) -> None:
        metric = result.lesson.plot
        self.plot.clear()
        self.plot.setLabel("left", metric.replace("_", " "))
        self.plot.setLabel("bottom", "epoch")
        if metric == "train_loss" and result.lesson.loss_bar is not None:
            self._fill_step_plot(result)
            return
        for i, run in enumerate(result.runs):
            ys = [h.get(metric) for h in run.history]
            points = [(h["epoch"], y) for h, y in zip(run.history, ys) if y is not None and math.isfinite(y)]
            if points:
                xs, ys = zip(*points)
                self.plot.plot(xs, ys, pen=pg.mkPen(PALETTE[i % len(PALETTE)], width=2),
                               symbol="o", symbolSize=5, name=run.label)

    def _fill_step_plot(self, result) -> None:
        """Training loss per step with the lesson's loss bar: who reaches it first."""
        self.plot.setLabel("bottom", "step")
        bar = result.lesson.loss_bar
        self.plot.addItem(pg.InfiniteLine(bar, angle=0, pen=pg.mkPen("#888888", style=pg.QtCore.Qt.PenStyle.DashLine),
                                          label=f"loss bar {bar:g}"))
        for i, run in enumerate(result.runs):
            points = [(step, loss) for step, loss in run.losses if math.isfinite(loss)]
            if points:
                xs, ys = zip(*points)
                self.plot.plot(xs, ys, pen=pg.mkPen(PALETTE[i % len(PALETTE)], width=2), name=run.label)

    def _fill_preview(self, lesson: Lesson) -> None:
        """Preview the runs' learning-rate schedules (pure arithmetic) when any has one."""
        from ...training.config import ConfigError, TrainingConfig
        from ...training.schedules import ScheduleError, lr_at

        self.preview.clear()
        scheduled = [run for run in lesson.runs if "schedule" in run.settings]
        self.preview.setVisible(bool(scheduled))
        for i, run in enumerate(lesson.runs if scheduled else ()):
            try:
                config = TrainingConfig.from_dict(run.settings)
            except (ConfigError, ScheduleError):
                continue
            steps = 20  # per epoch, for a smooth curve
            xs = [s / steps for s in range(config.epochs * steps + 1)]
            ys = [lr_at(config.schedule, config.lr, s, steps, config.epochs) for s in range(len(xs))]
            self.preview.plot(xs, ys, pen=pg.mkPen(PALETTE[i % len(PALETTE)], width=2), name=run.label)

    def show_in_window(self) -> bool:
        """Open what the lesson points at: its first design with the Summary dock, or the
        convolution explorer with the lecture's example."""
        window, lesson = self.window, self.lesson
        if window is None or lesson is None or not lesson.show:
            return False
        if lesson.show == "explorer":
            viewers = getattr(window, "viewers", None)
            if viewers is None or "dock_convolution" not in viewers.docks:
                return False
            viewers.show("dock_convolution")  # builds the explorer if it was never shown
            viewers.view("dock_convolution").arithmetic.load_lecture_example()
            return True
        run = lesson.runs[0]
        if run.design:
            opened = window.open_example(run.design)
        else:  # a new, unsaved design like an example: the open file is never overwritten
            from ...lessons.format import chain_graph

            opened = window.open_new_design(chain_graph(run.label, run.layers))
        if opened:
            window.show_dock("dock_summary")
        return bool(opened)

    # ----------------------------------------------------------------- teacher's hide options
    def _apply_hide(self, names) -> None:
        """Show what the previous lesson hid, then hide this lesson's docks (by object name,
        e.g. "dock_palette") and Playground parts ("playground:controls")."""
        for restore in self._hidden:
            restore()
        self._hidden = []
        window = self.window
        if window is None:
            return
        for name in names:
            if name.startswith("playground:") and getattr(window, "playground", None) is not None:
                section = name.split(":", 1)[1]
                widget = window.playground.sections.get(section)
                if widget is not None and widget.isVisibleTo(window.playground):
                    widget.setVisible(False)
                    self._hidden.append(lambda w=widget: w.setVisible(True))
            dock = getattr(window, "docks", {}).get(name)
            if dock is not None and not dock.isHidden():
                dock.hide()
                self._hidden.append(dock.show)

    def close_lesson(self) -> None:
        """Give the window back as it was before the lesson hid anything."""
        self._apply_hide(())

    def shutdown(self, timeout_s: float = 1.0) -> bool:
        return self.worker.shutdown(timeout_s)
