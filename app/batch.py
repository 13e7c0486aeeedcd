"""Batches the window runs in the background, with no Qt in them: sign many dossiers under one login,
file many signed dossiers. Each opens its own connection to the store (SQLite connections stay on the
thread that made them) and reports progress through a plain callback; ``cancel`` stops between dossiers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bhxh_desk.app.store import Store
from bhxh_desk.forms.errors import BhxhError

Report = Callable[[int, int, str], None]


@dataclass
class BatchOutcome:
    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, BhxhError]] = field(default_factory=list)
    stopped: BhxhError | None = None          # what ended the batch early (token removed, cancelled...)


def sign_batch(store_path: Path, draft_ids: Sequence[int], *, module: str | None, token_serial: str, key_id: str,
               prompter, anchors, intermediates=(), report: Report, cancel: threading.Event,
               override_reason: str | None = None) -> BatchOutcome:
    """One login for the whole batch; each dossier is validated, built, checked against the certificate,
    signed (k + 1 signatures) and stored as Signed. A dossier with errors is skipped, not fatal."""
    from bhxh_desk.app import register
    from bhxh_desk.signing import certs
    from bhxh_desk.signing.dossier import sign_dossier
    from bhxh_desk.signing.errors import SigningError
    from bhxh_desk.signing.token.client import TokenHelper

    outcome = BatchOutcome()
    now = datetime.now(UTC)
    with Store(store_path) as store, TokenHelper(module) as helper:
        cert = helper.find(serial=token_serial, key_id=key_id)
        token_certs = [c.certificate for c in helper.certificates() if c.token.serial == cert.token.serial]
        with helper.session(cert, prompter, cancel=cancel) as session:
            for n, draft_id in enumerate(draft_ids, start=1):
                if cancel.is_set():
                    outcome.stopped = SigningError("sign.cancelled")
                    break
                try:
                    from bhxh_desk.forms.xmlbuild import build_forms

                    draft = store.load_draft(draft_id)
                    dossier = build_forms(draft)
                    certs.check_signing_certificate(cert.certificate, at=now,
                                                    unit_tax_code=dossier.draft.unit.tax_code,
                                                    override_reason=override_reason,
                                                    intermediates=[*intermediates, *token_certs], anchors=anchors)
                    store.set_signed(draft_id, sign_dossier(dossier, session, signing_time=now),
                                     f"{cert.token.describe()} key {cert.key_id}")
                    register.remember(store, draft)
                    outcome.done.append(draft_id)
                except SigningError as exc:      # the token itself failed: the rest waits for later
                    outcome.stopped = exc
                    break
                except BhxhError as exc:
                    outcome.failed.append((draft_id, exc))
                report(n, len(draft_ids), str(draft_id))
    return outcome


def submit_batch(store_path: Path, draft_ids: Sequence[int], *, client, gateway_trust, report: Report,
                 cancel: threading.Event) -> BatchOutcome:
    """Queue each signed dossier in the outbox, then send it; offline ones stay queued."""
    from bhxh_desk.app.filing import Filing
    from bhxh_desk.app.gateway.errors import Unreachable
    from bhxh_desk.app.store.outbox import Outbox

    outcome = BatchOutcome()
    with Store(store_path) as store:
        outbox = Outbox(store)
        filing = Filing(outbox, client, gateway_trust)
        for n, draft_id in enumerate(draft_ids, start=1):
            if cancel.is_set():
                break
            data = store.signed_file(draft_id)
            if data is None:
                continue
            draft = store.load_draft(draft_id)
            sub = outbox.queue(data, gateway=client.base_url, account=client.session.account if client.session
                               else draft.unit.code, unit=draft.unit.code, draft_id=draft_id)
            try:
                if sub.state.value in ("Queued", "Submitted"):
                    filing.send(sub)
                outcome.done.append(draft_id)
            except Unreachable as exc:
                outcome.stopped = exc
            except BhxhError as exc:
                outcome.failed.append((draft_id, exc))
            report(n, len(draft_ids), str(draft_id))
    return outcome


def sync(store_path: Path, *, client, gateway_trust):
    from bhxh_desk.app.filing import Filing
    from bhxh_desk.app.store.outbox import Outbox

    with Store(store_path) as store:
        return Filing(Outbox(store), client, gateway_trust).sync()
