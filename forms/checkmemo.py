"""A record of exact bytes that already passed the full checks, so they are not parsed again to be signed.

``bhxh-desk build`` parses each form it writes and checks it against its XSD; ``bhxh-desk sign`` of that
file would otherwise parse and check the same bytes again, which for a 10,000-row list costs several
times what the signature itself does. The record says: a canonical body whose SHA-256 is D was parsed,
found in canonical form and valid against the XSD whose bytes have SHA-256 S. It is keyed by both
digests, so any change to the file or to the schema misses it and the full checks run again.

Records are empty files named by the key, in a private folder the caller chooses (the user's cache
folder), and are also kept for the life of the process. Deleting the folder only makes the next
signature of each file slower. Someone who can write in that folder can equally replace the program,
so the record is as trustworthy as the installation itself.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from bhxh_desk.forms.resources import resource

_SEEN: set[str] = set()      # for the life of the process, with or without a folder


@cache
def schema_digest(schema_name: str) -> bytes:
    """SHA-256 of the XSD file's bytes: a record made against another version of the schema never matches."""
    return hashlib.sha256(resource("schemas", f"{schema_name}.xsd").read_bytes()).digest()


class CheckMemo:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder

    @staticmethod
    def _key(schema_name: str, body_digest: bytes) -> str:
        return hashlib.sha256(schema_digest(schema_name) + body_digest).hexdigest()

    def known(self, schema_name: str, body_digest: bytes) -> bool:
        key = self._key(schema_name, body_digest)
        if key in _SEEN:
            return True
        if self.folder is not None and (self.folder / key).is_file():
            _SEEN.add(key)
            return True
        return False

    def remember(self, schema_name: str, body_digest: bytes) -> None:
        key = self._key(schema_name, body_digest)
        _SEEN.add(key)
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.folder / key, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
        except OSError:
            pass        # a cache that cannot be written only costs time later

    @staticmethod
    def forget_process_records() -> None:
        """For tests: what the process has seen is forgotten; the folder is untouched."""
        _SEEN.clear()
