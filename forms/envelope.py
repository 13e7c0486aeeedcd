"""The envelope (BHXHDienTu.xml) as text: its fixed names, the files it carries, and reading and
rewriting a canonical envelope without a tree.

A 10,000-row dossier is an envelope of a few hundred bytes around one base64 text of several megabytes.
Signing replaces that text with the signed form and leaves the rest as it is, so it works on the bytes:
``read_canonical`` finds each carried file by its tags, ``edits`` says where the new texts and lengths go.

Reading by tags is exact only for a canonical, well-formed envelope that matches its XSD. Canonical is
checked here on everything but the base64 texts (which hold no markup characters, also checked);
well-formed and valid are the caller's part (``signing.envelope`` checks them before it signs).
"""

from __future__ import annotations

import binascii
from typing import TYPE_CHECKING, NamedTuple

import pybase64

from bhxh_desk.forms.canonical import XML_DECLARATION, body_looks_canonical
from bhxh_desk.forms.errors import XmlError

if TYPE_CHECKING:
    from bhxh_desk.forms.background import Background

ENVELOPE_NAME = "BHXHDienTu.xml"
ENVELOPE_SIGNATURE = "CKy_Dvi"
def file_extension(name: str) -> str:
    """LoaiFile as the name says it: the part after the last dot, lower case."""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


_WHITESPACE = b" \t\r\n"


def decode_payload(text: bytes | memoryview | str, name: str) -> bytes:
    """The file a NoiDungFile text carries. XML Schema's base64Binary allows whitespace anywhere in it, and
    other tools break the text into lines (76 characters, CR LF): spaces, tabs and line ends are left out,
    everything else must be base64."""
    try:
        return pybase64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        pass
    raw = text.encode("ascii", "replace") if isinstance(text, str) else bytes(text)
    try:
        return pybase64.b64decode(raw.translate(None, _WHITESPACE), validate=True)
    except (binascii.Error, ValueError):
        raise XmlError("xml.malformed", reason=f"NoiDungFile of {name} is not base64") from None


def length_matches(declared: str, text: str | bytes | memoryview, *, parsed: bool = False) -> bool:
    """DoDaiFile is the length of the NoiDungFile text as written, line breaks and spaces included
    (docs/signing.md). Read from the bytes, that is the bytes between the tags (base64 is ASCII). Read by
    an XML parser (``parsed``), each CR LF of the file has become LF, so a count with each line end
    written as CR LF is accepted too: Windows tools write line-broken base64 so."""
    n = len(text)
    if declared == str(n):
        return True
    if parsed:
        breaks = text.count("\n") if isinstance(text, str) else bytes(text).count(b"\n")
        return breaks > 0 and declared == str(n + breaks)
    return False


class Payloads(NamedTuple):
    """A signed envelope with its NoiDungFile texts cut out (a few kilobytes to parse, where the whole is
    megabytes of base64), and where each text was."""

    skeleton: bytes
    ranges: tuple[tuple[int, int], ...]     # (start, end) of each text in the envelope's bytes, in order
    before: tuple[int, ...]                 # each text's start in the skeleton


def cut_payloads(data: bytes) -> Payloads | None:
    """None when a text holds anything but base64 and whitespace that C14N keeps as it is (a CR is
    written ``&#xD;``): the caller then reads the file whole."""
    open_, close = b"<NoiDungFile>", b"</NoiDungFile>"
    pieces, ranges, before = [], [], []
    pos = kept = 0
    while (i := data.find(open_, pos)) >= 0:
        start = i + len(open_)
        end = data.find(close, start)
        if end < 0:
            return None
        for markup in (b"<", b"&", b"\r"):
            if data.find(markup, start, end) >= 0:
                return None
        pieces.append(data[pos:start])
        kept += start - pos
        ranges.append((start, end))
        before.append(kept)
        pos = end
    pieces.append(data[pos:])
    return Payloads(b"".join(pieces), tuple(ranges), tuple(before))


_UNESCAPE = ((b"&lt;", b"<"), (b"&gt;", b">"), (b"&#xD;", b"\r"), (b"&amp;", b"&"))


class FormFile(NamedTuple):
    """One file carried in the envelope: a form (signed or not) or an attachment."""

    code: str               # MaToKhai
    description: str        # MoTaToKhai
    name: str               # TenFile
    content: bytes

    @property
    def extension(self) -> str:
        return file_extension(self.name)


class FormBytes(NamedTuple):
    """A form file as ``forms.xmlbuild`` wrote it, with the SHA-256 of its canonical body, computed while
    it was written."""

    data: bytes
    digest: bytes
    check: Background | None = None     # its XSD check, when it runs beside signing (check_later)


class Built(NamedTuple):
    """An unsigned envelope as built in this process, with what its building already knows, so that
    signing it neither decodes its forms again nor hashes them a second time."""

    data: bytes
    digest: bytes                               # SHA-256 of the envelope's canonical body (b"" with text)
    forms: dict[int, FormBytes]                 # carried file position -> the form's bytes and digest
    text: EnvelopeText | None = None            # built only to be signed: its forms' texts are empty


class Carried(NamedTuple):
    """Where one FileToKhai's parts sit in the envelope's bytes."""

    code: str
    name: str
    length: tuple[int, int]     # the DoDaiFile text
    payload: tuple[int, int]    # the NoiDungFile text (base64)

    @property
    def extension(self) -> str:
        return file_extension(self.name)


