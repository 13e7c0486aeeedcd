"""The checks of a signing certificate, remembered by the bytes they were made on.

Parsing certificates needs the ``cryptography`` package, whose import alone costs a signing command
about as much as the whole signature of a 10,000-row file. But the checks depend on time in one simple
way: the certificate passes at time t exactly when it passes the checks that do not depend on time (key
usage, the chain to an anchor) and t lies inside every certificate of that chain's validity. So a full
check records that window, with the certificate's tax code, under the SHA-256 of the certificate and of
every trust file and token certificate it was built from. The next signature with the same certificate
and trust inputs checks only the time and the tax code. Any change to those bytes, or a time outside the
window, runs the full check again, and the full check gives its own precise message.

The tax code is compared here as ``signing.taxcode`` compares it for the full check.

Revocation does depend on time and on a CRL that changes: a verdict checked against the CRLs holds until
the earliest nextUpdate among them (``revocation_until``, sooner when the answer was "unknown"), and
keeps the notes the check made, which a remembered verdict shows again. A verdict made without a CRL
source has no ``revocation_until``, and a check that wants revocation runs the full check.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple


class CertVerdict(NamedTuple):
    """A certificate passed the full checks at every time in [not_before, not_after]; its CRLs said it
    was not revoked (or could not say: ``notes``) until ``revocation_until``."""

    not_before: datetime
    not_after: datetime
    tax_code: str | None
    revocation_until: datetime | None = None
    notes: tuple[tuple[str, dict[str, Any]], ...] = ()      # (message code, params) of each note

    def covers(self, at: datetime) -> bool:
        return self.not_before <= at <= self.not_after

    def revocation_covers(self, at: datetime) -> bool:
        return self.revocation_until is not None and at <= self.revocation_until


class CertMemo:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._seen: dict[str, CertVerdict] = {}

    @staticmethod
    def key(leaf_der: bytes, trust_inputs: Iterable[bytes]) -> str:
        """The certificate's digest and the digests of every trust input, in any order."""
        digests = sorted(hashlib.sha256(b).digest() for b in trust_inputs)
        return hashlib.sha256(hashlib.sha256(leaf_der).digest() + b"".join(digests)).hexdigest()

    def get(self, key: str) -> CertVerdict | None:
        if key in self._seen:
            return self._seen[key]
        if self.folder is None:
            return None
        try:
            d = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            until = d.get("revocation_until")
            verdict = CertVerdict(not_before=datetime.fromisoformat(d["not_before"]),
                                  not_after=datetime.fromisoformat(d["not_after"]), tax_code=d["tax_code"],
                                  revocation_until=datetime.fromisoformat(until) if until else None,
                                  notes=tuple((str(code), dict(params)) for code, params in d.get("notes", ())))
        except (OSError, ValueError, KeyError, TypeError):
            return None                       # no record, or an unreadable one: the full check runs
        self._seen[key] = verdict
        return verdict

    def put(self, key: str, verdict: CertVerdict) -> None:
        self._seen[key] = verdict
        if self.folder is None:
            return
        until = verdict.revocation_until.isoformat() if verdict.revocation_until else None
        data = json.dumps({"not_before": verdict.not_before.isoformat(), "not_after": verdict.not_after.isoformat(),
                           "tax_code": verdict.tax_code, "revocation_until": until,
                           "notes": [list(n) for n in verdict.notes]}, ensure_ascii=False)
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self.folder / f".{key}.part"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(data)
            tmp.replace(self.folder / f"{key}.json")
        except OSError:
            pass        # a record that cannot be written only costs time later
