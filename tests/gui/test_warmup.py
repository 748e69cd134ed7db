"""The window's background warm-up imports torch and torch._dynamo off the GUI thread."""

import subprocess
import sys

import pytest

CODE = """
import sys, threading
from designer.gui.workers.warmup import wait_for_warm_up, warm_up_torch
assert "torch" not in sys.modules
thread = warm_up_torch()
assert thread is not None and thread is not threading.main_thread()
assert warm_up_torch() is None  # once per process
wait_for_warm_up()
print("torch._dynamo" in sys.modules, "designer.training.loop" in sys.modules)
"""


@pytest.mark.slow
def test_warm_up_imports_torch_and_dynamo_on_a_background_thread():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
