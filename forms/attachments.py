"""Attachments (scans, PDFs, Office files) that travel in the envelope beside the forms.

Each is carried as its own FileToKhai (MaToKhai ``CT-DK``, base64 like a form). Only the file types the
envelope XSD allows are taken, checked by their first bytes and not only by their name; each has a size
limit and so has the whole set. A refused attachment is reported by name and reason, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""

    @property
    def file_name(self) -> str:
        return safe_name(self.name, "dinh-kem")


def problems(attachments: list[Attachment]) -> list[tuple[int, str, dict[str, object]]]:
    """(1-based index, message code, parameters) for every attachment that cannot go."""
    out: list[tuple[int, str, dict[str, object]]] = []
    for i, a in enumerate(attachments, start=1):
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
