"""Signing an unsigned envelope (BHXHDienTu.xml) at both levels, working on its bytes.

``prepare`` does everything that can fail without the token, so that no PIN is asked for a dossier that
cannot go: the envelope is well-formed, canonical and valid against its XSD; every form it carries is
canonical and valid against the form's XSD. ``PreparedEnvelope.sign`` then makes the k + 1 signatures:
each form at its slot, the new form texts spliced into the envelope, then the envelope at ``CKy_Dvi``.

Why it is fast, and still checks everything:

- The envelope's XSD check parses it in a second thread while this one decodes the forms (lxml lets
  other threads run while it parses and validates). A form just built by this process
  (``forms.xmlbuild.build_for_signing(to_sign=True)``) comes with its XSD check still running in its own
  thread; ``sign_in_parts`` waits for it before it hands the signed file over, so the check overlaps the
  certificate check, the login and the signing, and a form that fails it is never written anywhere.
  (Such a failure would be a fault of the builder, which writes only validated values: it then shows
  after the PIN, where any other is shown before.)
- A form whose exact bytes already passed the full checks (``forms.checkmemo``, for example because
  ``bhxh-desk build`` wrote it) is not parsed again; any other form is parsed and checked in full.
- The envelope is not rebuilt: only each form's base64 text changes, and the base64 of the unchanged
  start of a form is reused, since base64 encodes each three bytes on their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import NamedTuple

import pybase64

from bhxh_desk.forms import schemas
from bhxh_desk.forms.background import Background
from bhxh_desk.forms.canonical import XML_DECLARATION, canonical_body, canonicalize, looks_canonical
from bhxh_desk.forms.checkmemo import CheckMemo
from bhxh_desk.forms.envelope import (
    ENVELOPE_NAME,
    ENVELOPE_SIGNATURE,
    Built,
    EnvelopeText,
    decode_payload,
    edits,
    read_canonical,
)
from bhxh_desk.forms.errors import XmlError
from bhxh_desk.forms.xmlsafe import refuse_prolog_tricks
from bhxh_desk.signing.signer import Signer
from bhxh_desk.signing.xmldsig import Chunks, SignedFile, sign_file_at


class PreparedForm(NamedTuple):
    """A form checked and ready to sign (records on the signing path are NamedTuples: see
    docs/architecture.md)."""

    position: int           # which carried file
    slot: str               # the form's signature element
    content: bytes          # the canonical, checked, unsigned form file
    digest: bytes           # SHA-256 of its canonical body
    reusable: bool          # the envelope's base64 text is exactly base64(content)
    check: Background | None = None     # its XSD check, still running beside signing (built here)


def _check_envelope(data: bytes, memo: CheckMemo) -> bytes:
    """The envelope's body digest, after its XSD check unless these exact bytes passed it before. Runs
    beside the decoding of the forms: hashing and lxml's parsing let the other thread run meanwhile."""
    digest = hashlib.sha256(canonical_body(data)).digest()
    if not memo.known(schemas.ENVELOPE_SCHEMA, digest):
        schemas.check_bytes(data, schemas.ENVELOPE_SCHEMA, ENVELOPE_NAME)
    return digest


class PreparedEnvelope(NamedTuple):
    """An unsigned envelope and its forms, every check passed: signing it needs only the token."""

    text: EnvelopeText
    forms: tuple[PreparedForm, ...]

    @property
    def unit_code(self) -> str:
        return self.text.unit_code

    @property
    def unit_tax_code(self) -> str:
        return self.text.unit_tax_code

    @property
    def signer_tax_code(self) -> str:
        """The tax code the signing certificate must carry: the agent's when an agent files (its own
        certificate signs, and the envelope names it), else the unit's."""
        return self.text.agent_tax_code or self.text.unit_tax_code

    def sign(self, signer: Signer, *, signing_time: datetime | None = None) -> bytes:
        """The signed BHXHDienTu.xml; ``signer`` is called exactly len(forms) + 1 times."""
        return self.sign_in_parts(signer, signing_time=signing_time).data

    def sign_in_parts(self, signer: Signer, *, signing_time: datetime | None = None) -> SignedFile:
        """The signed BHXHDienTu.xml as pieces to write one after the other (``sign`` joins them)."""
        when = signing_time or datetime.now(UTC)
        payloads = {}
        for form in self.forms:
            signed = sign_file_at(form.content, form.slot, signer, signing_time=when, body_digest=form.digest)
            payloads[form.position] = _base64_after_change(self.text.payload(form.position) if form.reusable else None,
                                                        signed)
            del signed
        signed = sign_file_at(self.text.data, ENVELOPE_SIGNATURE, signer, signing_time=when,
                              edits=edits(self.text, payloads))
        for form in self.forms:             # a form built here whose XSD check ran beside the signing
            if form.check is not None:
                form.check.result()         # its SchemaError, if any: the signed file is never handed over
        return signed


