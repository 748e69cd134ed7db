"""Entry point of the ``designer`` command and of ``python -m designer``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
