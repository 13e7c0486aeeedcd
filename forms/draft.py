"""The portable draft file, format ``bhxh-desk/draft@1`` (see docs/draft-format.md).

A draft is what a user is still working on: the procedure, the period, the unit and the rows of each
form, keyed by the forms' XML field names. It is plain JSON so that it survives being mailed, versioned
or opened by another tool. Reading is strict about shape and lenient about values: a malformed value is
kept as typed and reported by the validator, so nothing the user entered is thrown away.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bhxh_desk.forms.attachments import MAX_ALL, Attachment, AttachmentFolders, read_draft_attachment
from bhxh_desk.forms.errors import DraftError
from bhxh_desk.forms.migrate import Migration, migrate

FORMAT = "bhxh-desk/draft@1"
MAX_DRAFT_BYTES = 64 * 1024 * 1024
UNIT_KEYS = ("code", "name", "tax_code", "agency_code", "signer", "phone")

Row = dict[str, Any]


@dataclass(slots=True)
class Unit:
    code: str = ""
    name: str = ""
    tax_code: str = ""
    agency_code: str = ""
    signer: str = ""
    phone: str = ""


@dataclass(slots=True)
class Agent:
    """The service agent (đại lý) that files for the person or unit; recorded in the envelope."""

    code: str = ""
    name: str = ""
    tax_code: str = ""


@dataclass(slots=True)
class Draft:
    procedure: str
    period: str
    unit: Unit = field(default_factory=Unit)
    forms: dict[str, list[Row]] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    agent: Agent | None = None
    # What was moved when an older draft was opened (forms.migrate); never written to the file.
    migrations: list[Migration] = field(default_factory=list, compare=False)

    def rows(self, form_code: str) -> list[Row]:
        return self.forms.get(form_code, [])

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT,
            "procedure": self.procedure,
            "period": self.period,
            "unit": asdict(self.unit),
            "forms": self.forms,
        }
        if self.agent is not None:
            data["agent"] = asdict(self.agent)
        if self.attachments:         # embedded, so that one file carries the whole dossier
            data["attachments"] = [{"name": a.name, "description": a.description,
                                    **({"kind": a.kind} if a.kind else {}),
                                    "content_base64": base64.b64encode(a.content).decode("ascii")}
                                   for a in self.attachments]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"


class _Unencodable(Exception):
    """A text that cannot be written as UTF-8; located and reported by ``draft_from_dict``."""


def _text(value: str) -> str:
    """NFC, and refused if it cannot be encoded: JSON's ``"\\ud800"`` reads as a lone surrogate, which no
    file, store or XML can hold. An ASCII text (the flag CPython keeps) needs neither check."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Unencodable from None
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def _nfc(value: Any) -> Any:
    """NFC-normalise every text, in place: a 100,000-row draft is not copied to be normalised."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        for i, v in enumerate(value):
            value[i] = _nfc(v)
        return value
    if isinstance(value, dict):
        if all(_text(k) is k for k in value):
            for k, v in value.items():
                value[k] = _nfc(v)
            return value
        return {_text(k): _nfc(v) for k, v in value.items()}
    return value


def _where_unencodable(value: Any, where: str = "") -> str:
    """The place of the first text that cannot be encoded, as draft messages name places (``forms.D02-TS[3].Hoten``)."""
    def bad(text: str) -> bool:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False

    if isinstance(value, str):
        return where if bad(value) else ""
    items = enumerate(value, start=1) if isinstance(value, list) else value.items() if isinstance(value, dict) else ()
    for key, v in items:
        here = f"{where}[{key}]" if isinstance(value, list) else f"{where}.{key}" if where else str(key)
        if isinstance(key, str) and bad(key):
            return here
        found = _where_unencodable(v, here)
        if found:
            return found
    return ""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) == len(pairs):      # no key twice (the usual case: one C call, not a loop per key)
        return out
    out = {}
    for key, value in pairs:
        if key in out:
            raise DraftError("draft.duplicate_key", key=key)
        out[key] = value
    return out


def _reject_constant(name: str) -> None:
    raise DraftError("draft.unreadable", reason=name)


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _row(value: Any, where: str) -> Row:
    if not isinstance(value, dict):
        raise DraftError("draft.shape", where=where, expected="object")
    if _PLAIN.issuperset(map(type, value.values())):        # a plain row (most are): nothing nested to check
        return value
    for key, v in value.items():
        if isinstance(v, list):
            for i, sub in enumerate(v):
                _row(sub, f"{where}.{key}[{i + 1}]")
        elif isinstance(v, dict):
            _row(v, f"{where}.{key}")
    return value


def draft_from_dict(data: Any, base: Path | None = None, folders: AttachmentFolders | None = None, *,
                    normalized: bool = False) -> Draft:
    """Check the shape and NFC-normalise every text; values themselves are the validator's business.
    ``base`` is the folder that attachment paths are relative to (the draft file's); ``folders`` where their
    files may be read (default: ``base`` alone). ``normalized``: every text is already NFC and encodable
    (``loads`` knows it of a JSON text without escapes), so the walk over every value is skipped."""
    try:
        data = data if normalized else _nfc(data)
    except _Unencodable:
        where = _where_unencodable(data)
        raise DraftError("draft.unencodable", where=where.encode("utf-8", "backslashreplace").decode()) from None
    if not isinstance(data, dict):
        raise DraftError("draft.shape", where="/", expected="object")
    if data.get("format") != FORMAT:
        raise DraftError("draft.format", found=str(data.get("format"))[:60], expected=FORMAT)
    unknown = set(data) - {"format", "procedure", "period", "unit", "forms", "attachments", "agent"}
    if unknown:
        raise DraftError("draft.unknown_key", key=sorted(unknown)[0])
    procedure, period = data.get("procedure"), data.get("period", "")
    if not isinstance(procedure, str) or not procedure:
        raise DraftError("draft.shape", where="procedure", expected="text")
    if not isinstance(period, str):
        raise DraftError("draft.shape", where="period", expected="text")
    unit_data = data.get("unit", {})
    if not isinstance(unit_data, dict):
        raise DraftError("draft.shape", where="unit", expected="object")
    bad = set(unit_data) - set(UNIT_KEYS)
    if bad:
        raise DraftError("draft.unknown_key", key=f"unit.{sorted(bad)[0]}")
    for key, value in unit_data.items():
        if not isinstance(value, str):
            raise DraftError("draft.shape", where=f"unit.{key}", expected="text")
    forms_data = data.get("forms", {})
    if not isinstance(forms_data, dict):
        raise DraftError("draft.shape", where="forms", expected="object")
    forms: dict[str, list[Row]] = {}
    for code, rows in forms_data.items():
        if not isinstance(rows, list):
            raise DraftError("draft.shape", where=f"forms.{code}", expected="list")
        forms[code] = [_row(r, f"forms.{code}[{i + 1}]") for i, r in enumerate(rows)]
    attachments: list[Attachment] = []
    if not isinstance(data.get("attachments") or [], list):
        raise DraftError("draft.shape", where="attachments", expected="list")
    for i, a in enumerate(data.get("attachments") or [], start=1):
        attachments.append(_attachment(a, i, base, folders, MAX_ALL - sum(len(x.content) for x in attachments)))
    agent = None
    if data.get("agent") is not None:
        agent_data = data["agent"]
        if not isinstance(agent_data, dict) or set(agent_data) - {"code", "name", "tax_code"} or \
                not all(isinstance(v, str) for v in agent_data.values()):
            raise DraftError("draft.shape", where="agent", expected="{code, name, tax_code}")
        agent = Agent(**agent_data)
    migrations = migrate(procedure, forms)
    return Draft(procedure=procedure, period=period, unit=Unit(**unit_data), forms=forms, attachments=attachments,
                 agent=agent, migrations=migrations)


def _attachment(value: Any, index: int, base: Path | None, folders: AttachmentFolders | None,
                budget: int) -> Attachment:
    """``{"name", "description", "kind", "file"}`` (a path beside the draft) or ``{..., "content_base64"}``; the
    kind is a code of ``loai_giay_to`` (optional). A file that cannot be read is an error, never a silent drop;
    a file is read only inside the allowed folders and within ``budget`` (forms.attachments)."""
    where = f"attachments[{index}]"
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"].strip():
        raise DraftError("draft.shape", where=where, expected="{name, description, file | content_base64}")
    unknown = set(value) - {"name", "description", "kind", "file", "content_base64"}
    if unknown:
        raise DraftError("draft.unknown_key", key=f"{where}.{sorted(unknown)[0]}")
    if isinstance(value.get("content_base64"), str):
        try:
            content = base64.b64decode(value["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise DraftError("draft.shape", where=f"{where}.content_base64", expected="base64") from None
    elif isinstance(value.get("file"), str) and base is not None:
        content = read_draft_attachment(value["name"].strip(), value["file"], base, folders, budget=budget)
    else:
        raise DraftError("draft.shape", where=where, expected="file or content_base64")
    if value.get("kind") is not None and not isinstance(value["kind"], str):
        raise DraftError("draft.shape", where=f"{where}.kind", expected="text")
    return Attachment(name=value["name"].strip(), description=str(value.get("description") or ""), content=content,
                      kind=str(value.get("kind") or "").strip())


def loads(text: str | bytes, base: Path | None = None, folders: AttachmentFolders | None = None) -> Draft:
    if isinstance(text, bytes):
        if len(text) > MAX_DRAFT_BYTES:
            raise DraftError("draft.too_large", limit_mb=MAX_DRAFT_BYTES // (1024 * 1024))
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DraftError("draft.not_utf8") from None
    # Normalising the whole text is normalising each of its strings, when no string holds a \u escape:
    # outside strings JSON is ASCII, a quote composes with nothing, and no character NFC maps to ASCII
    # is one of JSON's own (the Greek question mark becomes ";", the Kelvin sign "K"). Text decoded
    # from UTF-8 holds no lone surrogate, so nothing in it is unencodable either. With an escape
    # (which may stand for a combining mark, or a lone surrogate), every string is walked instead.
    normalized = "\\u" not in text
    if normalized and not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)
        del text
    except json.JSONDecodeError as exc:
        raise DraftError("draft.unreadable", reason=f"{exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise DraftError("draft.unreadable", reason="nesting too deep") from None
    return draft_from_dict(data, base, folders, normalized=normalized)


def read_draft(path: str | Path, folders: AttachmentFolders | None = None) -> Draft:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_DRAFT_BYTES:
            raise DraftError("draft.too_large", limit_mb=MAX_DRAFT_BYTES // (1024 * 1024))
        data = path.read_bytes()
    except OSError as exc:
        raise DraftError("draft.cannot_open", path=str(path), reason=exc.strerror or str(exc)) from None
    return loads(data, path.resolve().parent, folders)


def draft_bytes(draft: Draft, path: str | Path) -> bytes:
    """The file as it will be written, refused when this app's own read limit would refuse to open it again (an
    Excel import once wrote a 73 MB draft over the 64 MB limit)."""
    data = draft.to_json().encode("utf-8")
    if len(data) > MAX_DRAFT_BYTES:
        raise DraftError("draft.would_be_too_large", path=str(path), size_mb=f"{len(data) / 2**20:.1f}",
                         limit_mb=MAX_DRAFT_BYTES // 2**20)
    return data


def write_draft(draft: Draft, path: str | Path) -> None:
    """Write atomically: a crash mid-write leaves the old file, never half a draft; nothing is written when the
    draft would be too large to read back."""
    path = Path(path)
    data = draft_bytes(draft, path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:
        raise DraftError("draft.cannot_write", path=str(path), reason=exc.strerror or str(exc)) from None
