"""A real X display for tests and benchmarks: Xvfb with the openbox window manager, and xdotool to see
which windows are mapped. Shared by the wheel and bundle tests and by bench/window.py, so "the window
shows" means the same thing in each: an X window of the program's class is mapped (viewable)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Display:
    def __init__(self, name: str) -> None:
        self.name = name

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
        return {**env, "DISPLAY": self.name}

    def visible_windows(self, wm_class: str) -> list[str]:
        r = subprocess.run(["xdotool", "search", "--onlyvisible", "--class", wm_class], env=self.env(),
                           capture_output=True, text=True, timeout=10)
        return r.stdout.split()

    def window_name(self, window: str) -> str:
        return subprocess.run(["xdotool", "getwindowname", window], env=self.env(), capture_output=True,
                              text=True, timeout=10).stdout.strip()

    def wait_for_window(self, wm_class: str, timeout: float, alive=None, poll: float = 0.02) -> list[str]:
        """The program's mapped windows, as soon as there is one; [] after ``timeout`` seconds or once
        ``alive()`` says the program has exited."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = self.visible_windows(wm_class)
            if found:
                return found
            if alive is not None and not alive():
                return []
            time.sleep(poll)
        return []

    def open_program(self, command: list[str], env: dict[str, str], timeout: float = 90,
                     wm_class: str = "bhxh-desk") -> tuple[list[str], str]:
        """Start a program on this display, wait until it maps a window of its class, then stop it: the
        titles of its mapped windows (none if it never showed one) and what it printed."""
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            windows = self.wait_for_window(wm_class, timeout, alive=lambda: proc.poll() is None)
            titles = [self.window_name(w) for w in windows]
        finally:
            proc.terminate()
            output = proc.communicate(timeout=30)[0].decode(errors="replace")
        return titles, output

    def screenshot(self, path) -> None:
        subprocess.run(["import", "-window", "root", str(path)], env=self.env(), check=True, timeout=30)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def x_display(size: str = "1366x768x24", window_manager: bool = True) -> Iterator[Display]:
    """Xvfb on a free display number (it picks one with -displayfd), with openbox on it."""
    for tool in ("Xvfb", "xdotool") + (("openbox",) if window_manager else ()):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is missing: bash installer/bootstrap.sh test installs it")
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    wm = None
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        display = Display(f":{number}")
        if window_manager:
            wm = subprocess.Popen(["openbox", "--sm-disable"], env=display.env(), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        yield display
    finally:
        for proc in (wm, xvfb):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
