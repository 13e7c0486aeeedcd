"""XML-DSig as BHXH expects it: enveloped, exclusive C14N, RSA-SHA256, SHA-256 digests, ``URI=""``,
the signer's X.509 certificate in KeyInfo, and a signed signing-time property.

Signing works on the files ``forms.xmlbuild`` writes, which are already canonical: the digest of the whole
document is the SHA-256 of the file's bytes after the XML declaration (with the signature slot empty,
which is exactly what the enveloped-signature transform restores). The Signature element is written as
canonical text too, and spliced into the empty slot that closes the root. So signing a 100,000-row form
costs one hash pass and one token signature, with no DOM.

Verification is independent of that shortcut: it parses the file and checks it with signxml, a
well-kept XML-DSig library, after our own checks on where the signature sits and what it covers.
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, NamedTuple

from bhxh_desk.forms.canonical import XML_DECLARATION, canonical_body
from bhxh_desk.forms.xmlsafe import parse_xml
from bhxh_desk.signing.errors import SignatureError
from bhxh_desk.signing.signer import Signer

if TYPE_CHECKING:     # lxml loads when something is parsed: signing a checked file never parses
    from lxml import etree

if TYPE_CHECKING:
    from cryptography import x509

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
PROPERTIES_TYPE = "http://www.w3.org/2000/09/xmldsig#SignatureProperties"
SIGNING_TIME_NS = "urn:bhxh-desk:xmldsig:signing-time"
VIETNAM = timezone(timedelta(hours=7))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _sha256_b64(data: bytes) -> str:
    return _b64(hashlib.sha256(data).digest())


def _reference(uri: str, transforms: list[str], digest: str, type_: str | None = None) -> str:
    attrs = (f' Type="{type_}"' if type_ else "") + f' URI="{uri}"'
    t = "".join(f'<Transform Algorithm="{a}"></Transform>' for a in transforms)
    return (f"<Reference{attrs}><Transforms>{t}</Transforms><DigestMethod Algorithm=\"{SHA256}\"></DigestMethod>"
            f"<DigestValue>{digest}</DigestValue></Reference>")


def signature_element(document_digest: str, signer: Signer, signing_time: datetime) -> str:
    """The canonical text of a complete ds:Signature for a document with the given digest."""
    token = os.urandom(16).hex()                   # names this signature's parts; uuid costs an import
    sig_id, props_id = f"sig-{token}", f"props-{token}"
    when = signing_time.astimezone(VIETNAM).isoformat(timespec="seconds")
    # Canonical form of the Object as its own subset: the default namespace is rendered on it.
    obj_inner = (f'<SignatureProperties><SignatureProperty Target="#{sig_id}">'
                 f'<SigningTime xmlns="{SIGNING_TIME_NS}">{when}</SigningTime>'
                 f"</SignatureProperty></SignatureProperties>")
    obj_c14n = f'<Object xmlns="{DS}" Id="{props_id}">{obj_inner}</Object>'
    refs = (_reference("", [ENVELOPED, EXC_C14N], document_digest)
            + _reference(f"#{props_id}", [EXC_C14N], _sha256_b64(obj_c14n.encode()), PROPERTIES_TYPE))
    signed_info_body = (f'<CanonicalizationMethod Algorithm="{EXC_C14N}"></CanonicalizationMethod>'
                        f'<SignatureMethod Algorithm="{RSA_SHA256}"></SignatureMethod>{refs}')
    signed_info_c14n = f'<SignedInfo xmlns="{DS}">{signed_info_body}</SignedInfo>'
    value = _b64(signer.sign(signed_info_c14n.encode()))
    cert = _b64(signer.certificate_der)
    return (f'<Signature xmlns="{DS}" Id="{sig_id}"><SignedInfo>{signed_info_body}</SignedInfo>'
            f"<SignatureValue>{value}</SignatureValue>"
            f"<KeyInfo><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo>"
            f'<Object Id="{props_id}">{obj_inner}</Object></Signature>')


Edit = tuple[int, int, bytes]      # replace data[start:end] with these bytes


class SignedFile(NamedTuple):
    """A signed file as pieces: views of the unsigned file's bytes around the new parts. A signed
    10,000-row envelope is 7 MB, and joining or copying it costs as much as hashing it, so the pieces are
    hashed and written as they are. The first ``unchanged`` bytes are the unsigned file's."""

    parts: tuple[bytes | memoryview, ...]
    unchanged: int

    @property
    def data(self) -> bytes:
        return b"".join(self.parts)

    def tail(self, start: int) -> bytes:
        """The signed file's bytes from ``start`` to the end."""
        out = []
        for part in self.parts:
            if start >= len(part):
                start -= len(part)
                continue
            out.append(part[start:])
            start = 0
        return b"".join(out)


