"""Attachments (scans, PDFs, Office files) that travel in the envelope beside the forms.

Each has a kind from the catalog (``loai_giay_to``: "biên bản giám định y khoa", "giấy ủy quyền"...), so
that a rule which needs a paper checks what the file is, not only that a file is there. Each is carried as
its own FileToKhai (MaToKhai ``CT-DK``, base64 like a form). Only the file types the
envelope XSD allows are taken, checked by their first bytes and not only by their name; each has a size
limit and so has the whole set. A refused attachment is reported by name and reason, never dropped.

Reading an attachment from disk is where a draft file could reach outside itself: a draft from someone
else names ``/home/me/.ssh/id_rsa``, ``../../secret``, a link out, ``/dev/zero`` or a named pipe. So a
draft's ``file`` is read only when its real path (links followed) lies inside the draft's own folder or
a folder the user allowed (``AttachmentFolders``); only a regular file is opened, without blocking, its
size checked with ``stat`` before a byte is read, and the read bounded by the same limit. A file the user
picks himself (the window's picker, ``bhxh-desk drafts attach``) is read the same bounded way and copied
into the store, so the dossier never depends on a path again.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from bhxh_desk.forms.errors import DraftError
from bhxh_desk.forms.filenames import safe_name

ATTACHMENT_CODE = "CT-DK"
MAX_ONE = 10 * 1024 * 1024
MAX_ALL = 40 * 1024 * 1024

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAGIC = {
    "pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",),
    "tif": (b"II*\x00", b"MM\x00*"), "tiff": (b"II*\x00", b"MM\x00*"), "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",), "doc": (_OLE,), "xls": (_OLE,),
}


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str               # as the user gave it; written to TenFile made safe
    description: str
    content: bytes
    kind: str = ""          # a code of catalog/codes/loai_giay_to.json ("GDYK", "GUQ"...); rules check it

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""

    @property
    def file_name(self) -> str:
        return safe_name(self.name, "dinh-kem")


KIND_LIST = "loai_giay_to"


def kinds_of(attachments: list[Attachment]) -> set[str]:
    return {a.kind for a in attachments if a.kind}


def problems(attachments: list[Attachment]) -> list[tuple[int, str, dict[str, object]]]:
    """(1-based index, message code, parameters) for every attachment that cannot go."""
    from bhxh_desk.forms.catalog import code_list

    kinds = code_list(KIND_LIST)
    out: list[tuple[int, str, dict[str, object]]] = []
    for i, a in enumerate(attachments, start=1):
        if a.kind and a.kind not in kinds:
            out.append((i, "attachment.kind_unknown", {"name": a.name, "kind": a.kind}))
        if a.extension not in MAGIC:
            out.append((i, "attachment.type", {"name": a.name, "allowed": ", ".join(sorted(MAGIC))}))
        elif not a.content.startswith(MAGIC[a.extension]):
            out.append((i, "attachment.content", {"name": a.name, "kind": a.extension.upper()}))
        if len(a.content) > MAX_ONE:
            out.append((i, "attachment.too_large", {"name": a.name, "limit_mb": MAX_ONE // 2**20}))
        if not a.content:
            out.append((i, "attachment.empty", {"name": a.name}))
    if sum(len(a.content) for a in attachments) > MAX_ALL:
        out.append((len(attachments), "attachment.total", {"limit_mb": MAX_ALL // 2**20}))
    return out


def total_problem(attachments: Sequence[Attachment]) -> DraftError | None:
    """The stated limit on all of a dossier's attachments together (MAX_ALL), as an error, or None."""
    if sum(len(a.content) for a in attachments) > MAX_ALL:
        return DraftError("attachment.total", limit_mb=MAX_ALL // 2**20)
    return None


# ------------------------------------------------------------ reading attachment files


@dataclass(frozen=True, slots=True)
class AttachmentFolders:
    """Where a draft file's attachments may be read from.

    ``allowed`` empty means the draft's own folder (the default of every command); the command line's
    ``--attachments-from DIR`` and the window's chosen folders fill it instead, for batches on a server
    whose scans live apart from the drafts. ``adopt`` is the one deliberate way past the folders: the user
    names the draft on the command line to bring its files into the store (``drafts import
    --adopt-attachments``), and each file is still only a regular file read within the limit."""

    allowed: tuple[Path, ...] = ()
    adopt: bool = False

    def roots(self, base: Path) -> tuple[Path, ...]:
        return tuple(Path(os.path.realpath(p)) for p in (self.allowed or (base,)))


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _is_absolute(given: str) -> bool:
    """Absolute here or on Windows (``C:\\...``, ``\\\\server\\share``): a draft made on one system is read on
    another."""
    return PurePosixPath(given).is_absolute() or PureWindowsPath(given).is_absolute() or \
        bool(PureWindowsPath(given).drive)


def read_draft_attachment(name: str, given: str, base: Path, folders: AttachmentFolders | None = None,
                          *, budget: int = MAX_ALL) -> bytes:
    """The content of a draft's ``"file": given`` (relative to the draft's folder ``base``), or a DraftError
    naming the attachment: a path whose real location (links followed) is outside the allowed folders, an
    absolute path (a draft of release 0.1 made that way: the message says how to bring it into the store),
    anything but a regular file, or more than ``min(MAX_ONE, budget)`` bytes."""
    folders = folders or AttachmentFolders()
    real = Path(os.path.realpath(base / given))
    if not folders.adopt and not _inside(real, folders.roots(base)):
        code = "attachment.absolute" if _is_absolute(given) else "attachment.outside"
        raise DraftError(code, name=name, path=given, folder=str(folders.roots(base)[0]))
    if budget < MAX_ONE:          # the files before this one used up most of the dossier's limit
        try:
            return read_bounded(real, name, max(budget, 0))
        except DraftError as exc:
            if exc.code == "attachment.too_large":
                raise DraftError("attachment.total", limit_mb=MAX_ALL // 2**20) from None
            raise
    return read_bounded(real, name, MAX_ONE)


_KINDS = ((stat.S_ISDIR, "folder"), (stat.S_ISCHR, "device"), (stat.S_ISBLK, "device"),
          (stat.S_ISFIFO, "pipe"), (stat.S_ISSOCK, "socket"))


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "special")


def read_bounded(path: Path, name: str, limit: int = MAX_ONE) -> bytes:
    """A regular file's bytes, never more than ``limit``: the size is checked with ``stat`` first, the file
    opened without blocking (a named pipe would wait for ever for a writer), checked again on the open
    descriptor (the path may have been swapped meanwhile), and read no further than the limit (a file still
    growing). Devices, pipes, sockets and folders are refused by name."""
    def refused(kind: str) -> DraftError:
        return DraftError("attachment.not_regular", name=name, path=str(path), kind=kind)

    try:
        before = os.stat(path)
        if (kind := _not_regular(before.st_mode)) is not None:
            raise refused(kind)
        if before.st_size > limit:
            raise DraftError("attachment.too_large", name=name, limit_mb=max(limit // 2**20, 1))
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)
        try:
            now = os.fstat(fd)
            if (kind := _not_regular(now.st_mode)) is not None or (now.st_dev, now.st_ino) != (before.st_dev,
                                                                                                before.st_ino):
                raise refused(kind or "changed")
            chunks, size = [], 0
            while size <= limit:
                chunk = os.read(fd, min(1 << 20, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise DraftError("draft.attachment_missing", name=name, path=str(path),
                         reason=exc.strerror or str(exc)) from None
    if size > limit:
        raise DraftError("attachment.too_large", name=name, limit_mb=max(limit // 2**20, 1))
    return b"".join(chunks)


def chosen_file(path: str | Path, *, name: str | None = None, description: str = "", kind: str = "",
                existing: Sequence[Attachment] = ()) -> Attachment:
    """An attachment made from a file the user chose himself (the window's picker, ``drafts attach``): read
    the bounded way, and refused at once, by name and reason, when it could not go (its type, its content,
    its size, or the dossier's total with ``existing``), so the store never keeps what the validator would
    refuse later."""
    path = Path(path)
    att = Attachment(name=(name or path.name).strip(), description=description,
                     content=read_bounded(path, name or path.name), kind=kind.strip())
    for _index, code, params in problems([att]):
        raise DraftError(code, **params)
    total = total_problem([*existing, att])
    if total is not None:
        raise total
    return att
