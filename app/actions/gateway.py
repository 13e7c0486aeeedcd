"""Talking to a gateway: the one place that signs in, and submitting, syncing and asking a status, for
the command line and the window alike.

``GatewayAccess`` is where a gateway is (its URL and CA) and how its passwords are had: a secret the
caller gives (a script's environment variable), the OS keyring, a profile's own (test mode's demo unit),
or, last, the caller's ``ask`` (the window's password box), whose answer is then kept in the keyring.
The store each function takes is the caller's connection: a worker thread passes its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from bhxh_desk.app import workflow
from bhxh_desk.app.gateway.errors import Unexpected, Unreachable
from bhxh_desk.forms.errors import BhxhError

if TYPE_CHECKING:
    from cryptography import x509

    from bhxh_desk.app.filing import SyncReport
    from bhxh_desk.app.gateway.client import GatewayClient
    from bhxh_desk.app.gateway.protocol import DossierStatus
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.outbox import Submission

Progress = Callable[[int, int, str], None]
Ask = Callable[[str], "str | None"]


class GatewayAccess:
    """A gateway and how to sign in to it. ``password_for``: a profile's own passwords (test mode), tried
    before the keyring. The URL is checked here, before any password is looked up or asked for: whatever
    gave it (``--gateway``, BHXH_DESK_GATEWAY, the settings' ``gateway_url``), plain http:// is refused
    unless the gateway is on this computer (``client.require_secure_url``)."""

    def __init__(self, url: str, ca: str | Path | None = None, *, password_for: Callable[[str], str | None] | None
                 = None, timeout: float = 20.0, retries: int = 2) -> None:
        from bhxh_desk.app.gateway.client import require_secure_url

        if not url:
            raise BhxhError("gw.no_gateway")
        self.url = require_secure_url(url)          # an http:// gateway off this computer: refused, nothing sent
        self.ca = str(ca) if ca else None
        self.password_for = password_for
        self.timeout, self.retries = timeout, retries

    def client(self) -> GatewayClient:
        from bhxh_desk.app.gateway.client import GatewayClient

        return GatewayClient(self.url, ca_bundle=self.ca, timeout=self.timeout, retries=self.retries)

    def password(self, account: str, *, secret: str | None = None, env_var: str | None = None,
                 ask: Ask | None = None) -> str:
        """The account's password, from the first place that has it; a typed one is kept in the keyring
        (where there is one: otherwise it serves this session only)."""
        import contextlib

        from bhxh_desk.app.secrets import gateway_password, save_gateway_password

        if secret:
            return secret
        if env_var:
            return gateway_password(self.url, account, env_var)
        own = self.password_for(account) if self.password_for else None
        if own:
            return own
        try:
            return gateway_password(self.url, account)
        except BhxhError:
            typed = ask(account) if ask is not None else None
            if not typed:
                raise
            with contextlib.suppress(Exception):
                save_gateway_password(self.url, account, typed)
            return typed

    def connect(self, account: str, *, unit: str | None = None, secret: str | None = None,
                env_var: str | None = None, ask: Ask | None = None) -> GatewayClient:
        """A signed-in client (close it, or use it in ``with``)."""
        password = self.password(account, secret=secret, env_var=env_var, ask=ask)
        client = self.client()
        try:
            client.login(account, password, unit=unit)
        except BaseException:
            client.close()
            raise
        return client

    def trust(self) -> list[x509.Certificate]:
        """The certificates a result document's signature must chain to: the gateway's CA file."""
        from bhxh_desk.signing import certs

        return certs.load_pem_file(self.ca) if self.ca else []


class ToQueue(NamedTuple):
    """A signed file to file: its bytes, the unit it is for, and the stored dossier it came from, if any."""

    file: bytes
    unit: str
    draft_id: int | None = None


class SendOutcome(NamedTuple):
    results: list[Submission]                  # every submission, as it now stands
    waiting: list[tuple[Submission, str]]      # still queued or in doubt, and why (the gateway unreachable)

    @property
    def refused(self) -> list[Submission]:
        return [s for s in self.results if s.state is workflow.State.REJECTED]


def from_store(store: Store, draft_ids: Sequence[int]) -> list[ToQueue]:
    """The stored dossiers' signed files, for those whose state lets them be filed (app.workflow)."""
    out = []
    for draft_id in draft_ids:
        workflow.require(store.draft_info(draft_id).state, workflow.Action.SUBMIT)
        data = store.signed_file(draft_id)
        if data is not None:
            out.append(ToQueue(data, store.load_draft(draft_id).unit.code, draft_id))
    return out


def queue(store: Store, items: Sequence[ToQueue], *, gateway: str, account: str | None) -> list[Submission]:
    """Into the outbox first, each with its idempotency key, before anything is sent: what is queued is
    filed exactly once, whenever the gateway can be reached."""
    from bhxh_desk.app.store.outbox import Outbox

    outbox = Outbox(store)
    return [outbox.queue(i.file, gateway=gateway, account=account or i.unit, unit=i.unit, draft_id=i.draft_id)
            for i in items]


def send(store: Store, subs: Sequence[Submission], client: GatewayClient | None, trust: Sequence[x509.Certificate],
         *, progress: Progress | None = None, cancel: threading.Event | None = None) -> SendOutcome:
    """Send what is queued or in doubt; with no client (the gateway could not be reached) all of it waits.
    An answer the client did not understand leaves that dossier in doubt, to be sent again with its key."""
    from bhxh_desk.app.filing import Filing
    from bhxh_desk.app.store.outbox import Outbox

    outbox = Outbox(store)
    filing = Filing(outbox, client, trust) if client is not None else None
    results, waiting = [], []
    for n, given in enumerate(subs, start=1):
        sub = outbox.get(given.id)          # as it stands now: another worker or a sync may have filed it
        if cancel is not None and cancel.is_set():
            results.append(sub)
            continue
        if sub.state not in (workflow.State.QUEUED, workflow.State.SUBMITTED):
            results.append(sub)
        elif filing is None:
            results.append(sub)
            waiting.append((sub, ""))
        else:
            try:
                results.append(filing.send(sub))
            except (Unreachable, Unexpected) as exc:
                now = outbox.get(sub.id)
                results.append(now)
                waiting.append((now, exc.message("vi")))
        if progress is not None:
            progress(n, len(subs), sub.so_ho_so or f"#{sub.id}")
    return SendOutcome(results, waiting)


def sync(store: Store, client: GatewayClient, trust: Sequence[x509.Certificate], *,
         on_progress: Callable[[Submission], None] | None = None) -> SyncReport:
    """Send everything queued or in doubt for this gateway, and settle everything pending."""
    from bhxh_desk.app.filing import Filing
    from bhxh_desk.app.store.outbox import Outbox

    return Filing(Outbox(store), client, trust).sync(on_progress=on_progress)


def status(store: Store, client: GatewayClient, trust: Sequence[x509.Certificate],
           so_ho_so: str) -> Submission | DossierStatus:
    """A dossier filed from here is settled (its result fetched and verified); another is only asked."""
    from bhxh_desk.app.filing import Filing
    from bhxh_desk.app.store.outbox import Outbox

    outbox = Outbox(store)
    try:
        sub = outbox.find(so_ho_so)
    except BhxhError:
        return client.status(so_ho_so=so_ho_so)
    return Filing(outbox, client, trust).settle(sub)
