"""Entry point of the frozen (PyInstaller) build: the same as the ``designer`` command."""

import multiprocessing
import sys

from designer.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # DataLoader workers re-enter the frozen executable
    sys.exit(main())
