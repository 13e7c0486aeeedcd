"""Whether the desktop window can open here, and the one line to print when it cannot.

``bhxh-desk`` with no command opens the window; agents also run it on servers with no screen, and a pip
user may lack a system library Qt needs. Qt's own answer to either is a fatal abort with a wall of text,
so the likely causes are looked for first, without importing Qt (no PySide6, no display, a library the
xcb plugin loads is missing), and anything Qt still refuses is caught by its message handler
(``guard_qt_start``) and turned into the same kind of hint. Qt-free: the command line imports it.
"""

from __future__ import annotations

import os
import sys
from typing import NamedTuple

# What Qt's xcb platform plugin (PySide6 6.x) loads that a minimal Debian or Ubuntu may lack, with the
# Debian package that has it. Read off `ldd libqxcb.so libQt6XcbQpa.so.6`; libc, glib and the like are on
# every desktop system and left out.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}
HEADLESS_PLATFORMS = {"offscreen", "minimal", "vnc", "linuxfb", "eglfs", "minimalegl", "vkkhrdisplay"}


class Problem(NamedTuple):
    """Why the window cannot open: a message code of resources/i18n/messages.toml and its parameters."""

    code: str
    detail: str = ""


def window_problem() -> Problem | None:
    """What stops the window from opening here, as far as can be told without starting Qt; None if nothing
    is known to. Cheap: a module lookup, environment variables, and on Linux loading a dozen libraries."""
    from importlib.util import find_spec

    if find_spec("PySide6") is None:
        return Problem("desktop.no_qt")
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform in HEADLESS_PLATFORMS:
        return None
    wayland = bool(os.environ.get("WAYLAND_DISPLAY")) and platform in ("", "wayland")
    display = os.environ.get("DISPLAY", "")
    if not wayland and not display:
        return Problem("desktop.no_display")
    if not wayland:
        missing = missing_libraries()
        if missing:
            return Problem("desktop.missing_libraries", " ".join(missing))
        if not x_display_reachable(display):
            return Problem("desktop.display_unreachable", display)
    return None


def missing_libraries() -> list[str]:
    """The Debian packages of the xcb plugin's libraries that cannot be loaded here."""
    import ctypes

    missing = []
    for library, package in XCB_LIBRARIES.items():
        try:
            ctypes.CDLL(library)
        except OSError:
            missing.append(package)
    return missing


def x_display_reachable(display: str) -> bool:
    """A local X display (":N") has its socket; other forms (host:N, tunnels) are left for Qt to try."""
    host, _, number = display.partition(":")
    if host not in ("", "unix") or not number:
        return True
    socket_path = f"/tmp/.X11-unix/X{number.split('.')[0]}"
    return os.path.exists(socket_path)


def problem_from_qt(messages: list[str]) -> Problem:
    """The hint for a Qt start that failed anyway, from what Qt said before it gave up."""
    for text in messages:
        if "could not connect to display" in text:
            return Problem("desktop.display_unreachable", text.rsplit("display", 1)[1].strip() or "?")
    for text in messages:
        if "is needed to load the Qt xcb platform plugin" in text:
            return Problem("desktop.missing_libraries", "libxcb-cursor0")
    first = next((m.strip().splitlines()[0] for m in messages if m.strip()), "?")
    return Problem("desktop.qt_failed", first)


def guard_qt_start(on_failure) -> None:
    """Route Qt's fatal start-up errors to ``on_failure(Problem)`` (which must not return) instead of
    Qt's abort. Call before the QApplication is made; the handler stays for the process, passing every
    other message on to the log."""
    import logging

    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    log = logging.getLogger("bhxh-desk.qt")
    said: list[str] = []

    def handler(kind, _context, text: str) -> None:
        if kind == QtMsgType.QtFatalMsg:
            on_failure(problem_from_qt([*said, text]))
        said.append(text)
        del said[:-20]
        log.log(logging.DEBUG if kind == QtMsgType.QtDebugMsg else logging.INFO, "qt: %s", text)

    qInstallMessageHandler(handler)
