"""XML-DSig as BHXH expects it: enveloped, exclusive C14N, RSA-SHA256, SHA-256 digests, ``URI=""``,
the signer's X.509 certificate in KeyInfo, and a signed signing-time property.

Signing works on the files ``forms.xmlbuild`` writes, which are already canonical: the digest of the whole
document is the SHA-256 of the file's bytes after the XML declaration (with the signature slot empty,
which is exactly what the enveloped-signature transform restores). The Signature element is written as
canonical text too, and spliced into the empty slot that closes the root. So signing a 100,000-row form
costs one hash pass and one token signature, with no DOM.

Verification (``verify_file``) parses the file once, with lxml, and checks everything a verifier must
with nothing taken on trust from the file: exactly one ds:Signature, in the slot; ``URI=""`` with the
enveloped and exclusive C14N transforms, and one more reference, to the signed properties in the
signature's own Object, whose SignatureProperty names this signature; only the algorithms listed here;
each digest, and the RSA signature value with the certificate the signature carries. Trust in that
certificate is the caller's next step (``signing.certs``).

The digest of the whole document is computed one of two ways, with the same result. When the bytes
prove to be canonical apart from the signature element (``forms.canonical.split_looks_canonical``, and
the signature's own C14N is exactly the bytes between ``<slot>`` and ``</slot>``), it is the hash of the
bytes around the signature: a 100,000-row form is then parsed as a stream, each row dropped when read,
and never held as a tree. Otherwise the document is parsed whole and lxml (libxml2) canonicalises it,
the signature element removed, into the hash. Why lxml and cryptography and not python-xmlsec: the
xmlsec wheels carry their own libxml2, which must be the very one lxml's wheels carry or the two refuse
to share a tree ("lxml & xmlsec libxml2 library version mismatch"), and the two projects release on
their own schedules; signxml and xmlsec1 stay in the tests as oracles (tests/test_verify_oracle.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, NamedTuple

from bhxh_desk.forms.canonical import XML_DECLARATION, canonical_body, split_looks_canonical
from bhxh_desk.forms.errors import XmlError
from bhxh_desk.forms.xmlsafe import parse_xml, refuse_prolog_tricks
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
# What a signature may use to be verified: RSA with SHA-2 only (no SHA-1, no HMAC, no DSA), SHA-2 digests.
SIGNATURE_METHODS = {RSA_SHA256: "sha256", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": "sha384",
                     "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": "sha512"}
DIGEST_METHODS = {SHA256: "sha256", "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
                  "http://www.w3.org/2001/04/xmlenc#sha512": "sha512"}
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


class Chunks:
    """A piece of a signed file made each time it is read, slice after slice: the base64 text of a signed
    100,000-row form is 148 MB, and is read twice (hashed into the envelope's digest, then written and
    hashed into the batch record in one pass: ``app.actions.batch.Hashing``), never held whole. ``len``
    is its size in bytes."""

    __slots__ = ("_length", "_make")

    def __init__(self, length: int, make: Callable[[], Iterator[bytes]]) -> None:
        self._length, self._make = length, make

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        return self._make()

    def __bytes__(self) -> bytes:
        return b"".join(self._make())


class Pieces:
    """The bytes of a signed file in order, to read as many times as needed (written, then hashed): the
    parts, each ``Chunks`` read slice by slice."""

    __slots__ = ("_parts",)

    def __init__(self, parts: tuple[bytes | memoryview | Chunks, ...]) -> None:
        self._parts = parts

    def __iter__(self) -> Iterator[bytes | memoryview]:
        for part in self._parts:
            if isinstance(part, Chunks):
                yield from part
            else:
                yield part


Edit = tuple[int, int, "bytes | Chunks"]      # replace data[start:end] with these bytes


class SignedFile(NamedTuple):
    """A signed file as pieces: views of the unsigned file's bytes around the new parts. A signed
    10,000-row envelope is 7 MB, and joining or copying it costs as much as hashing it, so the pieces are
    hashed and written as they are. The first ``unchanged`` bytes are the unsigned file's."""

    parts: tuple[bytes | memoryview | Chunks, ...]
    unchanged: int

    @property
    def pieces(self) -> Pieces:
        return Pieces(self.parts)

    @property
    def data(self) -> bytes:
        return b"".join(self.pieces)

    def tail(self, start: int) -> bytes:
        """The signed file's bytes from ``start`` to the end."""
        out = []
        for part in self.parts:
            if start >= len(part):
                start -= len(part)
                continue
            out.append((bytes(part) if isinstance(part, Chunks) else part)[start:])
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
        for piece in Pieces(tuple(pieces)):
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
    signed: etree._Element | None   # the document as signed, signature taken out (None: verified as a stream)


