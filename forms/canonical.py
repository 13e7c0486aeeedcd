"""Canonical XML text as bhxh-desk writes it, and the cheap tests that a file is already in that form.

bhxh-desk writes every form and envelope directly in the form Exclusive Canonical XML 1.0 gives: no
attributes, no whitespace inside tags, empty elements as ``<a></a>``, text escaped as C14N escapes it,
nothing outside the root. For such a file the C14N of the document is the file's bytes after the XML
declaration, so a signer digests the bytes as they are, with no tree. This module holds only that text
knowledge (no catalog, no lxml at import) so that signing loads quickly.
"""

from __future__ import annotations

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_ENTITIES = (b"&amp;", b"&lt;", b"&gt;", b"&#xD;")


def escape(text: str) -> str:
    """Escape text content exactly as Canonical XML does."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#xD;")
    return text


def body_looks_canonical(data: bytes, start: int = 0) -> bool:
    """A conservative test that well-formed XML text (``data[start:]``: a document after its declaration,
    or a run of elements) is already canonical. False only means "take the slow, exact path".

    Why the counts prove it, once a parser has accepted the text: with no ``<!`` and no ``<?`` there is no
    comment, CDATA section, PI or DOCTYPE, and so no raw ``<`` in text (only those can hold one): every
    ``<`` opens a tag. With no ``=`` there are no attributes (hence no namespace declarations). When the
    ``<`` count is twice the ``</`` count there is no empty-element tag, since each adds a ``<`` without a
    matching ``</``. Equal ``<`` and ``>`` counts leave no raw ``>`` in text. Whitespace before a ``>``
    can then only sit inside a tag, which C14N removes, so none is allowed. Only the four escapes C14N
    itself writes may appear. (Without the ``<!`` test, a comment holding ``</`` and a raw ``>`` in text
    balance the counts: ``<a><!--</-->></a>``.)

    It runs on every form signed that is not on record, and on every file verified, so each test is one
    pass at most, and none is a copy: a 10,000-row form is 11 MB. Two-byte searches are slow (about 5 ms
    each there), so newline, tab, ``!`` and ``?`` are first looked for alone (forms rarely have them),
    and each ``&`` is looked at where it is."""
    return split_looks_canonical(data, start, len(data), b"")


def split_looks_canonical(data: bytes, start: int, end: int, tail: bytes) -> bool:
    """``body_looks_canonical`` of ``data[start:end] + tail`` without joining them, where ``data[start:end]``
    ends with a start tag's ``>`` and ``tail`` is a short run of end tags (a signed file with its
    signature element cut out: no pattern tested here can straddle a ``>`` followed by ``</``)."""
    if data[start:start + 1] != b"<" or data[end - 1:end] != b">" or not (tail.endswith(b">") or not tail):
        return False
    if tail and not tail.startswith(b"</"):
        return False
    for byte in (b"=", b"\r"):
        if data.find(byte, start, end) >= 0 or byte in tail:
            return False
    for one, two in ((b"!", b"<!"), (b"?", b"<?")):
        if (data.find(one, start, end) >= 0 and data.find(two, start, end) >= 0) or two in tail:
            return False
    opens = data.count(b"<", start, end) + tail.count(b"<")
    if opens != data.count(b">", start, end) + tail.count(b">") \
            or opens != 2 * (data.count(b"</", start, end) + tail.count(b"</")):
        return False
    if data.find(b" >", start, end) >= 0 or b" >" in tail:
        return False
    for space in (b"\n", b"\t"):
        if (data.find(space, start, end) >= 0 and data.find(space + b">", start, end) >= 0) or space in tail:
            return False
    at = data.find(b"&", start, end)
    while at >= 0:
        if not any(data.startswith(entity, at) for entity in _ENTITIES):
            return False
        at = data.find(b"&", at + 1, end)
    return b"&" not in tail


def looks_canonical(data: bytes) -> bool:
    """``body_looks_canonical`` for a whole file, which must start with our exact XML declaration."""
    return data.startswith(XML_DECLARATION) and body_looks_canonical(data, len(XML_DECLARATION))


def canonicalize(data: bytes) -> bytes:
    """The exact canonical form of any (safe) XML file, with our declaration: the slow path."""
    from lxml import etree

    from bhxh_desk.forms.xmlsafe import parse_xml

    root = parse_xml(data, allow_huge_text=True)
    return XML_DECLARATION + etree.tostring(root, method="c14n", exclusive=True, with_comments=False)


def canonical_body(data: bytes) -> memoryview:
    """The bytes a C14N of this file's document gives: the file without its XML declaration (a view, not
    a copy: forms of tens of megabytes are sliced here)."""
    view = memoryview(data)
    if data.startswith(XML_DECLARATION):
        return view[len(XML_DECLARATION):]
    return view
