"""Entry point of the frozen bundle (PyInstaller): the same ``bhxh-desk`` command, the window by default."""

import sys

from app.launch import run

if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv.append("gui")
    run()
