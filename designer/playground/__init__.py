"""The Playground for 2-D data (TensorFlow Playground's experience on your own design).

Pure Python (no torch, no Qt): which units a Playground view shows (``units``), the edits its
controls make (``edits``: activation for the whole design, input features) and the classic
presets (``presets``). The maps themselves are computed on the training thread by
``designer.training.boundary`` and drawn by ``designer.gui.playground``.
"""

#: The 2-D datasets the Playground offers (the toy sets of the dataset catalog).
DATASETS = ("circle", "xor", "gaussians", "spiral", "moons")
