"""Writing a file so that a failure never leaves half of it: every use case that writes goes through here."""

from __future__ import annotations

from pathlib import Path

from bhxh_desk.forms.errors import DraftError


def write_atomically(path: Path, *parts: bytes | memoryview) -> None:
    """Through a temporary file beside it, then renamed. A file given in parts (a signed envelope) is written
    part after part, not joined first."""
    tmp = path.with_name(f".{path.name}.part")
    try:
        with open(tmp, "wb") as fh:
            fh.writelines(parts)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DraftError("draft.cannot_write", path=str(path), reason=exc.strerror or str(exc)) from None