def _base64_after_change(old_text: memoryview | None, new: SignedFile) -> tuple[int, bytes | Chunks]:
    """base64 of the signed file ``new`` as (kept, text): the first ``kept`` characters of ``old_text``
    followed by ``text``. ``old_text`` is the base64 of the unsigned file, whose first ``new.unchanged``
    bytes are new's: its whole 3-byte groups in that common start stay where they are in the envelope,
    so only the signature and what follows it are encoded, and the rest is not copied. Without an old
    text (a form built here for signing leaves its payload empty) the text is made as it is read
    (``Chunks``), never held whole."""
    if old_text is None:
        size = sum(len(p) for p in new.parts)
        return 0, Chunks((size + 2) // 3 * 4, lambda: _encode_parts(new.parts))
    whole = new.unchanged - new.unchanged % 3
    return whole // 3 * 4, pybase64.b64encode(new.tail(whole))


_SLICE = 3 * 1024 * 1024


def _encode_parts(parts) -> Iterator[bytes]:
    """base64 of the pieces joined, without joining them: each piece is encoded in slices of whole 3-byte
    groups (a 110 MB signed form is never copied whole, nor its base64 made whole)."""
    carry = b""
    for part in parts:
        view = memoryview(part)
        if carry:
            need = 3 - len(carry)
            carry, view = carry + bytes(view[:need]), view[need:]
            if len(carry) < 3:
                continue
            yield pybase64.b64encode(carry)
            carry = b""
        whole = len(view) - len(view) % 3
        for at in range(0, whole, _SLICE):
            yield pybase64.b64encode(view[at:min(at + _SLICE, whole)])
        carry = bytes(view[whole:])
    if carry:
        yield pybase64.b64encode(carry)


def prepare(data: bytes, *, memo: CheckMemo | None = None, built: Built | None = None) -> PreparedEnvelope:
    """Check an unsigned envelope and every form it carries; raises ``BhxhError`` naming what is wrong.

    ``built``: the envelope was just built by this process (``forms.xmlbuild.build_for_signing``), which
    checked each file against its XSD and hashed it while writing it: those forms are taken as built,
    neither decoded nor hashed again."""
    memo = memo or CheckMemo()
    if built is not None and built.data is data and built.text is not None:
        return PreparedEnvelope(text=built.text, forms=_prepare_forms(built.text, memo, built))
    if built is not None and built.data is data and memo.known(schemas.ENVELOPE_SCHEMA, built.digest):
        text = read_canonical(data)
        if text is not None:
            return PreparedEnvelope(text=text, forms=_prepare_forms(text, memo, built))
    refuse_prolog_tricks(data)
    # A filled CKy_Dvi (it is the root's last child, so looked for from the end); the envelope's XSD check
    # below makes sure there is no second one.
    slot = f"<{ENVELOPE_SIGNATURE}>".encode()
    at = data.rfind(slot)
    if at >= 0 and not data.startswith(f"</{ENVELOPE_SIGNATURE}>".encode(), at + len(slot)):
        raise XmlError("xml.already_signed", file=ENVELOPE_NAME)
    envelope_check = Background(_check_envelope, data, memo, name="envelope-check")
    try:
        text = read_canonical(data)
    except XmlError:
        envelope_check.result()             # the parser's own message, when it has one, says more
        raise
    if text is None:                         # written by another tool: canonicalise (this also parses it)
        envelope_check.result()
        text = read_canonical(canonicalize(data), parsed=True)
        if text is None:
            raise XmlError("xml.malformed", reason="the envelope cannot be put in canonical form")
        envelope_check = Background(_check_envelope, text.data, memo, name="envelope-check")
    try:
        forms = _prepare_forms(text, memo)
    finally:                                # never sign, or report form errors, on an envelope that is not valid
        body_digest = envelope_check.result()
    memo.remember(schemas.ENVELOPE_SCHEMA, body_digest)
    return PreparedEnvelope(text=text, forms=forms)


def _prepare_forms(text: EnvelopeText, memo: CheckMemo, built: Built | None = None) -> tuple[PreparedForm, ...]:
    layouts = schemas.form_layouts()
    forms = []
    for i, carried in enumerate(text.files):
        layout = layouts.get(carried.code)
        if layout is None or carried.extension != "xml":
            continue                          # an attachment, carried as it is
        done = built.forms.get(i) if built is not None else None
        if done is not None and (done.check is not None or memo.known(layout.code, done.digest)):
            forms.append(PreparedForm(position=i, slot=layout.signature_element, content=done.data,
                                      digest=done.digest,
                                      reusable=len(text.payload(i)) == (len(done.data) + 2) // 3 * 4,
                                      check=done.check))
            continue
        payload = text.payload(i)
        content = decode_payload(payload, carried.name)
        # The old text is reused only where it is exactly base64(content): not when it was broken into lines.
        reusable = content.startswith(XML_DECLARATION) and len(payload) == (len(content) + 2) // 3 * 4
        digest = hashlib.sha256(canonical_body(content)).digest()
        if not (reusable and memo.known(layout.code, digest)):
            if not looks_canonical(content):
                content, reusable = canonicalize(content), False
                digest = hashlib.sha256(canonical_body(content)).digest()
            # A file built by an earlier release (queued before a catalog change) still matches the schema it
            # was built with; only a match of today's is remembered under the form's name.
            if schemas.check_bytes(content, layout.code, carried.name, row_tag=layout.row_element,
                                   earlier=True) == layout.code:
                memo.remember(layout.code, digest)
        forms.append(PreparedForm(position=i, slot=layout.signature_element, content=content, digest=digest,
                                  reusable=reusable))
    return tuple(forms)
