"""Entry point of the frozen bundle (PyInstaller): the same ``bhxh-desk`` command, the window by default."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["gui"]))
