"""Issue: one problem found in a design, with a stable code a test or a UI can rely on."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"

#: Every code the analysis can report, with what it means. Codes are stable across versions.
CODES: dict[str, str] = {
    "unknown-type": "a node's layer type is not in the catalog",
    "bad-param": "a parameter is unknown, of the wrong type or out of range",
    "no-input": "the design has no Input node",
    "no-output": "the design has no Output node",
    "multiple-outputs": "the design has more than one Output node",
    "cycle": "the edges form a loop",
    "missing-input": "a layer has no incoming edge",
    "too-many-inputs": "a single-input layer has several incoming edges",
    "merge-inputs": "a merge layer has fewer than two inputs",
    "input-has-inputs": "an Input node has incoming edges",
    "output-has-outputs": "an Output node feeds another layer",
    "unreachable": "a node cannot be reached from any Input",
    "dead-end": "a node's result never reaches the Output",
    "shape": "a layer cannot accept the shape it receives",
    "upstream-error": "an earlier layer has an error, so this shape is unknown",
    "border-dropped": "a strided window silently skips border pixels",
    "linear-on-map": "Linear applied to a feature map without Flatten",
    "softmax-before-loss": "Softmax feeds a cross-entropy output, which applies it again",
}


@dataclass(frozen=True)
class Issue:
    """A problem in a design: severity, stable code, actionable message and where it is."""

    severity: str
    code: str
    message: str
    node_id: str | None = None
    nodes: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_dict(self) -> dict:
        return {
            "severity": self.severity,
            "code": self.code,
            "node": self.node_id,
            "nodes": list(self.nodes),
            "message": self.message,
        }

    def __str__(self) -> str:
        where = f"[{self.node_id}] " if self.node_id else ""
        return f"{self.severity}: {where}{self.message} ({self.code})"


def error(code: str, message: str, node_id: str | None = None, nodes=()) -> Issue:
    return Issue(ERROR, code, message, node_id, tuple(nodes))


def warning(code: str, message: str, node_id: str | None = None, nodes=()) -> Issue:
    return Issue(WARNING, code, message, node_id, tuple(nodes))