_SIGNATURE = f"{{{DS}}}Signature"
_ID_ATTRIBUTES = ("Id", "ID", "id", "{http://www.w3.org/XML/1998/namespace}id")


def _invalid(where: str, reason: str) -> SignatureError:
    return SignatureError("sig.invalid", where=where, reason=reason)


def parse_signed(data: bytes) -> tuple[etree._Element, list[etree._Element]]:
    """The document, parsed whole by ``forms.xmlsafe``, and every ds:Signature in it."""
    root = parse_xml(data, allow_huge_text=True)
    return root, list(root.iter(_SIGNATURE))


def locate_signature(root: etree._Element, found: list[etree._Element], slot: str) -> etree._Element:
    """The one ds:Signature of the document, which must sit in ``<root>/<slot>``."""
    if next(root.iterchildren(slot), None) is None:
        raise SignatureError("sig.slot_missing", where=slot)
    where = f"{root.tag}/{slot}"
    inside = [sig for sig in found if (holder := sig.getparent()) is not None and holder.tag == slot
              and holder.getparent() is root]
    if not inside:
        raise SignatureError("sig.missing", where=where)
    if len(found) != 1:
        raise _invalid(where, "more than one Signature element")
    return inside[0]


def canonical_split(data: bytes, root_tag: str, slot: str, signature: etree._Element) -> tuple[int, int, int, int] \
        | None:
    """(start, cut, resume, end) when the C14N of the document without its signature is exactly
    ``data[start:cut] + data[resume:end]``; None when that cannot be shown from the bytes.

    Shown thus: the file is our declaration (or none) and the root; it ends ``<slot>`` + S + ``</slot></root>``
    (whitespace after the root is outside the document); S is byte for byte the C14N of the parsed
    signature element; and the rest passes the canonical test. The parser accepted the whole file, so
    the ``<slot>`` before S opens the root's last child, S is the whole of its content and is the
    signature parsed (the one ds:Signature in the file), and what is left is the document without it, in
    canonical form."""
    from lxml import etree

    if data.startswith(XML_DECLARATION):
        start = len(XML_DECLARATION)
    elif data[:1] == b"<" and data[1:2] not in (b"?", b"!"):
        start = 0
    else:
        return None
    if "{" in root_tag or signature.tail:
        return None
    end = len(data)
    while end > start and data[end - 1] in b" \t\r\n":
        end -= 1
    tail = f"</{slot}></{root_tag}>".encode()
    resume = end - len(tail)
    if data[resume:end] != tail:
        return None
    text = etree.tostring(signature, method="c14n", exclusive=True, with_comments=False)
    cut = resume - len(text)
    opening = f"<{slot}>".encode()
    if data[cut:resume] != text or data[cut - len(opening):cut] != opening:
        return None
    if not split_looks_canonical(data, start, cut, tail):
        return None
    return start, cut, resume, end


class _Hasher:
    """A file-like sink for lxml's C14N writer that only hashes what it is given."""

    def __init__(self, name: str) -> None:
        self.hash = hashlib.new(name)

    def write(self, data: bytes) -> None:
        self.hash.update(data)


def take_out(signature: etree._Element) -> None:
    """The enveloped-signature transform: the element goes, the text after it stays."""
    parent = signature.getparent()
    if signature.tail:
        prev = signature.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + signature.tail
        else:
            parent.text = (parent.text or "") + signature.tail
    parent.remove(signature)


def _tree_digest(root: etree._Element, signature: etree._Element, name: str) -> bytes:
    from lxml import etree

    take_out(signature)
    sink = _Hasher(name)
    etree.ElementTree(root).write_c14n(sink, exclusive=True, with_comments=False)
    return sink.hash.digest()


def _elements(el: etree._Element, where: str) -> list[etree._Element]:
    """Element children; a processing instruction or an entity inside a signature is refused."""
    from lxml import etree

    out = []
    for child in el:
        if isinstance(child, (etree._ProcessingInstruction, etree._Entity)):
            raise XmlError("xml.forbidden", what="processing instruction" if isinstance(
                child, etree._ProcessingInstruction) else "entity")
        if isinstance(child.tag, str):
            out.append(child)
        if child.tail and child.tail.strip():
            raise _invalid(where, f"text inside {el.tag.rsplit('}', 1)[-1]}")
    if el.text and el.text.strip() and out:
        raise _invalid(where, f"text inside {el.tag.rsplit('}', 1)[-1]}")
    return out


def _shape(el: etree._Element, names: tuple[str, ...], where: str) -> list[etree._Element]:
    kids = _elements(el, where)
    if [k.tag for k in kids] != [f"{{{DS}}}{n}" for n in names]:
        raise _invalid(where, f"{el.tag.rsplit('}', 1)[-1]} must hold {', '.join(names)}")
    return kids


