"""File names that come from input (a draft's name, a TenFile in an envelope) made safe to write.

A name keeps only its last path component, loses control and reserved characters, and can never be
empty, '.' or '..'; so joining it to an output folder can never leave that folder."""

from __future__ import annotations

import re
import unicodedata

_RESERVED = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_name(name: str, fallback: str = "file") -> str:
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1]
    name = _RESERVED.sub("_", name).strip(" .")
    if not name or name in (".", "..") or name.split(".")[0].upper() in _WINDOWS_DEVICES:
        name = f"{fallback}_{name}" if name.strip(".") else fallback
    return name[:200]
