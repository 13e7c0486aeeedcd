"""Where the shipped data files live.

They are the package ``bhxh_desk.resources`` (the source folder ``resources/``), found through
importlib.resources, so the same lookup works from a source checkout's editable install, a wheel in
site-packages, and the PyInstaller bundle. Callers need real files (lxml, reportlab and Qt open them by
path), so when the package is inside a zip its tree is copied out once, into the cache folder, under a
name that changes with its content. ``BHXH_DESK_RESOURCES`` overrides all of it, for packagers that put
the data elsewhere.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

PACKAGE = "bhxh_desk.resources"


@cache
def resources_dir() -> Path:
    override = os.environ.get("BHXH_DESK_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle and (Path(bundle) / "bhxh_desk" / "resources").is_dir():
        return Path(bundle) / "bhxh_desk" / "resources"
    from importlib.resources import files

    root = files(PACKAGE)
    if isinstance(root, Path):
        return root
    return _extracted(root)


def _extracted(root) -> Path:
    """A zip's resources as real files: copied once into the cache folder, and reused while unchanged."""
    import hashlib
    import shutil
    import tempfile

    from platformdirs import user_cache_path

    entries = sorted(_walk(root))
    digest = hashlib.sha256()
    for rel, item in entries:
        digest.update(rel.encode() + b"\0" + item.read_bytes() + b"\0")
    target = user_cache_path("bhxh-desk", appauthor=False) / "resources" / digest.hexdigest()[:16]
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent))
    for rel, item in entries:
        out = staging / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(item.read_bytes())
    try:
        staging.rename(target)          # atomic: another process may have made it meanwhile
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _walk(node, prefix: str = ""):
    for item in node.iterdir():
        rel = f"{prefix}{item.name}"
        if item.is_dir():
            if item.name != "__pycache__":
                yield from _walk(item, rel + "/")
        elif not item.name.endswith((".py", ".pyc")):
            yield rel, item


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
