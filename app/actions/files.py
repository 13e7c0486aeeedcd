"""Writing a file so that a failure never leaves half of it: every use case that writes goes through here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from bhxh_desk.forms.errors import DraftError


def write_atomically(path: Path, data: bytes | memoryview | Iterable[bytes | memoryview], *,
                     before_rename: Callable[[], object] | None = None) -> None:
    """Through a temporary file beside it, then renamed. A file given in parts (a signed envelope: an
    iterable of pieces, which may be made as they are written) is written part after part, never joined
    nor held as a whole first. ``before_rename``: what must have succeeded for the file to appear (the
    register's rows of a signed draft, written beside it): if it raises, the file is not made."""
    tmp = path.with_name(f".{path.name}.part")
    try:
        with open(tmp, "wb") as fh:
            if isinstance(data, bytes | bytearray | memoryview):
                fh.write(data)
            else:
                for part in data:
                    fh.write(part)
        if before_rename is not None:
            before_rename()
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DraftError("draft.cannot_write", path=str(path), reason=exc.strerror or str(exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
