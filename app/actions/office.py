"""Syncing a shared outbox: each workstation, or a headless ``bhxh-desk sync --daemon``, sends what is
queued for the accounts whose gateway password it holds, and only for those.

The outbox may be an office's PostgreSQL store that several senders share; ``Outbox.claimed`` keeps two
of them from sending the same submission at once, and ``Filing.send`` looks a submission in doubt up by
its key before it uploads it again, so each dossier is filed exactly once. A sender signs in once per
account and unit it has work for.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bhxh_desk.app.filing import SyncReport
from bhxh_desk.app.workflow import State
from bhxh_desk.forms.errors import BhxhError

PENDING = (State.QUEUED, State.SUBMITTED, State.RECEIVED, State.PROCESSING)


@dataclass
class OfficeSync:
    reports: list[SyncReport] = field(default_factory=list)
    without_password: list[str] = field(default_factory=list)     # accounts with work this sender cannot sign in as
    unreachable: list[str] = field(default_factory=list)

    @property
    def waiting(self):
        return [w for r in self.reports for w in r.waiting]

    def all(self, name: str) -> list:
        return [s for r in self.reports for s in getattr(r, name)]


def read_credentials(path: str | Path) -> dict[str, str]:
    """The daemon's own passwords, ``{"account": "password"}``: a file its user alone may read, or refused."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        if stat.S_IMODE(mode) & 0o077:
            raise BhxhError("office.credentials_open", path=str(path), mode=oct(stat.S_IMODE(mode)))
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BhxhError("office.credentials_unreadable", path=str(path), reason=exc.strerror or str(exc)) from None
    except ValueError as exc:
        raise BhxhError("office.credentials_unreadable", path=str(path), reason=str(exc)) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise BhxhError("office.credentials_unreadable", path=str(path), reason='{"account": "password"}')
    return data


def pending_accounts(store, gateway: str) -> list[tuple[str, str]]:
    """(account, unit) of every submission to send or settle on this gateway."""
    from bhxh_desk.app.store.outbox import Outbox

    return sorted({(s.account, s.unit) for s in Outbox(store).all(PENDING) if s.gateway == gateway})


def _sendable_pairs(store, gateway: str) -> list[tuple[str, str]]:
    from bhxh_desk.app.store.outbox import Outbox

    return sorted({(s.account, s.unit) for s in Outbox(store).all((State.QUEUED, State.SUBMITTED))
                   if s.gateway == gateway})


def sendable_accounts(store, gateway: str) -> list[str]:
    """The accounts with a submission still to upload (Queued, or Submitted and in doubt) on this gateway."""
    from bhxh_desk.app.store.outbox import Outbox

    return sorted({s.account for s in Outbox(store).all((State.QUEUED, State.SUBMITTED)) if s.gateway == gateway})


def sync_office(store, access, password_of: Callable[[str], str | None], *, only: set[str] | None = None,
                on_progress=None, settle: bool = True) -> OfficeSync:
    """One round: for each account with work that this sender holds a password for, sign in and sync
    its units' submissions."""
    from bhxh_desk.app.filing import Filing
    from bhxh_desk.app.gateway.errors import Unreachable
    from bhxh_desk.app.store.outbox import Outbox

    out = OfficeSync()
    trust = access.trust()
    for account, unit in (pending_accounts if settle else _sendable_pairs)(store, access.url):
        if only is not None and account not in only and unit not in only:
            continue
        password = password_of(account)
        if not password:
            if account not in out.without_password:
                out.without_password.append(account)
            continue
        try:
            client = access.connect(account, unit=unit if unit != account else None, secret=password)
        except Unreachable as exc:
            out.unreachable.append(f"{account}: {exc.message('vi')}")
            continue
        with client:
            out.reports.append(Filing(Outbox(store), client, trust).sync(on_progress=on_progress, units={unit},
                                                                         settle=settle))
    return out


def password_source(access, *, credentials: dict[str, str] | None = None, env_var: str | None = None
                    ) -> Callable[[str], str | None]:
    """Where this sender's passwords come from: the daemon's file, a variable, or this PC's keyring."""
    def password_of(account: str) -> str | None:
        if credentials is not None:
            return credentials.get(account)
        if env_var:
            return os.environ.get(env_var) or None
        try:
            return access.password(account)
        except BhxhError:
            return None

    return password_of
