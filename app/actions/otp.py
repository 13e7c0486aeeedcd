"""An individual's dossier confirmed with the SMS code instead of a signature: the command line and the
window both call these.

``request_code`` asks the gateway for a code bound to the dossier as it is now and remembers the request
in the store; ``confirm`` rebuilds the same unsigned envelope (same date), checks that nothing changed
since, and puts the code in place of the signature.
"""

from __future__ import annotations

from datetime import date

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
