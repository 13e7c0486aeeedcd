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
from collections.abc import Mapping, Sequence
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
        data = fh.read()
    if data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return hashlib.sha256(data).hexdigest()
    from bhxh_desk.forms.draft import loads

    return draft_digest(loads(data, Path(source).resolve().parent, folders))


def draft_digest(draft: Any) -> str:
    text = json.dumps(draft.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_record(output: Path) -> Record | None:
    try:
        data = json.loads(record_path(output).read_text(encoding="utf-8"))
        if data.get("format") != RECORD_FORMAT:
            return None
        return Record(str(data["source_sha256"]), str(data["signed_sha256"]))
    except (OSError, ValueError, KeyError, AttributeError):
        return None


def write_record(output: Path, source_sha256: str, signed: bytes) -> None:
    from bhxh_desk.app.actions.files import write_atomically

    body = {"format": RECORD_FORMAT, "source_sha256": source_sha256,
            "signed_sha256": hashlib.sha256(signed).hexdigest()}
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
    so that the next run of the same batch skips it. ``sources`` maps each output path to its source."""

    def __init__(self, sink: Any, sources: Mapping[Path, str | Path]) -> None:
        self.sink = sink
        self.sources = {Path(k): v for k, v in sources.items()}

    def put(self, dossier: Any, parts: Sequence[bytes | memoryview], note: str) -> None:
        self.sink.put(dossier, parts, note)
        output = Path(dossier.target)
        source = self.sources.get(output)
        if source is None:
            return
        from bhxh_desk.forms.errors import BhxhError

        try:
            digest = draft_digest(dossier.draft) if dossier.draft is not None else source_digest(source)
            write_record(output, digest, b"".join(parts))
        except (OSError, BhxhError):
            with contextlib.suppress(OSError):
                os.unlink(record_path(output))     # no record: the next run signs it again, never skips wrongly
