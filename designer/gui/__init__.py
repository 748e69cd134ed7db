"""The Qt desktop application (PySide6, pyqtgraph). Imports torch only inside functions."""