def _algorithm(el: etree._Element, allowed, where: str) -> str:
    algorithm = el.get("Algorithm") or ""
    if algorithm not in allowed or _elements(el, where):
        raise _invalid(where, f"algorithm not allowed: {algorithm[:80]}")
    return algorithm


def _unbase64(text: str | None, what: str, where: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(where, f"{what} is not base64") from None


class _Reference(NamedTuple):
    uri: str
    transforms: list[str]
    digest_name: str
    digest: bytes


def _read_reference(ref: etree._Element, where: str) -> _Reference:
    transforms_el, method, value = _shape(ref, ("Transforms", "DigestMethod", "DigestValue"), where)
    transforms = []
    for t in _elements(transforms_el, where):
        if t.tag != f"{{{DS}}}Transform":
            raise _invalid(where, "Transforms must hold Transform elements only")
        transforms.append(_algorithm(t, (ENVELOPED, EXC_C14N), where))
    name = DIGEST_METHODS[_algorithm(method, DIGEST_METHODS, where)]
    return _Reference(ref.get("URI"), transforms, name, _unbase64(value.text, "DigestValue", where))


def check_signature(signature: etree._Element, where: str, *, elsewhere, document_digest) -> tuple[
        x509.Certificate, datetime | None]:
    """Every check of the signature element, then its digests (``document_digest(name)`` gives the
    document's) and its value. ``elsewhere(id)``: how many elements outside the signature carry that id."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from lxml import etree

    for node in signature.iter(etree.ProcessingInstruction, etree.Entity):
        raise XmlError("xml.forbidden", what="entity" if isinstance(node, etree._Entity) else
                       "processing instruction")
    kids = _elements(signature, where)
    if [k.tag for k in kids[:3]] != [f"{{{DS}}}{n}" for n in ("SignedInfo", "SignatureValue", "KeyInfo")] \
            or any(k.tag != f"{{{DS}}}Object" for k in kids[3:]):
        raise _invalid(where, "Signature must hold SignedInfo, SignatureValue, KeyInfo and Object elements")
    signed_info, value_el, key_info = kids[:3]
    parts = _elements(signed_info, where)
    if [p.tag for p in parts] != [f"{{{DS}}}{n}" for n in ("CanonicalizationMethod", "SignatureMethod", "Reference",
                                                           "Reference")]:
        raise _invalid(where, 'the signature must cover the whole file (URI="") and its signing time')
    c14n, method, *refs = parts
    _algorithm(c14n, (EXC_C14N,), where)
    hash_name = SIGNATURE_METHODS[_algorithm(method, SIGNATURE_METHODS, where)]
    whole, props_ref = (_read_reference(r, where) for r in refs)
    if whole.uri != "" or whole.transforms != [ENVELOPED, EXC_C14N]:
        raise _invalid(where, 'the signature must cover the whole file (URI="")')
    if not (props_ref.uri or "").startswith("#") or props_ref.transforms != [EXC_C14N]:
        raise _invalid(where, "signing time is not signed")
    props_id = props_ref.uri[1:]
    named = [el for el in signature.iter() if isinstance(el.tag, str)
             and any(el.get(a) == props_id for a in _ID_ATTRIBUTES)]
    if len(named) != 1 or named[0].getparent() is not signature or elsewhere(props_id):
        raise _invalid(where, "signing time is not signed")
    props = named[0]
    (properties,) = _shape(props, ("SignatureProperties",), where)
    (prop,) = _shape(properties, ("SignatureProperty",), where)
    sig_id = signature.get("Id")
    if not sig_id or prop.get("Target") != f"#{sig_id}":
        raise _invalid(where, "the signed properties belong to another signature")
    certs = key_info.findall(f"{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    if not certs or not (certs[0].text or "").strip():
        raise _invalid(where, "no X509Certificate in KeyInfo")
    try:
        cert = x509.load_der_x509_certificate(_unbase64(certs[0].text, "X509Certificate", where))
    except ValueError as exc:
        raise _invalid(where, f"unreadable certificate: {exc}") from None
    signing_time = _signing_time(prop)
    # The digests: the signed properties first (a small subtree), then the document.
    props_c14n = etree.tostring(props, method="c14n", exclusive=True, with_comments=False)
    if hashlib.new(props_ref.digest_name, props_c14n).digest() != props_ref.digest:
        raise _invalid(where, "the signed properties do not match their digest")
    info_c14n = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
    value = _unbase64(value_el.text, "SignatureValue", where)
    if document_digest(whole.digest_name) != whole.digest:
        raise _invalid(where, "the document does not match its digest")
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise _invalid(where, "the certificate's key is not RSA")
    try:
        key.verify(value, info_c14n, padding.PKCS1v15(), getattr(hashes, hash_name.upper())())
    except InvalidSignature:
        raise _invalid(where, "the signature value does not verify with the certificate in KeyInfo") from None
    return cert, signing_time


def _signing_time(prop: etree._Element) -> datetime | None:
    el = prop.find(f"{{{SIGNING_TIME_NS}}}SigningTime")
    if el is None or not el.text:
        return None
    try:
        return datetime.fromisoformat(el.text)
    except ValueError:
        raise SignatureError("sig.invalid", where="SigningTime", reason=f"bad time {el.text[:40]}") from None


def verify_file(data: bytes, slot: str, *, stream: bool = False) -> SignatureInfo:
    """Check the one signature in ``slot``: it covers the whole document (``URI=""``) and its signing time,
    and its value verifies with the certificate it carries. Trust in that certificate is the caller's
    next step (``signing.certs``), at the signing time returned here.

    ``stream``: no tree of the document is wanted (``signed`` is then None), only the verdict, so a
    canonical file is checked on its bytes (``_verify_stream``); any other is parsed whole."""
    refuse_prolog_tricks(data)
    if stream:
        info = _verify_stream(data, slot)
        if info is not None:
            return info
    root, found = parse_signed(data)
    signature = locate_signature(root, found, slot)
    where = f"{root.tag}/{slot}"
    split = canonical_split(data, root.tag, slot, signature)
    if split is not None:
        digest = _bytes_digest(data, *split)

        def elsewhere(_id: str) -> int:
            return 0                       # a canonical body without the signature has no attributes
    else:
        def digest(name: str) -> bytes:
            return _tree_digest(root, signature, name)

        def elsewhere(id_: str) -> int:
            def count(top: etree._Element) -> int:
                return sum(1 for el in top.iter() if isinstance(el.tag, str)
                           and any(el.get(a) == id_ for a in _ID_ATTRIBUTES))

            return count(root) - count(signature)

    cert, signing_time = check_signature(signature, where, elsewhere=elsewhere, document_digest=digest)
    if signature.getparent() is not None:
        take_out(signature)
    return SignatureInfo(where=where, certificate=cert, signing_time=signing_time, signed=root)


def _bytes_digest(data: bytes, start: int, cut: int, resume: int, end: int):
    view = memoryview(data)

    def digest(name: str) -> bytes:
        h = hashlib.new(name)
        h.update(view[start:cut])
        h.update(view[resume:end])
        return h.digest()

    return digest


def _verify_stream(data: bytes, slot: str) -> SignatureInfo | None:
    """A canonical file verified with no tree: None when the bytes do not show it canonical (the caller
    then parses it whole, which also gives the precise message for a file that is not well-formed).

    The layout is read from the bytes: our declaration, the root's start tag, and at the end
    ``<slot>`` S ``</slot></root>``. S is parsed alone; it must be one ds:Signature whose C14N is S
    itself, and the rest must pass the canonical test, which leaves no attribute, hence no namespace,
    so no other ds:Signature, outside S. expat then checks that the whole file is well-formed, in C and
    without building anything (lxml's tree of a 100,000-row form is over a gigabyte). Together these are
    what ``canonical_split`` shows from a parsed tree."""
    import pyexpat

    from lxml import etree

    start = len(XML_DECLARATION) if data.startswith(XML_DECLARATION) else 0
    close = data.find(b">", start, start + 256)
    root_tag = data[start + 1:close].decode("ascii", "replace") if close > 0 else ""
    if data[start:start + 1] != b"<" or not root_tag.replace("-", "").replace("_", "").replace(".", "").isalnum():
        return None
    end = len(data)
    while end > start and data[end - 1] in b" \t\r\n":
        end -= 1
    tail = f"</{slot}></{root_tag}>".encode()
    resume = end - len(tail)
    opening = f"<{slot}><".encode()
    at = data.rfind(opening, start, resume)
    if data[resume:end] != tail or at < 0:
        return None
    cut = at + len(opening) - 1
    try:
        signature = parse_xml(data[cut:resume])
    except XmlError:
        return None
    if signature.tag != _SIGNATURE or etree.tostring(signature, method="c14n", exclusive=True,
                                                      with_comments=False) != data[cut:resume]:
        return None
    if not split_looks_canonical(data, start, cut, tail):
        return None
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    try:
        parser.Parse(data, True)
    except pyexpat.ExpatError:
        return None
    where = f"{root_tag}/{slot}"
    if len(list(signature.iter(_SIGNATURE))) != 1:
        raise _invalid(where, "more than one Signature element")
    cert, signing_time = check_signature(signature, where, elsewhere=lambda _id: 0,
                                         document_digest=_bytes_digest(data, start, cut, resume, end))
    return SignatureInfo(where=where, certificate=cert, signing_time=signing_time, signed=None)
