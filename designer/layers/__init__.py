"""The layer catalog (pure Python): one LayerSpec per layer type."""

from .registry import CATEGORIES, all_specs, by_category, get, register, unregister
from .spec import LayerSpec, Param, ParamError, Shape, ShapeError, Window

__all__ = [
    "CATEGORIES", "LayerSpec", "Param", "ParamError", "Shape", "ShapeError", "Window",
    "all_specs", "by_category", "get", "register", "unregister",
]
