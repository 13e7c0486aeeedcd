"""The one way bhxh-desk parses XML that it did not just build itself.

Entity expansion, DTD loading and network access are off, and any DOCTYPE is refused outright: BHXH
files never carry one, so a DOCTYPE can only be an XXE or billion-laughs attempt. Sizes are capped before
parsing. Every failure is an ``XmlError`` with a translated message, never an lxml traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from bhxh_desk.forms.errors import XmlError

if TYPE_CHECKING:     # lxml loads when something is parsed: signing a checked file never parses
    from lxml import etree

MAX_XML_BYTES = 256 * 1024 * 1024


def _parser(allow_huge_text: bool) -> etree.XMLParser:
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        # An envelope's base64 form text passes libxml2's 10 MB text-node limit at about 20,000 rows. Only
        # readers of envelopes lift it, and the byte cap above and the DOCTYPE refusal still hold.
        huge_tree=allow_huge_text,
        remove_blank_text=False,
        collect_ids=False,
    )


def refuse_prolog_tricks(data: bytes, max_bytes: int = MAX_XML_BYTES) -> None:
    """The cheap checks before any parser sees the bytes: size, and no DOCTYPE or ENTITY declaration."""
    if not isinstance(data, bytes):
        raise XmlError("xml.malformed", reason="not bytes")
    if len(data) > max_bytes:
        raise XmlError("xml.too_large", limit_mb=max_bytes // (1024 * 1024))
    found = declaration_in(data)
    if found:
        raise XmlError("xml.forbidden", what=found)


_DECLARATIONS = (b"DOCTYPE", b"ENTITY")


def declaration_in(data: bytes) -> str:
    """"DOCTYPE" or "ENTITY" if such a declaration stands anywhere in ``data``, else "".

    A prolog may be as long as its comments and processing instructions make it, so looking at the first
    few KiB is not enough (issue 18: 4 KiB of comment before the DOCTYPE passed). The whole file is
    scanned for ``<!`` (``markup_starts``); comments and CDATA sections are stepped over only by their
    ``<!`` itself, so a declaration written inside one is refused too: BHXH files never carry one
    anywhere. A file in UTF-16 or UTF-32 (told by its first bytes, as XML says) is decoded first."""
    head = data[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) == 4 and head.count(0) >= 2):
        for codec in ("utf-32", "utf-16", "utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if text.lstrip("\ufeff").startswith("<"):
                return declaration_in(text.encode("utf-8"))
        raise XmlError("xml.malformed", reason="not UTF-8, and not UTF-16 or UTF-32 either")
    for at in markup_starts(data):
        word = data[at + 2:at + 9].upper()
        for name in _DECLARATIONS:
            if word.startswith(name):
                return name.decode()
    return ""


def markup_starts(data: bytes) -> Iterator[int]:
    """Every index of ``<!`` in ``data``, in order. Looked for by its ``!``: ``bytes.find`` of one byte is
    memchr (0.2 ms for a 14 MB envelope), of two bytes a slower search (11 ms, an eighth of signing a file
    built here), and a BHXH file has almost no ``!``. Past 64 ``!`` that follow no ``<`` (a text full of
    them) the two-byte search takes over, so no file costs more than that search did."""
    misses = 0
    bang = data.find(b"!", 1)
    while bang != -1:
        if data[bang - 1] == 0x3C:          # "<"
            yield bang - 1
        else:
            misses += 1
            if misses > 64:
                break
        bang = data.find(b"!", bang + 1)
    else:
        return
    at = data.find(b"<!", bang)
    while at != -1:
        yield at
        at = data.find(b"<!", at + 2)


def parse_xml(data: bytes, *, max_bytes: int = MAX_XML_BYTES, allow_huge_text: bool = False) -> etree._Element:
    from lxml import etree

    refuse_prolog_tricks(data, max_bytes)
    try:
        root = etree.fromstring(data, parser=_parser(allow_huge_text))
    except etree.XMLSyntaxError as exc:
        raise XmlError("xml.malformed", reason=str(exc).splitlines()[0][:200]) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise XmlError("xml.forbidden", what="DOCTYPE")
    beside = [*root.itersiblings(etree.ProcessingInstruction, preceding=True),      # before and after the root
              *root.itersiblings(etree.ProcessingInstruction)]
    for node in [*root.iter(etree.Entity, etree.ProcessingInstruction), *beside]:
        kind = "entity" if isinstance(node, etree._Entity) else "processing instruction"
        raise XmlError("xml.forbidden", what=kind)
    return root
