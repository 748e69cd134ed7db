"""Summary rows and totals of an analysis, kept apart from any formatting (torchinfo style)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .analyze import Analysis, collector_paused


@dataclass(frozen=True)
class SummaryRow:
    id: str
    type: str
    output_shape: tuple[int, ...] | None
    params: int
    macs: int
    receptive_field: tuple[int, int] | None
    status: str
    group: str | None = None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "output_shape": list(self.output_shape) if self.output_shape else None,
            "params": self.params,
            "macs": self.macs,
            "receptive_field": list(self.receptive_field) if self.receptive_field else None,
        }


def summary_rows(analysis: Analysis, groups: dict | None = None) -> list[SummaryRow]:
    """One row per analysed node in topological order (nodes in cycles last)."""
    owner = {}
    for gid, g in (groups or {}).items():
        for nid in g.nodes:
            owner[nid] = gid
    in_order = set(analysis.order)
    ordered = list(analysis.order) + [n for n in analysis.nodes if n not in in_order]
    return [summary_row(analysis, nid, owner.get(nid)) for nid in ordered]


def summary_row(analysis: Analysis, node_id: str, group: str | None = None) -> SummaryRow:
    """One node's row (a view updating only ``analysis.redone`` rebuilds just those)."""
    info = analysis.nodes[node_id]
    return SummaryRow(node_id, info.type, info.output_shape, info.params, info.macs,
                      info.receptive_field, info.status, group)


def parameter_shares(analysis: Analysis) -> dict[str, float]:
    """Fraction of all parameters held by each layer type ("Linear": 0.89 for VGG-16)."""
    return shares_of(type_params(analysis), analysis.total_params)


def type_params(analysis: Analysis) -> dict[str, int]:
    """Parameters held by each layer type among the live nodes (a view can keep these sums
    and add the differences of the redone nodes after a re-analysis)."""
    held: dict[str, int] = {}
    for nid in analysis.live:
        info = analysis.nodes[nid]
        if info.params:
            held[info.type] = held.get(info.type, 0) + info.params
    return held


def shares_of(held: dict[str, int], total: int) -> dict[str, float]:
    """``type_params`` as fractions of ``total``, largest first (types holding none left out)."""
    total = total or 1
    return {k: v / total for k, v in sorted(held.items(), key=lambda kv: -kv[1]) if v}


def summary_dict(analysis: Analysis) -> dict:
    """The JSON printed by ``designer summary --json``."""
    return {
        "name": analysis.name,
        "layers": [r.to_dict() for r in summary_rows(analysis)],
        "total_params": analysis.total_params,
        "trainable_params": analysis.trainable_params,
        "total_macs": analysis.total_macs,
        "param_bytes": analysis.param_bytes,
        "activation_bytes_per_sample": analysis.activation_bytes,
        "valid": analysis.valid,
        "complete": analysis.complete,
        "analysed_layers": analysis.analysed,
        "issues": [i.to_dict() for i in analysis.issues],
    }


def summary_json(analysis: Analysis) -> str:
    """The text of ``designer summary --json``: summary_dict, indented, one layer and one issue
    per line. Each line goes through json's C encoder (``indent=`` would make json use its
    pure-Python encoder: seconds for 20,000 layers)."""
    encode = json.JSONEncoder().encode
    with collector_paused(len(analysis.nodes) + len(analysis.issues)):
        items = list(summary_dict(analysis).items())
    lines = ["{"]
    for k, (key, value) in enumerate(items):
        comma = "," if k < len(items) - 1 else ""
        if isinstance(value, list) and value:
            lines.append(f"  {encode(key)}: [")
            lines.append(",\n".join("    " + encode(v) for v in value))
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {encode(key)}: {encode(value)}{comma}")
    lines.append("}")
    return "\n".join(lines)


def totals_text(analysis: Analysis) -> str:
    """'61,706 parameters', or '61,706 parameters so far; 2 problems' while the design is
    incomplete (the totals then count only the layers whose figures are known)."""
    text = f"{analysis.total_params:,} parameter{'s' * (analysis.total_params != 1)}"
    if analysis.complete:
        return text
    n = len(analysis.errors)
    return f"{text} so far; {n} problem{'s' * (n != 1)}"


def human(n: float, unit: str = "") -> str:
    """1234567 -> '1.23 M' (for status bars and summaries)."""
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= factor:
            return f"{n / factor:.2f} {suffix}{unit}"
    return f"{n:g} {unit}".rstrip()


def format_table(analysis: Analysis) -> str:
    """The text table of ``designer summary``."""
    with collector_paused(len(analysis.nodes) + len(analysis.issues)):
        return _format_table(analysis)


def _format_table(analysis: Analysis) -> str:
    rows = summary_rows(analysis)
    header = ("Layer (id)", "Type", "Output shape", "Params", "MACs", "RF")
    body = []
    for r in rows:
        shape = "×".join(map(str, r.output_shape)) if r.output_shape else ("error" if r.status == "error" else "?")
        rf = "" if r.receptive_field is None else (
            str(r.receptive_field[0]) if r.receptive_field[0] == r.receptive_field[1]
            else f"{r.receptive_field[0]}×{r.receptive_field[1]}")
        body.append((r.id, r.type, shape, f"{r.params:,}", f"{r.macs:,}", rf))
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(header)]
    def line(cells):
        left = [c.ljust(w) for c, w in zip(cells[:3], widths[:3])]
        right = [c.rjust(w) for c, w in zip(cells[3:], widths[3:])]
        return "  ".join(left + right)
    rule = "=" * len(line(header))
    out = [rule, line(header), rule.replace("=", "-")]
    out += [line(b) for b in body]
    out.append(rule)
    so_far = "" if analysis.complete else (
        f" (so far: {analysis.analysed} of {len(analysis.nodes)} layers analysed)")
    out.append(f"Total params: {analysis.total_params:,}{so_far}")
    out.append(f"Trainable params: {analysis.trainable_params:,}")
    out.append(f"Non-trainable params: {analysis.total_params - analysis.trainable_params:,}")
    out.append(f"Total MACs: {analysis.total_macs:,} ({human(analysis.total_macs)})")
    out.append(f"Params size (MB): {analysis.param_bytes / 1e6:.2f}")
    out.append(f"Activations per sample (MB): {analysis.activation_bytes / 1e6:.2f}")
    out.append(rule)
    for issue in analysis.issues:
        out.append(str(issue))
    return "\n".join(out)