def sign_file_at(data: bytes, slot: str, signer: Signer, *, signing_time: datetime | None = None,
                 body_digest: bytes | None = None, edits: tuple[Edit, ...] = ()) -> SignedFile:
    """Sign a canonical file whose root ends with the empty element ``slot``.

    ``edits`` are replacements of byte ranges of ``data``, in order and all before the slot: the file
    signed is ``data`` with them made (the envelope with its signed forms, without copying it).
    ``body_digest``, when the caller already has it and there are no edits, is the SHA-256 of
    ``canonical_body(data)``."""
    offset = len(data) - len(canonical_body(data))
    close = data.rfind(b"</")
    end = close
    while end > offset and data[end - 1] in b" \t\n":  # whitespace may stand between the slot and the root's end
        end -= 1
    empty = f"<{slot}></{slot}>".encode()
    start = end - len(empty)
    if close < offset or start < offset or data[start:end] != empty:
        if f"<{slot}>".encode() in data:
            raise SignatureError("sig.slot_not_empty", where=slot)
        raise SignatureError("sig.slot_missing", where=slot)
    cut = start + len(slot) + 2                      # just after <slot>
    view = memoryview(data)
    pieces: list[bytes | memoryview] = []
    pos = offset
    for edit_start, edit_end, text in edits:
        if not pos <= edit_start <= edit_end <= start:
            raise ValueError("edits must be in order and before the signature slot")
        pieces += [view[pos:edit_start], text]
        pos = edit_end
    pieces += [view[pos:cut], view[cut:]]
    if body_digest is None or edits:
        hasher = hashlib.sha256()
        for piece in pieces:
            hasher.update(piece)
        body_digest = hasher.digest()
    signature = signature_element(_b64(body_digest), signer, signing_time or datetime.now(UTC)).encode()
    parts = (XML_DECLARATION, *pieces[:-1], signature, pieces[-1])
    unchanged = (edits[0][0] if edits else cut) if offset == len(XML_DECLARATION) else 0
    return SignedFile(tuple(p for p in parts if len(p)), unchanged)


def sign_file(data: bytes, slot: str, signer: Signer, *, signing_time: datetime | None = None) -> bytes:
    """Sign a canonical file whose root ends with the empty element ``slot``; returns the signed file."""
    return sign_file_at(data, slot, signer, signing_time=signing_time).data


class SignatureInfo(NamedTuple):
    """What a verified signature says about who signed, and when."""

    where: str
    certificate: x509.Certificate
    signing_time: datetime | None
    signed: etree._Element          # the document as signed (use this, not the input: see what is signed)


def _locate_signature(data: bytes, slot: str) -> tuple[str, etree._Element]:
    """The root's tag and a copy of the one ds:Signature in ``<root>/<slot>``. The file is parsed whole,
    which lxml does in C (a Python loop over a streaming parse took ten times as long), and only the copy
    of the signature is kept: the tree is let go before signxml builds its own."""
    from copy import deepcopy

    root = parse_xml(data, allow_huge_text=True)
    root_tag = root.tag
    if next(root.iterchildren(slot), None) is None:
        raise SignatureError("sig.slot_missing", where=slot)
    found = list(root.iter(f"{{{DS}}}Signature"))
    inside = [sig for sig in found if (holder := sig.getparent()).tag == slot and holder.getparent() is root]
    if not inside:
        raise SignatureError("sig.missing", where=f"{root_tag}/{slot}")
    if len(found) != 1:
        raise SignatureError("sig.invalid", where=f"{root_tag}/{slot}", reason="more than one Signature element")
    return root_tag, deepcopy(inside[0])


def _signing_time(signature: etree._Element) -> datetime | None:
    el = signature.find(f".//{{{SIGNING_TIME_NS}}}SigningTime")
    if el is None or not el.text:
        return None
    try:
        return datetime.fromisoformat(el.text)
    except ValueError:
        raise SignatureError("sig.invalid", where="SigningTime", reason=f"bad time {el.text[:40]}") from None


def verify_file(data: bytes, slot: str) -> SignatureInfo:
    """Check the one signature in ``slot``: it covers the whole document (``URI=""``) and its signing time,
    and its value verifies with the certificate it carries. Trust in that certificate is the caller's
    next step (``signing.certs``), at the signing time returned here."""
    from cryptography import x509
    from lxml import etree
    from signxml import SignatureConfiguration, XMLVerifier
    from signxml.exceptions import SignXMLException

    root_tag, signature = _locate_signature(data, slot)
    where = f"{root_tag}/{slot}"
    refs = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if [r.get("URI") for r in refs][:1] != [""] or len(refs) != 2:
        raise SignatureError("sig.invalid", where=where, reason='the signature must cover the whole file (URI="")')
    cert_el = signature.find(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    if cert_el is None or not cert_el.text:
        raise SignatureError("sig.invalid", where=where, reason="no X509Certificate in KeyInfo")
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(cert_el.text))
    except ValueError as exc:
        raise SignatureError("sig.invalid", where=where, reason=f"unreadable certificate: {exc}") from None
    config = SignatureConfiguration(location=f"./{slot}/", expect_references=2)
    # The file already passed the prolog checks above (no DOCTYPE, capped size); huge_tree only admits big text.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        results = XMLVerifier().verify(data, x509_cert=cert, expect_config=config, parser=parser)
    except (SignXMLException, etree.LxmlError, ValueError, KeyError) as exc:
        # signxml reports a broken signature, a schema violation inside ds:Signature, or unknown algorithms
        raise SignatureError("sig.invalid", where=where, reason=str(exc)[:200]) from None
    whole = results[0]
    props = results[1].signed_xml
    if props is None or props.get("Id") != refs[1].get("URI", "")[1:]:
        raise SignatureError("sig.invalid", where=where, reason="signing time is not signed")
    # The signed properties name the signature they belong to; that ties the (unsigned) Signature element
    # to its signed content, so not even its Id can change unnoticed.
    target = props.find(f"{{{DS}}}SignatureProperties/{{{DS}}}SignatureProperty")
    if target is None or target.get("Target") != f"#{signature.get('Id')}":
        raise SignatureError("sig.invalid", where=where, reason="the signed properties belong to another signature")
    return SignatureInfo(where=where, certificate=cert, signing_time=_signing_time(props), signed=whole.signed_xml)
