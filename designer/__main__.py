"""Entry point of the ``designer`` command and of ``python -m designer``."""

import os
import sys

from . import cli


def main(argv: list[str] | None = None) -> int:
    """Run the command. A headless command that imported torch ends the process at once
    after flushing its output: the interpreter's teardown of torch takes seconds and has
    nothing left to do (every file is written and closed by then)."""
    argv = sys.argv[1:] if argv is None else argv
    code = cli.main(argv)
    if "torch" in sys.modules and not cli.wants_window(argv):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe (`designer train ... | head`)
                pass
        os._exit(code if isinstance(code, int) else 1)
    return code


if __name__ == "__main__":
    sys.exit(main())
