"""Test-wide settings: Qt runs offscreen, our own warnings are errors."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")
