"""Analysis of designs (pure Python): validation, shapes, parameters, MACs, receptive fields."""

from .analyze import Analysis, NodeInfo, analyze
from .issues import CODES, ERROR, WARNING, Issue
from .memory import MemoryEstimate

__all__ = ["Analysis", "NodeInfo", "analyze", "Issue", "CODES", "ERROR", "WARNING", "MemoryEstimate"]
