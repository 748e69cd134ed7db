"""The panel's sentences that are computed from facts: whether the data fit the design, and
the training-memory estimate against the device's free memory (pure: no Qt, no torch)."""

from __future__ import annotations

import math
import re


def gib(n: float) -> str:
    """Bytes as a short text: 12 MiB, 3.40 GiB."""
    if not math.isfinite(n):
        return "?"
    if n >= 2**30:
        return f"{n / 2**30:.2f} GiB"
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n / 1024:.0f} KiB"


def clause(text: str) -> str:
    """``text`` as part of a sentence: no full stop at its end, none before a semicolon
    (problems that are sentences themselves are joined as "a; b", never "a.; b.")."""
    text = re.sub(r"\.+(\s*;)", r"\1", str(text).strip())
    return text.rstrip(". ").strip()


def sentence(text: str) -> str:
    """``text`` ending in exactly one full stop (or its own ? or !)."""
    text = clause(text)
    return text if not text or text[-1] in "?!" else text + "."


READY = "Ready to train."
NOT_READY = "Not ready to train: see the message above."

#: "the root option (--data-root)" in a message of the training library (worded for the
#: command line) names a field of the Data tab in the window.
_CLI_OPTION = re.compile(r"\bthe (\w+) option \((--[\w-]+)\)")
_BOXES = {"download"}  # options shown as a check box, not a field


def field_name(option: str) -> str:
    """The Data tab's label of a dataset option (as DatasetEditor builds it)."""
    return option.replace("_", " ").capitalize()


def window_wording(text: str) -> str:
    """``text`` with its command-line option names ("the path option (--data-path)") said
    as the window's fields ("the Path field on the Data tab")."""
    def field(match: re.Match) -> str:
        kind = "box" if match.group(1) in _BOXES else "field"
        return f"the {field_name(match.group(1))} {kind} on the Data tab"
    return _CLI_OPTION.sub(field, str(text))


def fit_text(fit) -> str:
    """A FitCheck that failed, in words, with the offer to adapt when there is one."""
    if fit.info is None:  # the dataset itself cannot be described (a missing file, a bad option)
        return sentence(f"The dataset cannot be used: {clause(window_wording(fit.message))}")
    text = sentence(f"The data do not fit the design: {clause(fit.message)}")
    if fit.can_adapt and fit.adapted_valid:
        text += f" Adapt the design ({clause(fit.adapt_summary)}) to train it on this data."
    elif fit.can_adapt:
        issues = "; ".join(clause(i) for i in fit.adapted_issues[:2])
        text += " " + sentence(f"Adapting it ({clause(fit.adapt_summary)}) would not help: {issues}")
    return text


def memory_line(config, analysis, memory) -> tuple[str, str]:
    """(text, level) comparing the estimated training memory at ``config``'s batch size with
    the free memory of its device (``memory``: a DeviceMemory, or None while unknown)."""
    if not analysis.valid:
        return "The memory estimate needs a design without errors.", ""
    estimate = analysis.training_memory(config.batch_size, config.optimizer).total
    head = f"Training memory ≈ {gib(estimate)} at batch size {config.batch_size}"
    if memory is None or memory.asked != config.device:
        return head + ".", ""
    if memory.error:
        return memory.error, "error"
    if not memory.free_bytes:
        return f"{head}; the free memory of {memory.device} is unknown.", ""
    largest = analysis.largest_batch(memory.free_bytes, config.optimizer)
    fits = estimate <= memory.free_bytes
    return (f"{head}; {gib(memory.free_bytes)} free on {memory.device}"
            f"{'' if fits else ' — too much: lower the batch size'}; the largest batch that fits "
            f"≈ {largest:,}.", "" if fits else "warning")
