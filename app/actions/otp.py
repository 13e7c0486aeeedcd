"""An individual's dossier confirmed with the SMS code instead of a signature: the command line and the
window both call these.

``request_code`` asks the gateway for a code bound to the dossier as it is now and remembers the request
in the store; ``confirm`` rebuilds the same unsigned envelope (same date), checks that nothing changed
since, and puts the code in place of the signature.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from bhxh_desk.app.store import Store
from bhxh_desk.app.store.otp_requests import OtpRequests
from bhxh_desk.forms.catalog import load_catalog
from bhxh_desk.forms.draft import Draft
from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.forms.xmlbuild import build_unsigned
from bhxh_desk.signing import otp


def require_person(draft: Draft) -> None:
    procedure = load_catalog().procedure(draft.procedure)
    if procedure is None or procedure.filer != "person":
        raise BhxhError("otp.not_person", procedure=draft.procedure)


def request_code(store: Store, client, draft: Draft, *, today: date | None = None):
    """Ask for a code; returns the gateway's challenge (where the SMS went, when it expires)."""
    require_person(draft)
    today = today or date.today()
    digest = otp.unsigned_digest(build_unsigned(draft, created=today))
    challenge = client.request_otp(draft.unit.code, digest)
    OtpRequests(store).remember(draft.unit.code, digest, challenge.request_id, today.isoformat())
    return challenge


def confirm(store: Store, draft: Draft, code: str) -> bytes:
    """The envelope with the code in ``CKy_Dvi``; refuses when no code was asked or the dossier changed."""
    require_person(draft)
    requests = OtpRequests(store).newest_first(draft.unit.code)
    if not requests:
        raise BhxhError("otp.no_request")
    newest = requests[0]
    unsigned = build_unsigned(draft, created=date.fromisoformat(newest.made_on))
    if otp.unsigned_digest(unsigned) != newest.digest:
        raise BhxhError("otp.draft_changed")
    return otp.attach(unsigned, otp.OtpAttachment(ma_so_bhxh=draft.unit.code, request_id=newest.request_id,
                                                  code=code.strip()))


def confirm_stored(store: Store, draft_id: int, code: str) -> None:
    """A stored dossier confirmed with its code: kept as its signed file (the dossier becomes Signed)."""
    from bhxh_desk.app import workflow

    workflow.require(store.draft_info(draft_id).state, workflow.Action.CONFIRM_OTP)
    store.set_signed(draft_id, confirm(store, store.load_draft(draft_id), code), "OTP")


def has_code_pending(store: Store, draft_id: int) -> bool:
    """Whether a code was asked for this dossier as it is now (the newest request is bound to its unsigned
    envelope): the dialog can then take the code from that SMS without sending another."""
    draft = store.load_draft(draft_id)
    requests = OtpRequests(store).newest_first(draft.unit.code)
    if not requests:
        return False
    try:
        unsigned = build_unsigned(draft, created=date.fromisoformat(requests[0].made_on))
    except BhxhError:
        return False
    return otp.unsigned_digest(unsigned) == requests[0].digest


def _filing(store: Store, draft_id: int):
    """The dossier's current submission: the newest made from it (an edit unlinks older ones first)."""
    from bhxh_desk.app.store.outbox import Outbox

    subs = [s for s in Outbox(store).all() if s.draft_id == draft_id]
    return subs[-1] if subs else None


def refused_code(store: Store, draft_id: int) -> tuple:
    """The gateway's reasons when this dossier was refused for its SMS code only (wrong, expired, used, not
    issued for it); () otherwise. Such a dossier can be confirmed again with a new code."""
    from bhxh_desk.app import workflow

    state = store.draft_info(draft_id).state
    sub = _filing(store, draft_id) if state is workflow.State.REJECTED else None
    if sub is None or workflow.after_refusal(state, [r.code for r in sub.reasons]) is None:
        return ()
    return sub.reasons


def recover(store: Store, draft_id: int) -> None:
    """A dossier whose code was refused goes back to Valid; its refused submission is retired, so that
    neither it nor its idempotency key is ever sent again (app.store.outbox.Outbox.retire)."""
    from bhxh_desk.app import workflow
    from bhxh_desk.app.store.outbox import Outbox

    state = store.draft_info(draft_id).state
    sub = _filing(store, draft_id)
    back = workflow.after_refusal(state, [r.code for r in sub.reasons]) if sub is not None else None
    if back is None:
        workflow.require(state, workflow.Action.CONFIRM_OTP)
        return
    Outbox(store).retire(sub.id, back)


def request_code_stored(store: Store, client, draft_id: int, *, today: date | None = None):
    """The window's "Gửi mã": a dossier refused for its code is recovered first, then a code is asked for."""
    from bhxh_desk.app import workflow

    recover(store, draft_id)
    workflow.require(store.draft_info(draft_id).state, workflow.Action.CONFIRM_OTP)
    return request_code(store, client, store.load_draft(draft_id), today=today)


class CodeOutcome(NamedTuple):
    """What became of a typed code: the filing as it stands, why it waits (the gateway could not be
    reached), and the reasons when the gateway refused the code (the dossier is then Valid again)."""

    submission: object
    waiting: str
    refused: tuple


def confirm_and_file(store: Store, draft_id: int, code: str, client, trust, *, gateway: str,
                     account: str | None = None) -> CodeOutcome:
    """Enter in the code box: the code goes into the dossier and the dossier to the gateway at once, since
    only the gateway can tell whether the code is right. A refused code retires that filing and leaves the
    dossier Valid, ready for a new code; no client (the gateway unreachable) leaves it queued."""
    from bhxh_desk.app.actions import gateway as filing

    confirm_stored(store, draft_id, code)
    queued = filing.queue(store, filing.from_store(store, [draft_id]), gateway=gateway, account=account)
    outcome = filing.send(store, queued, client, trust)
    sub = outcome.results[0]
    refused = refused_code(store, draft_id)
    if refused:
        recover(store, draft_id)
    return CodeOutcome(sub, outcome.waiting[0][1] if outcome.waiting else "", refused)