class EnvelopeText(NamedTuple):
    """A canonical envelope's bytes and where its parts are in them."""

    data: bytes
    files: tuple[Carried, ...]
    unit_code: str          # ThongTinDonVi/MaSoBHXH
    unit_tax_code: str      # ThongTinDonVi/MaSoThue
    agent_tax_code: str = ""    # ThongTinDaiLy/MaSoThue: an agent filing on the unit's or person's behalf

    def payload(self, i: int) -> memoryview:
        start, end = self.files[i].payload
        return memoryview(self.data)[start:end]



def _text(data: bytes, tag: str, start: int, end: int) -> tuple[str, int]:
    """The text of the first ``<tag>`` in data[start:end] and the offset after its end tag."""
    open_, close = f"<{tag}>".encode(), f"</{tag}>".encode()
    i = data.find(open_, start, end)
    j = data.find(close, i, end) if i >= 0 else -1
    if j < 0:
        raise XmlError("xml.malformed", reason=f"no <{tag}> where the envelope needs one")
    raw = data[i + len(open_):j]
    for escaped, char in _UNESCAPE:
        raw = raw.replace(escaped, char)
    try:
        return raw.decode("utf-8"), j + len(close)
    except UnicodeDecodeError:
        raise XmlError("xml.malformed", reason=f"<{tag}> is not UTF-8") from None


def read_canonical(data: bytes, *, parsed: bool = False, lengths: bool = True) -> EnvelopeText | None:
    """The envelope's carried files and unit, read from its bytes; None when the envelope is not in the
    canonical form (the caller canonicalises it and reads again, with ``parsed``: the file's CR LF line
    ends are LF in that copy, see ``length_matches``). ``lengths`` False: DoDaiFile is not compared (an
    envelope built to be signed at once, whose form texts are still empty)."""
    if not data.startswith(XML_DECLARATION):
        return None
    files = []
    skeleton = []
    mismatched = []
    pos = len(XML_DECLARATION)
    open_, close = b"<NoiDungFile>", b"</NoiDungFile>"
    while (i := data.find(open_, pos)) >= 0:
        start = i + len(open_)
        end = data.find(close, start)
        if end < 0:
            return None
        for markup in (b"<", b">", b"&", b"\r"):     # base64 text: anything else is not just a payload
            if data.find(markup, start, end) >= 0:
                return None
        skeleton.append(data[pos:start])
        item = data.rfind(b"<FileToKhai>", pos, start)
        if item < 0:
            return None
        code, at = _text(data, "MaToKhai", item, start)
        name, at = _text(data, "TenFile", at, start)
        length_open = data.find(b"<DoDaiFile>", at, start)
        length_close = data.find(b"</DoDaiFile>", length_open, start)
        if length_open < 0 or length_close < 0:
            return None
        length = (length_open + len(b"<DoDaiFile>"), length_close)
        if lengths and not length_matches(data[length[0]:length[1]].decode("ascii", "replace"),
                                          memoryview(data)[start:end], parsed=parsed):
            mismatched.append(name)
        files.append(Carried(code=code, name=name, length=length, payload=(start, end)))
        pos = end
    skeleton.append(data[pos:])
    if not body_looks_canonical(b"".join(skeleton)):
        return None
    if mismatched:
        raise XmlError("xml.malformed", reason=f"DoDaiFile of {mismatched[0]} does not match its content")
    info = data.find(b"<ThongTinHoSo>")
    count, _ = _text(data, "SoLuongFile", info, len(data)) if info >= 0 else ("", 0)
    if count != str(len(files)):
        raise XmlError("xml.malformed", reason="SoLuongFile does not match the files carried")
    unit = data.find(b"<ThongTinDonVi>")
    unit_end = data.find(b"</ThongTinDonVi>", unit)
    if unit < 0 or unit_end < 0:
        return None
    unit_code, _ = _text(data, "MaSoBHXH", unit, unit_end)
    tax_code, _ = _text(data, "MaSoThue", unit, unit_end)
    agent_tax_code = ""
    agent = data.find(b"<ThongTinDaiLy>")
    if agent >= 0:
        agent_end = data.find(b"</ThongTinDaiLy>", agent)
        if agent_end < 0:
            return None
        agent_tax_code, _ = _text(data, "MaSoThue", agent, agent_end)
    return EnvelopeText(data=data, files=tuple(files), unit_code=unit_code, unit_tax_code=tax_code,
                        agent_tax_code=agent_tax_code)


def edits(envelope: EnvelopeText, payloads: dict[int, tuple[int, bytes]]) -> tuple[tuple[int, int, bytes], ...]:
    """The byte-range replacements, in order, that give carried files new base64 texts and DoDaiFile.
    ``payloads[i] = (kept, text)``: file i's new text is the first ``kept`` characters of its old one
    followed by ``text``. Base64 holds no markup, so a canonical envelope stays canonical."""
    out: list[tuple[int, int, bytes]] = []
    for i, carried in enumerate(envelope.files):
        if i not in payloads:
            continue
        kept, text = payloads[i]
        start, end = carried.payload
        if not 0 <= kept <= end - start:
            raise ValueError("kept is longer than the old text")
        out += [(*carried.length, str(kept + len(text)).encode()), (start + kept, end, text)]
    return tuple(out)
