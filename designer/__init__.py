"""Designer: build, train and understand convolutional neural networks visually, on PyTorch."""

__version__ = "0.1.0"


class DesignerWarning(UserWarning):
    """Warnings raised by Designer itself (tests turn them into errors)."""
