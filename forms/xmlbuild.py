"""Builds the form files and the ``Hoso`` envelope (BHXHDienTu.xml) from a validated draft.

Each form is its own XML file (root = form code, rows under ``rows_path``, an empty ``Cky`` signature slot
last). The envelope carries each form file as base64 in ``FileToKhai/NoiDungFile`` with ``DoDaiFile`` the
length of that base64 text, and ends with the unit's empty ``CKy_Dvi`` slot. Signing (``signing.xmldsig``)
fills the slots: forms first, then the envelope, which is why the two steps are separate functions.

Files are written directly in canonical form (Canonical XML 1.0, exclusive): no whitespace between
elements, empty elements as ``<a></a>``, text escaped as C14N escapes it. Parsing such a file and
canonicalising it gives back the same bytes after the XML declaration, so the signer can digest the file
as it streams instead of building a tree: a 100,000-row list is built and signed without holding a DOM.
Every file is checked against its XSD (streaming) before it leaves this module. Elements are written for
every field, empty when there is no value, so that the layout is fixed.
"""

from __future__ import annotations

import hashlib
import io
import queue
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from typing import Any

import pybase64

from bhxh_desk.forms import fieldtypes, schemas
from bhxh_desk.forms.background import Background
from bhxh_desk.forms.canonical import XML_DECLARATION, canonical_body, escape
from bhxh_desk.forms.catalog import Catalog, code_list, load_catalog
from bhxh_desk.forms.checkmemo import CheckMemo
from bhxh_desk.forms.display import dmy
from bhxh_desk.forms.draft import Draft, Unit
from bhxh_desk.forms.envelope import (
    ENVELOPE_NAME,
    ENVELOPE_SIGNATURE,
    Built,
    FormBytes,
    FormFile,
    cut_payloads,
    read_canonical,
)
from bhxh_desk.forms.errors import CatalogError, InvalidDossier, SchemaError
from bhxh_desk.forms.model import Field, FieldType, Form, Procedure
from bhxh_desk.forms.validate import check

SUBJECT_KIND = {"unit": "1", "person": "2"}   # LoaiDoiTuong (bhxh-desk decision; unconfirmed)
IVAN_CODE = ""           # bhxh-desk is not a licensed I-VAN and claims no I-VAN code
IVAN_NAME = "bhxh-desk"


def _leaf(out: list[str], name: str, text: str) -> None:
    out.append(f"<{name}>{escape(text)}</{name}>" if text else f"<{name}></{name}>")


def _write_fields(out: list[str], fields: tuple[Field, ...], values: dict[str, Any] | None, seq: int) -> None:
    values = values or {}
    for f in fields:
        value = values.get(f.name)
        if f.type is FieldType.SEQ:
            _leaf(out, f.name, str(seq))
        elif f.type is FieldType.GROUP:
            if value is not None:
                out.append(f"<{f.name}>")
                _write_fields(out, f.fields, value, 1)
                out.append(f"</{f.name}>")
        elif f.type is FieldType.TABLE:
            out.append(f"<{f.name}>")
            for i, item in enumerate(value or (), start=1):
                out.append(f"<{f.row_element}>")
                _write_fields(out, f.fields, item, i)
                out.append(f"</{f.row_element}>")
            out.append(f"</{f.name}>")
        else:
            _leaf(out, f.name, "" if value is None else fieldtypes.to_xml(f, value))


def _context(draft: Draft) -> dict[str, Any]:
    return {"period": draft.period, "unit": draft.unit, "procedure": draft.procedure}


def _clean(draft: Draft, unit: Unit) -> Draft:
    """The draft with its unit block as the validator parsed it: what is written is what was checked."""
    return Draft(procedure=draft.procedure, period=draft.period, unit=unit, forms=draft.forms,
                 attachments=draft.attachments, agent=draft.agent)


def write_form(form: Form, parsed_rows: Iterable[dict[str, Any]], draft: Draft,
               memo: CheckMemo | None = None) -> bytes:
    """One form file from rows already parsed by the validator, checked against its XSD."""
    return write_form_hashed(form, list(parsed_rows), draft, memo).data


