"""The Run form's speed rows: precision, torch.compile and channels-last.

Each row edits one TrainingConfig field through the form's ``changed`` signal (one undoable
edit). A choice this machine or device cannot run (CUDA graphs without a CUDA GPU, bf16 on
MPS) is greyed out in the list with the reason as its tooltip; a design that already asks
for one keeps its setting, and the combo's tooltip says why the run would refuse it.
Nothing here compiles: torch.compile runs at the first step, on the training worker.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox

from ...training.config import COMPILE_MODES, PRECISIONS

TIPS = {
    "precision": "Arithmetic of the training step. bf16 can be slower on small designs "
                 "(see bench/README.md)",
    "compile": "torch.compile the training step: the first step compiles (up to a minute on "
               "the CPU); a design it cannot compile trains on without it, with a warning",
    "channels_last": "Store images and convolution weights channels-last (NHWC): faster "
                     "convolutions on many CPUs and GPUs",
}


class SpeedRows:
    """Adds the three rows to ``form`` (a hyperparams.Form) and keeps them in step."""

    def __init__(self, form) -> None:
        self.form = form
        self.precision = form._combo(PRECISIONS)
        self.compile = form._combo(COMPILE_MODES)
        self.channels_last = QCheckBox("Channels last (NHWC)", form)
        self.precision.currentIndexChanged.connect(
            lambda _i: form._emit("precision", precision=self.precision.currentData()))
        self.compile.currentIndexChanged.connect(self._compile_changed)
        self.channels_last.toggled.connect(
            lambda on: form._emit("channels_last", channels_last=bool(on)))
        for widget, key in ((self.precision, "precision"), (self.compile, "compile"),
                            (self.channels_last, "channels_last")):
            widget.setToolTip(TIPS[key])
        form.form.addRow("Precision", self.precision)
        form.form.addRow("Compile", self.compile)
        form.form.addRow("", self.channels_last)
        self._why: dict[str, str] = {}

    def load(self, config) -> None:
        """Show ``config``'s values (the caller holds the form's loading flag)."""
        for combo, value in ((self.precision, config.precision), (self.compile, config.compile)):
            combo.setCurrentIndex(max(0, combo.findData(value)))
        self.channels_last.setChecked(bool(config.channels_last))
        self._tooltips()

    def sync(self, device: str, cuda: bool | None) -> None:
        """Grey out what ``device`` (auto, cpu, cuda, mps) on this machine cannot run."""
        graphs = ""
        if device in ("cpu", "mps"):
            graphs = f"the device is {device}; CUDA graphs need a CUDA GPU (choose 'on')"
        elif cuda is False:
            graphs = "this machine has no CUDA GPU; CUDA graphs need one (choose 'on')"
        bf16 = "bf16 autocast runs on the CPU or a CUDA GPU, not on mps" if device == "mps" else ""
        self._why = {"reduce-overhead": graphs, "bf16": bf16}
        for combo in (self.compile, self.precision):
            model = combo.model()
            for i in range(combo.count()):
                why = self._why.get(combo.itemData(i), "")
                model.item(i).setEnabled(not why)
                model.item(i).setToolTip(f"Not available now: {why}" if why else
                                         {**PRECISIONS, **COMPILE_MODES}[combo.itemData(i)])
        self._tooltips()

    def _compile_changed(self, _index: int) -> None:
        self._tooltips()
        self.form._emit("compile", compile=self.compile.currentData())

    def _tooltips(self) -> None:
        """A chosen setting the device cannot run keeps its value; the tooltip says why."""
        for combo, key in ((self.compile, "compile"), (self.precision, "precision")):
            why = self._why.get(combo.currentData(), "")
            combo.setToolTip(f"{TIPS[key]}\nThis run would refuse it: {why}" if why else TIPS[key])
