"""Graph → torch.fx GraphModule, and exports (torch)."""

from .fx_builder import CompileError, compile_design

__all__ = ["CompileError", "compile_design"]