def write_form_hashed(form: Form, parsed_rows: list[dict[str, Any]], draft: Draft,
                      memo: CheckMemo | None = None, *, check_later: bool = False) -> FormBytes:
    """``write_form``, and the digest of the body, which the signer needs and so never computes again.
    ``parsed_rows`` is emptied (each row set to None once written): the parsed rows of a 100,000-row list
    are 170 MB, let go while the file grows.

    A list of plain fields (no nested group or list) is written column by column (``_flat_rows``): each
    field's texts in one pass, then each row from one template. Rows are encoded a thousand at a time
    into a byte buffer, and hashed as they go: a 100,000-row list never exists as millions of small
    strings, nor as one string, at once.

    ``check_later``: the XSD check runs in a second thread (``forms.background``) and its handle is
    returned in ``FormBytes.check``; the caller must wait for it before the file leaves the process
    (signing does, in ``signing.envelope.PreparedEnvelope.sign_in_parts``). lxml parses and validates
    without the GIL, so on two cores the 0.2 s check of 10,000 rows overlaps the envelope, the
    certificate check and the signing. A form too large to check as one tree (``schemas.TREE_LIMIT``,
    judged from its first thousand rows) is checked a slice at a time while it is written
    (``_PartsCheck``): 100,000 rows went from draft to signed file in 5.7 s instead of 7.2 s (same run, in turns)."""
    head: list[str] = [f"<{form.root}>"]
    last = len(form.rows_path) - 1
    ctx = _context(draft)
    for i, name in enumerate(form.rows_path):
        if i == last:
            for h in form.header:
                _leaf(head, h.name, (h.default or "").format(**ctx))
        head.append(f"<{name}>")
    # io.BytesIO, not a bytearray or a list joined: its getvalue() hands over its own buffer, so a
    # 110 MB form is never held twice.
    buf = io.BytesIO()
    buf.write(XML_DECLARATION)
    hasher = hashlib.sha256()
    memo = memo or CheckMemo()
    head_bytes = "".join(head).encode("utf-8")
    tail = "".join(f"</{name}>" for name in reversed(form.rows_path))
    tail_bytes = f"{tail}<{form.signature_element}></{form.signature_element}></{form.root}>".encode()
    beside: _PartsCheck | None = None
    slices = -(-len(parsed_rows) // _STEP)

    def put(chunk: bytes) -> None:
        buf.write(chunk)
        hasher.update(chunk)

    def put_rows(rows: bytes, first: bool) -> None:
        nonlocal beside
        put(rows)
        if first and check_later and len(rows) * slices > schemas.TREE_LIMIT:
            beside = _PartsCheck(form, head_bytes, tail_bytes, memo)
        if beside is not None:
            beside.feed(rows)

    put(head_bytes)
    try:
        _write_rows(form, parsed_rows, put_rows)
    except BaseException:
        if beside is not None:
            beside.abandon()
        raise
    put(tail_bytes)
    data = buf.getvalue()
    buf.close()
    digest = hasher.digest()
    if beside is not None:
        return FormBytes(data, digest, beside.finish(data, digest))
    if check_later:
        return FormBytes(data, digest, Background(_check_form, data, form, digest, memo, name="form-check"))
    _check_form(data, form, digest, memo)
    return FormBytes(data, digest)


_STEP = 1000      # rows written (and encoded, hashed, checked beside) at a time


def _write_rows(form: Form, parsed_rows: list[dict[str, Any]], put_rows: Callable[[bytes, bool], None]) -> None:
    """The rows, a thousand at a time, each slice to ``put_rows`` (with whether it is the first)."""
    flat = all(f.type not in (FieldType.GROUP, FieldType.TABLE) for f in form.fields)
    step = _STEP
    for at in range(0, len(parsed_rows), step):
        chunk = parsed_rows[at:at + step]
        parsed_rows[at:at + step] = [None] * len(chunk)      # each row written is let go
        if flat:
            rows = _flat_rows(form, chunk, at + 1).encode("utf-8")
        else:
            out: list[str] = []
            for seq, row in enumerate(chunk, start=at + 1):
                out.append(f"<{form.row_element}>")
                _write_fields(out, form.fields, row, seq)
                out.append(f"</{form.row_element}>")
            rows = "".join(out).encode("utf-8")
        put_rows(rows, at == 0)


_SLICES_PER_CHECK = 2        # at most 2,000 rows parsed at once beside the writing (~20 MB of tree)
_STOP = object()


class _PartsCheck:
    """The XSD check of a large form while it is written: each slice of rows, as soon as it is made, is
    checked in a second thread as the small file of the form's head, those rows and its tail, which is
    valid exactly when the whole file is (``schemas.rows_apart``: every form's generated XSD). Every byte
    of the file is still checked against the same schema, as trees of a few thousand rows, where the whole
    file would be streamed through ``iterparse`` (Python called for every row: 1.9 s for 100,000 rows,
    against 1.2 s in slices, and those run beside the writing). When a slice fails, the whole file is
    checked as ``_check_form`` checks it, and its error (the one a check of the whole file gives, line and
    all) is the one raised. Slices wait in a short queue: a slow check holds back the writing rather than
    holding the form twice.

    Not used for smaller forms: there one tree after the writing is the fastest check, and started during
    the writing (lxml's import, the schema's compiling, each tree's freeing take the GIL) it slowed the
    writing of 10,000 rows more than it gained."""

    def __init__(self, form: Form, head: bytes, tail: bytes, memo: CheckMemo) -> None:
        self._form, self._head, self._tail, self._memo = form, head, tail, memo
        # a slice of rows, then (the file, its digest) once written, or _STOP if the writing failed
        self._queue: queue.Queue[bytes | tuple[bytes, bytes] | object] = queue.Queue(maxsize=_SLICES_PER_CHECK)
        self._check = Background(self._run, name="form-check")

    def feed(self, rows: bytes) -> None:
        self._queue.put(rows)

    def finish(self, data: bytes, digest: bytes) -> Background:
        self._queue.put((data, digest))
        return self._check

    def abandon(self) -> None:
        """The writing failed: the thread stops (it never waits for slices that will not come)."""
        self._queue.put(_STOP)

    def _run(self) -> None:
        form = self._form
        passed: bool | None = None           # None: no slice seen yet
        error: BaseException | None = None
        # The queue is always drained, whatever happened to a slice: the writer must never wait on it.
        item = self._queue.get()
        while isinstance(item, bytes):
            # The slices already waiting are checked together: fewer, larger checks when the writing runs ahead
            # (each check takes the GIL back a few times, and waits for it each time).
            slices, item = [item], None
            while len(slices) < _SLICES_PER_CHECK:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if not isinstance(item, bytes):
                    break
                slices.append(item)
                item = None
            if error is None and passed is not False:
                try:
                    if passed is None:
                        passed = schemas.rows_apart(form.code, form.row_element)
                    if passed:
                        schemas.check_bytes(b"".join((self._head, *slices, self._tail)), form.code,
                                            f"{form.code}.xml")
                except SchemaError:
                    passed = False
                except BaseException as exc:   # a schema that cannot be compiled, say: raised where it is awaited
                    error = exc
            del slices
            if item is None:
                item = self._queue.get()
        if item is _STOP:
            return
        if error is not None:
            raise error
        data, digest = item   # type: ignore[misc]
        if passed:
            self._memo.remember(form.code, digest)
        else:
            _check_form(data, form, digest, self._memo)


def _check_form(data: bytes, form: Form, digest: bytes, memo: CheckMemo) -> None:
    """The form file against its XSD; only a file that passed is remembered as checked."""
    schemas.check_bytes(data, form.code, f"{form.code}.xml", row_tag=form.row_element)
    memo.remember(form.code, digest)


def _flat_rows(form: Form, rows: list[dict[str, Any]], first_seq: int) -> str:
    """Rows of plain fields as text: one template per form, each field's texts made down its column
    (the same conversions as ``_write_fields``: ``fieldtypes.to_xml``, then C14N's escapes)."""
    template = "".join(f"<{f.name}>%s</{f.name}>" for f in form.fields)
    template = f"<{form.row_element}>{template}</{form.row_element}>"
    columns = []
    present = set().union(*filter(None, rows))        # most of a list's 40 columns are in no row at all
    for f in form.fields:
        if f.type is FieldType.SEQ:
            columns.append(range(first_seq, first_seq + len(rows)))
            continue
        values = [row.get(f.name) if row else None for row in rows] if f.name in present else ()
        if not values or values.count(None) == len(values):
            columns.append(repeat("", len(rows)))
            continue
        texts: dict[Any, str] = {None: ""}
        column = []
        for v in values:
            text = texts.get(v) if type(v) is str or v is None else None
            if text is None:
                text = escape(fieldtypes.to_xml(f, v)) if v is not None else ""
                if type(v) is str and len(texts) < 4096:
                    texts[v] = text
            column.append(text)
        columns.append(column)
    return "".join(template % values for values in zip(*columns, strict=True))


def _procedure(draft: Draft, catalog: Catalog) -> Procedure:
    procedure = catalog.procedure(draft.procedure)
    if procedure is None:
        raise CatalogError("catalog.unknown_procedure", procedure=draft.procedure)
    return procedure


@dataclass(frozen=True, slots=True)
class Dossier:
    """A validated draft (unit block as parsed) and its unsigned form files, ready to sign and wrap."""

    draft: Draft
    files: list[FormFile]
    created: date | None = None      # NgayLap of an envelope read back; None means the day it is signed
    digests: dict[str, bytes] | None = None     # file name -> SHA-256 of each form's body, as written here
    checks: dict[str, Background] | None = None  # file name -> its XSD check still running (check_later)


def build_forms(draft: Draft, catalog: Catalog | None = None, memo: CheckMemo | None = None, *,
                check_later: bool = False) -> Dossier:
    """Validate the draft, then build one unsigned file per form that has rows (``check_later``: see
    ``write_form_hashed``)."""
    catalog = catalog or load_catalog()
    checked = check(draft, catalog)
    if checked.errors:
        raise InvalidDossier(checked.errors)
    draft = _clean(draft, checked.unit)
    files = []
    digests = {}
    checks = {}
    for form in catalog.forms_of(_procedure(draft, catalog)):
        rows = checked.parsed.pop(form.code, None)
        if rows:
            written = write_form_hashed(form, rows, draft, memo, check_later=check_later)
            files.append(FormFile(code=form.code, description=form.name_vi, name=f"{form.code}.xml",
                                  content=written.data))
            digests[f"{form.code}.xml"] = written.digest
            if written.check is not None:
                checks[f"{form.code}.xml"] = written.check
        del rows
    from bhxh_desk.forms.attachments import ATTACHMENT_CODE, KIND_LIST

    kinds = code_list(KIND_LIST).entries
    # MoTaToKhai says what the paper is (its kind's label), then the user's description: BHXH's own field for the
    # kind of a CT-DK file is not public.
    files += [FormFile(code=ATTACHMENT_CODE, name=a.file_name, content=a.content,
                       description="; ".join(x for x in (kinds[a.kind].label_vi if a.kind in kinds else "",
                                                        a.description or ("" if a.kind in kinds else a.name)) if x))
              for a in draft.attachments]
    # The dossier keeps the header only: the rows now live in the files, and a large list is not held twice.
    header = Draft(procedure=draft.procedure, period=draft.period, unit=draft.unit, forms={}, agent=draft.agent)
    return Dossier(draft=header, files=files, digests=digests, checks=checks or None)


def build_form_files(draft: Draft, catalog: Catalog | None = None) -> list[FormFile]:
    """The form files alone (no attachments)."""
    return [f for f in build_forms(draft, catalog).files if f.extension == "xml"]


def build_envelope(dossier: Dossier, files: list[FormFile] | None = None, *, created: date | None = None,
                   catalog: Catalog | None = None, memo: CheckMemo | None = None) -> bytes:
    """The envelope around ``files`` (default: the dossier's own, unsigned), with an empty ``CKy_Dvi``,
    checked against its XSD. Signing passes the signed form files here."""
    return build_envelope_for_signing(dossier, files, created=created, catalog=catalog, memo=memo).data


def build_envelope_for_signing(dossier: Dossier, files: list[FormFile] | None = None, *,
                               created: date | None = None, catalog: Catalog | None = None,
                               memo: CheckMemo | None = None, to_sign: bool = False) -> Built:
    """``build_envelope`` with what signing needs from it (``Built``).

    ``to_sign``: the envelope is built only to be signed in this process, so each form built here is
    carried with an empty NoiDungFile: signing replaces that text with the base64 of the signed form
    anyway, and the base64 of the unsigned one (150 MB for 100,000 rows) would be made only to be
    thrown away. Its DoDaiFile is that of the unsigned form's base64, so the XSD check is the same."""
    catalog = catalog or load_catalog()
    draft = dossier.draft
    files = dossier.files if files is None else files
    created = created or dossier.created
    procedure = _procedure(draft, catalog)
    u = draft.unit
    out: list[str] = ["<Hoso><NoiDung>"]

    def block(tag: str, values: list[tuple[str, str]], close: bool = True) -> None:
        out.append(f"<{tag}>")
        for name, value in values:
            _leaf(out, name, value)
        if close:
            out.append(f"</{tag}>")

    block("ThongTinIVAN", [("MaIVAN", IVAN_CODE), ("TenIVAN", IVAN_NAME)])
    block("ThongTinDonVi", [
        ("TenDoiTuong", u.name), ("MaSoBHXH", u.code), ("LoaiDoiTuong", SUBJECT_KIND.get(procedure.filer, "1")),
        ("MaSoThue", u.tax_code), ("NguoiKy", u.signer), ("DienThoai", u.phone), ("CoQuanQuanLy", u.agency_code),
    ])
    if draft.agent is not None:      # an agent filing on someone's behalf is named in the file
        block("ThongTinDaiLy", [("MaDaiLy", draft.agent.code), ("TenDaiLy", draft.agent.name),
                                ("MaSoThue", draft.agent.tax_code)])
    block("ThongTinHoSo", [
        ("TenThuTuc", procedure.name_vi), ("MaThuTuc", procedure.code), ("KyKeKhai", draft.period),
        ("NgayLap", dmy(created or date.today())), ("SoLuongFile", str(len(files))),
        ("QuyTrinhISO", procedure.iso_process),
    ], close=False)
    out.append("<ToKhais>")
    known = (dossier.digests or {}) if files is dossier.files else {}
    pending = dossier.checks or {}
    buf = io.BytesIO()              # see write_form_hashed: getvalue() does not copy
    buf.write(XML_DECLARATION)
    for f in files:                 # the base64 goes straight into the byte buffer, never through a str
        empty = to_sign and f.name in known
        encoded = b"" if empty else pybase64.b64encode(f.content)
        length = (len(f.content) + 2) // 3 * 4 if empty else len(encoded)
        block("FileToKhai", [("MaToKhai", f.code), ("MoTaToKhai", f.description), ("TenFile", f.name),
                             ("LoaiFile", f.extension), ("DoDaiFile", str(length))], close=False)
        out.append("<NoiDungFile>")
        buf.write("".join(out).encode("utf-8"))
        out.clear()
        buf.write(encoded)
        del encoded
        buf.write(b"</NoiDungFile></FileToKhai>")
    buf.write("".join(out).encode("utf-8"))
    buf.write(f"</ToKhais></ThongTinHoSo></NoiDung><{ENVELOPE_SIGNATURE}></{ENVELOPE_SIGNATURE}></Hoso>".encode())
    data = buf.getvalue()
    buf.close()
    # The XSD is checked on the envelope without its base64 texts: each is pybase64's own encoding, which
    # is base64Binary by construction, and validating 7 MB of it per 10,000 rows took longer than signing.
    skeleton = cut_payloads(data)
    schemas.check_bytes(skeleton.skeleton if skeleton is not None else data, schemas.ENVELOPE_SCHEMA, ENVELOPE_NAME)
    forms = {i: FormBytes(f.content, known[f.name], pending.get(f.name))
             for i, f in enumerate(files) if f.name in known}
    # A file that leaves this module has passed its XSD check: only the forms carried, unchanged, into an
    # envelope signed in this process may still be checking (the signer waits for them).
    if pending and (not to_sign or files is not dossier.files):
        for waiting in pending.values():
            waiting.result()
    if to_sign:
        text = read_canonical(data, lengths=False)
        if text is None:
            raise CatalogError("catalog.invalid", path=ENVELOPE_NAME, reason="the envelope built is not canonical")
        return Built(data, b"", forms, text)
    digest = hashlib.sha256(canonical_body(data)).digest()
    (memo or CheckMemo()).remember(schemas.ENVELOPE_SCHEMA, digest)
    return Built(data, digest, forms)


def build_unsigned(draft: Draft, *, created: date | None = None, catalog: Catalog | None = None,
                   memo: CheckMemo | None = None) -> bytes:
    """The whole unsigned BHXHDienTu.xml: validated, every file schema-checked, signature slots empty.
    What passed the checks is recorded in ``memo``, so that signing it does not check it again."""
    return build_for_signing(draft, created=created, catalog=catalog, memo=memo).data


def build_for_signing(draft: Draft, *, created: date | None = None, catalog: Catalog | None = None,
                      memo: CheckMemo | None = None, to_sign: bool = False) -> Built:
    """``build_unsigned``, with what signing needs from it (``Built``; ``to_sign``: see
    ``build_envelope_for_signing``)."""
    catalog = catalog or load_catalog()
    return build_envelope_for_signing(build_forms(draft, catalog, memo, check_later=to_sign), created=created,
                                      catalog=catalog, memo=memo, to_sign=to_sign)
