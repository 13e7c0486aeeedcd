"""The program in a Linux desktop's menu: its .desktop entry and icons, written into the user's folders.

Both a pip install (``bhxh-desk install-desktop``) and the bundle (``install-desktop.sh``, which runs the
same command) go through here. The entry's ``Exec`` is the absolute path of the program that ran this,
so the menu starts exactly that installation. Folders follow the XDG base directory specification.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

from bhxh_desk.forms.resources import resource

DESKTOP_ID = "vn.bhxh_desk.BhxhDesk"
ICON_NAME = "bhxh-desk"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)


class Installed(NamedTuple):
    entry: Path
    icons: list[Path]
    command: str


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def program_path() -> str:
    """The command the menu should run: the bundle's executable, or this environment's bhxh-desk script."""
    if getattr(sys, "frozen", False):
        return str(Path(sys.executable).resolve())
    beside = Path(sys.executable).parent / ("bhxh-desk.exe" if os.name == "nt" else "bhxh-desk")
    if beside.exists():
        return str(beside)
    found = shutil.which("bhxh-desk")
    return str(Path(found).resolve()) if found else f"{sys.executable} -m bhxh_desk.app"


def _exec_value(command: str) -> str:
    """A path with spaces is quoted, as the Desktop Entry specification's Exec key requires."""
    if " -m " in command or not any(c in command for c in ' \t"\\'):
        return command
    return '"' + command.replace("\\", "\\\\").replace('"', '\\"') + '"'


def install(base: Path | None = None) -> Installed:
    base = base or data_home()
    command = program_path()
    text = resource("desktop", f"{DESKTOP_ID}.desktop").read_text(encoding="utf-8")
    text = text.replace("\nExec=bhxh-desk\n", f"\nExec={_exec_value(command)}\n")
    entry = base / "applications" / f"{DESKTOP_ID}.desktop"
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(text, encoding="utf-8")
    icons = []
    for size in PNG_SIZES:
        target = base / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(resource("icons", f"bhxh-desk-{size}.png"), target)
        icons.append(target)
    svg = base / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"
    svg.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(resource("icons", "bhxh-desk.svg"), svg)
    icons.append(svg)
    return Installed(entry, icons, command)


def uninstall(base: Path | None = None) -> list[Path]:
    base = base or data_home()
    removed = []
    candidates = [base / "applications" / f"{DESKTOP_ID}.desktop",
                  base / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"]
    candidates += [base / "icons" / "hicolor" / f"{s}x{s}" / "apps" / f"{ICON_NAME}.png" for s in PNG_SIZES]
    for path in candidates:
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed
