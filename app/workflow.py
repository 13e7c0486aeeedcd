"""The dossier's life cycle, with no Qt in it.

    Draft ⇄ Valid → Signed → Queued → Submitted → Received → Processing → Result
                      ↑ (edit) ↓                                   └────────→ Rejected
An edit sends a Valid or Signed dossier back to Draft (a signature covers exact bytes). Rejected can go
back to Draft to be corrected and filed again. The store refuses any other move.
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
    State.REJECTED: frozenset({State.DRAFT}),
}

EDITABLE = frozenset({State.DRAFT, State.VALID, State.SIGNED, State.REJECTED})


def can_move(src: State, dst: State) -> bool:
    return dst in TRANSITIONS[src]


def after_edit(state: State) -> State:
    """The state a dossier falls back to when its content changes."""
    return State.DRAFT
