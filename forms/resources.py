"""Where the shipped data files live.

Resources sit beside the packages in a source checkout and an editable install, and under ``sys._MEIPASS``
in a PyInstaller bundle. ``BHXH_DESK_RESOURCES`` overrides both, for packagers that put data elsewhere.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    override = os.environ.get("BHXH_DESK_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
