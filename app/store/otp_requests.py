"""The SMS codes asked for an individual's dossier: which unsigned envelope (its digest) each request is
bound to, so that confirming with the code rebuilds exactly that envelope (``app.actions.otp``)."""

from __future__ import annotations

from typing import NamedTuple

from bhxh_desk.app.store.store import Store, _now


class OtpRequest(NamedTuple):
    digest: str
    request_id: str
    made_on: str          # the date the envelope was built with (yyyy-mm-dd)


class OtpRequests:
    def __init__(self, store: Store) -> None:
        self.store = store

    def remember(self, ma_so_bhxh: str, digest: str, request_id: str, made_on: str) -> None:
        with self.store.transaction() as c:
            c.execute("INSERT INTO otp_requests (ma_so_bhxh, digest, request_id, made_on, created_at) "
                      "VALUES (?, ?, ?, ?, ?)", (ma_so_bhxh, digest, request_id, made_on, _now()))

    def newest_first(self, ma_so_bhxh: str) -> list[OtpRequest]:
        return [OtpRequest(*r) for r in self.store.read(
            "SELECT digest, request_id, made_on FROM otp_requests WHERE ma_so_bhxh = ? ORDER BY id DESC",
            (ma_so_bhxh,))]
