"""Attachments (scans, PDFs, Office files) that travel in the envelope beside the forms.

Each has a kind from the catalog (``loai_giay_to``: "biên bản giám định y khoa", "giấy ủy quyền"...), so
that a rule which needs a paper checks what the file is, not only that a file is there. Each is carried as
its own FileToKhai (MaToKhai ``CT-DK``, base64 like a form). Only the file types the
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
