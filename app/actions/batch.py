"""A signing batch that can be run again: a dossier signed by an earlier run is skipped, not signed anew.

Signing the same draft twice gives a different file (a new signing time, new signature bytes), and a
gateway takes it as a new dossier: re-running a half-done batch and filing the folder would file the
finished ones twice. So beside each signed file the batch leaves a small record, ``.<name>.source.json``,
holding the digest of what it was made from (a draft's content, formatting aside; or an unsigned
envelope's bytes) and the digest of the signed file. A later run skips an output only when all three
hold: the signed file is the one recorded, it is made from the same content as the source given now, and
its signatures are intact and trusted. Anything else (the draft edited, the file replaced or cut short, a
signature broken) is signed again.

Only the standard library is imported here: a batch of already-checked files stays as fast to start as
``bhxh-desk sign`` itself (docs/architecture.md, "Records on the signing path").
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

RECORD_FORMAT = "bhxh-desk/signed-source@1"


class Record(NamedTuple):
    source_sha256: str
    signed_sha256: str


def record_path(output: Path) -> Path:
    return output.with_name(f".{output.name}.source.json")


def source_digest(source: str | Path, folders: Any = None) -> str:
    """What a dossier is made from: a draft by its content (the same values, whatever the layout of the
    file), an unsigned BHXHDienTu.xml by its bytes."""
    with open(source, "rb") as fh:
        if fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            fh.seek(0)
            return hashlib.file_digest(fh, "sha256").hexdigest()      # read in blocks, never held whole
        fh.seek(0)
        data = fh.read()
    from bhxh_desk.forms.draft import loads

    return draft_digest(loads(data, Path(source).resolve().parent, folders))


_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_ROWS_PER_PIECE = 1000


def draft_digest(draft: Any) -> str:
    """SHA-256 of the draft as ``json.dumps(..., sort_keys=True, ensure_ascii=False, separators=(",", ":"))``
    writes it, hashed piece by piece: a 100,000-row draft's text (~65 MB, and as much again in UTF-8) is
    never made whole. The digest is that of the one-shot text (tests/test_batch_rerun.py compares them), so
    records written before stay valid."""
    h = hashlib.sha256()
    for piece in _json_pieces(draft.to_dict(), 3):
        h.update(piece.encode("utf-8"))
    return h.hexdigest()


def _json_pieces(value: Any, depth: int) -> Any:
    """The compact, key-sorted JSON text of ``value`` in pieces: dicts and lists are opened ``depth`` levels
    down, the rest (and lists' items, a thousand at a time) written by the C encoder, so the text is the
    same as the one-shot ``_ENCODER.encode``."""
    if depth <= 0 or not isinstance(value, dict | list | tuple) or (
            isinstance(value, dict) and not all(isinstance(k, str) for k in value)):
        yield _ENCODER.encode(value)
    elif isinstance(value, dict):
        yield "{"
        for i, key in enumerate(sorted(value)):
            yield ("," if i else "") + _ENCODER.encode(key) + ":"
            yield from _json_pieces(value[key], depth - 1)
        yield "}"
    elif depth == 1 or not any(isinstance(v, dict | list | tuple) for v in value[:1]):
        yield "["
        for at in range(0, len(value), _ROWS_PER_PIECE):
            yield ("," if at else "") + _ENCODER.encode(value[at:at + _ROWS_PER_PIECE])[1:-1]
        yield "]"
    else:
        yield "["
        for i, item in enumerate(value):
            if i:
                yield ","
            yield from _json_pieces(item, depth - 1)
        yield "]"


def read_record(output: Path) -> Record | None:
    try:
        data = json.loads(record_path(output).read_text(encoding="utf-8"))
        if data.get("format") != RECORD_FORMAT:
            return None
        return Record(str(data["source_sha256"]), str(data["signed_sha256"]))
    except (OSError, ValueError, KeyError, AttributeError):
        return None


class Hashing:
    """The pieces of a signed file, hashed as they are read: the sink writes them, and the record takes
    the digest of that same pass (a signed form's base64 is made as it is read, so a second pass would
    encode it again). ``sha256`` is set once a pass has read every piece."""

    __slots__ = ("parts", "sha256")

    def __init__(self, parts: Iterable[bytes | memoryview]) -> None:
        self.parts, self.sha256 = parts, None

    def __iter__(self) -> Iterator[bytes | memoryview]:
        h = hashlib.sha256()
        for part in self.parts:
            h.update(part)
            yield part
        self.sha256 = h.hexdigest()


def parts_digest(parts: Iterable[bytes | memoryview]) -> str:
    """SHA-256 of the pieces as written one after the other, without joining them (a 100,000-row signed
    file is ~148 MB: joined, it would be held twice)."""
    hashed = Hashing(parts)
    for _ in hashed:
        pass
    return hashed.sha256


def write_record(output: Path, source_sha256: str, signed_sha256: str) -> None:
    from bhxh_desk.app.actions.files import write_atomically

    body = {"format": RECORD_FORMAT, "source_sha256": source_sha256, "signed_sha256": signed_sha256}
    write_atomically(record_path(output), json.dumps(body).encode("utf-8"))


def already_signed(source: str | Path, output: str | Path, *, trust: Sequence[str | Path] = (),
                   folders: Any = None) -> bool:
    """Whether ``output`` is a signed file an earlier run made from this very ``source`` and that still
    verifies (its signatures intact, its certificates trusted, with ``trust`` added as for signing).
    Cheap when there is nothing to skip: no output, or no record beside it. ``folders``: where the
    draft's attachments are read from, as for signing."""
    output = Path(output)
    if not output.exists():
        return False
    record = read_record(output)
    if record is None:
        return False
    from bhxh_desk.forms.errors import BhxhError

    try:
        signed = output.read_bytes()
        if hashlib.sha256(signed).hexdigest() != record.signed_sha256:
            return False
        if source_digest(source, folders) != record.source_sha256:
            return False
        from bhxh_desk.signing.certcheck import trust_material
        from bhxh_desk.signing.dossier import verify_dossier

        anchors, intermediates = trust_material(trust)
        return all(r.ok for r in verify_dossier(signed, anchors=anchors, intermediates=intermediates))
    except (OSError, BhxhError):
        return False                       # unreadable or broken: it is signed again, which reports why


class RecordingSink:
    """Hands each signed file to ``sink`` (the files, the register), then records what it was made from,
    so that the next run of the same batch skips it. ``sources`` maps each output path to its source.
    The draft's digest is taken when the sink is entered, before the signing and before ``sink`` lets go
    of the draft's rows (``app.actions.signing.FileSink``)."""

    def __init__(self, sink: Any, sources: Mapping[Path, str | Path]) -> None:
        self.sink = sink
        self.sources = {Path(k): v for k, v in sources.items()}

    @contextlib.contextmanager
    def receiving(self, dossier: Any) -> Iterator[Callable[[Iterable[bytes | memoryview], str], None]]:
        from bhxh_desk.forms.errors import BhxhError

        output = Path(dossier.target)
        source = self.sources.get(output)
        digest: str | None = None
        if source is not None:
            try:
                digest = draft_digest(dossier.draft) if dossier.draft is not None else source_digest(source)
            except (OSError, BhxhError):
                digest = None
        with self.sink.receiving(dossier) as inner:

            def put(parts: Iterable[bytes | memoryview], note: str) -> None:
                hashed = Hashing(parts)
                inner(hashed, note)
                if source is None:
                    return
                try:
                    if digest is not None and hashed.sha256 is not None:
                        write_record(output, digest, hashed.sha256)
                        return
                except (OSError, BhxhError):
                    pass
                with contextlib.suppress(OSError):
                    os.unlink(record_path(output))      # no record: the next run signs it again, never skips wrongly

            yield put
