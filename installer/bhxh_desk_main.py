"""Entry point of the frozen bundle (PyInstaller): the same ``bhxh-desk`` command, which opens the window
when it is given no command (or prints why it cannot, then the help)."""

from bhxh_desk.app.launch import run

if __name__ == "__main__":
    run()
