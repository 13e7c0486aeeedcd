"""The dossier's life cycle, with no Qt in it.

    Draft ⇄ Valid → Signed → Queued → Submitted → Received → Processing → Result
                      ↑ (edit) ↓                                   └────────→ Rejected
An edit sends a Valid or Signed dossier back to Draft (a signature covers exact bytes). Rejected can go
back to Draft to be corrected and filed again, or, when only the SMS code was refused, back to Valid to be
confirmed again with a new code (its refused submission retired). The store refuses any other move.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    DRAFT = "Draft"
    VALID = "Valid"
    SIGNED = "Signed"
    QUEUED = "Queued"
    SUBMITTED = "Submitted"
    RECEIVED = "Received"
    PROCESSING = "Processing"
    RESULT = "Result"
    REJECTED = "Rejected"


LABELS_VI = {
    State.DRAFT: "Nháp", State.VALID: "Hợp lệ", State.SIGNED: "Đã ký", State.QUEUED: "Chờ gửi",
    State.SUBMITTED: "Đã gửi", State.RECEIVED: "Đã tiếp nhận", State.PROCESSING: "Đang xử lý",
    State.RESULT: "Có kết quả", State.REJECTED: "Bị từ chối",
}

TRANSITIONS: dict[State, frozenset[State]] = {
    State.DRAFT: frozenset({State.VALID}),
    State.VALID: frozenset({State.DRAFT, State.SIGNED}),
    State.SIGNED: frozenset({State.DRAFT, State.QUEUED, State.SUBMITTED}),
    State.QUEUED: frozenset({State.SUBMITTED, State.SIGNED}),
    State.SUBMITTED: frozenset({State.RECEIVED, State.REJECTED, State.QUEUED}),
    State.RECEIVED: frozenset({State.PROCESSING, State.RESULT, State.REJECTED}),
    State.PROCESSING: frozenset({State.RESULT, State.REJECTED}),
    State.RESULT: frozenset(),
    State.REJECTED: frozenset({State.DRAFT, State.VALID}),
}

LABELS_EN = {state: state.value for state in State}


class Action(StrEnum):
    """What a user can do to a dossier; which states allow it is decided here, once, for both faces."""

    EDIT = "edit"
    SIGN = "sign"
    CONFIRM_OTP = "otp"
    SUBMIT = "submit"
    DELETE = "delete"
    COPY = "copy"


ALLOWED: dict[Action, frozenset[State]] = {
    # Editing a signed dossier drops its signature (the window asks first); a result is final: a correction
    # is filed as a new dossier copied from it.
    Action.EDIT: frozenset({State.DRAFT, State.VALID, State.SIGNED, State.REJECTED}),
    # Valid gates signing: a dossier with errors is never signed, from either face.
    Action.SIGN: frozenset({State.VALID}),
    Action.CONFIRM_OTP: frozenset({State.VALID}),
    Action.SUBMIT: frozenset({State.SIGNED, State.QUEUED}),
    # What was sent to the gateway stays: its receipt and result are the unit's record.
    Action.DELETE: frozenset({State.DRAFT, State.VALID, State.SIGNED}),
    # Copying into a new dossier is how a filed one is corrected; any dossier can be copied.
    Action.COPY: frozenset(State),
}

EDITABLE = ALLOWED[Action.EDIT]


def allowed(state: State, action: Action) -> bool:
    return state in ALLOWED[action]


def require(state: State, action: Action) -> None:
    """Raise the translated refusal when ``action`` is not allowed in ``state``."""
    if not allowed(state, action):
        from bhxh_desk.forms.errors import BhxhError

        raise BhxhError(f"workflow.cannot_{action.value}", state_vi=LABELS_VI[state], state_en=LABELS_EN[state])


def after_check(state: State, errors: int) -> State | None:
    """Where a validation moves a dossier: Draft ⇄ Valid by its errors; any other state stays."""
    if state is State.DRAFT and errors == 0:
        return State.VALID
    if state is State.VALID and errors:
        return State.DRAFT
    return None


def can_move(src: State, dst: State) -> bool:
    return dst in TRANSITIONS[src]


def after_edit(state: State) -> State:
    """The state a dossier falls back to when its content changes."""
    return State.DRAFT


class Lock(StrEnum):
    """How a dossier opens in an editor: free to edit, behind a question, or read-only."""

    OPEN = "open"
    ASK = "ask"            # a change drops what was done (the signature, the refused filing): asked first
    CLOSED = "closed"      # on its way to, or at, the gateway: read-only; a correction is a copy


def lock(state: State) -> Lock:
    if state in (State.DRAFT, State.VALID):
        return Lock.OPEN
    if state in EDITABLE:
        return Lock.ASK
    return Lock.CLOSED


# Why a dossier is read-only, and what changing it costs: message codes (resources/i18n/messages.toml).
LOCK_NOTICE = {
    State.SIGNED: "workflow.locked_signed", State.QUEUED: "workflow.locked_queued",
    State.SUBMITTED: "workflow.locked_filed", State.RECEIVED: "workflow.locked_filed",
    State.PROCESSING: "workflow.locked_filed", State.RESULT: "workflow.locked_result",
    State.REJECTED: "workflow.locked_rejected",
}
EDIT_QUESTION = {State.SIGNED: "workflow.edit_signed", State.REJECTED: "workflow.edit_rejected"}

# The gateway's refusals that are about the SMS code only: the dossier's content was not judged, so it goes
# back to Valid to be confirmed with a new code (app.actions.otp.recover).
CODE_REFUSALS = frozenset({"otp.wrong", "otp.expired", "otp.used", "otp.not_bound"})


def after_refusal(state: State, reason_codes: list[str] | tuple[str, ...]) -> State | None:
    """Where a refused dossier goes when the user asks to try again: Valid when only its code was refused."""
    if state is State.REJECTED and reason_codes and all(c in CODE_REFUSALS for c in reason_codes):
        return State.VALID
    return None
