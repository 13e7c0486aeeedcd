"""A filing as a clerk reads it: the số hồ sơ, what became of it in words ("Đã duyệt", "Bị từ chối: …",
"Đang xử lý"), and its times in Vietnam's time (Asia/Ho_Chi_Minh, dd/mm/yyyy HH:mm), whatever zone the
gateway or the store wrote them in. The dossier list, the status bar and the receipt window all read their
words from here, so they can never disagree; the command line can render the same record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bhxh_desk.app.workflow import LABELS_EN, LABELS_VI, State

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")      # tzdata supplies it where the system has no zone files (Windows)

VERDICT_VI = {State.RESULT: "Đã duyệt", State.REJECTED: "Bị từ chối"}
VERDICT_EN = {State.RESULT: "Approved", State.REJECTED: "Refused"}


def local_time(text: str | None) -> str:
    """An ISO time (UTC, or with its own offset; none means UTC) as dd/mm/yyyy HH:mm in Vietnam; "" for
    nothing, and the text itself when it is no time at all (shown rather than lost)."""
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def state_text(state: State, lang: str = "vi", reasons: Sequence = ()) -> str:
    """The words for a state: an approved result is "Đã duyệt", a refusal names its reasons."""
    verdicts, labels = (VERDICT_EN, LABELS_EN) if lang == "en" else (VERDICT_VI, LABELS_VI)
    text = verdicts.get(state) or labels[state]
    if state is State.REJECTED and reasons:
        text += ": " + "; ".join(r.message(lang) for r in reasons)
    return text


@dataclass(frozen=True, slots=True)
class Readable:
    so_ho_so: str
    state: State
    headline: str                 # state_text with the reasons
    reasons: tuple[str, ...]      # each of the gateway's reasons, in the asked language
    received_at: str              # dd/mm/yyyy HH:mm, Vietnam
    updated_at: str               # when this computer last heard of it, dd/mm/yyyy HH:mm, Vietnam
    decided_on: str               # the result's own date (NgayXuLy), as the gateway wrote it
    result_text: str              # the result's own words (NoiDung)
    verified: bool                # the result's signature chains to the gateway's CA and names this dossier
    has_result: bool


def readable(sub, result: bytes | None, lang: str = "vi") -> Readable:
    """One submission (app.store.outbox.Submission) and its result document, in words."""
    decided, words = "", ""
    if result:
        from bhxh_desk.forms.errors import BhxhError
        from bhxh_desk.forms.xmlsafe import parse_xml

        try:
            root = parse_xml(result)
            decided, words = root.findtext("NgayXuLy") or "", root.findtext("NoiDung") or ""
        except BhxhError:
            words = ""
    return Readable(so_ho_so=sub.so_ho_so or "", state=sub.state, headline=state_text(sub.state, lang, sub.reasons),
                    reasons=tuple(r.message(lang) for r in sub.reasons), received_at=local_time(sub.received_at),
                    updated_at=local_time(sub.updated_at), decided_on=decided, result_text=words,
                    verified=bool(sub.result_verified), has_result=result is not None)


# The status bar's tally: the same words as the list, in the order a filing moves.
TALLY = (State.QUEUED, State.SUBMITTED, State.RECEIVED, State.PROCESSING, State.RESULT, State.REJECTED)


def tally(states: Sequence[State], lang: str = "vi") -> str:
    """"Chờ gửi 1 · Đã duyệt 2 · Bị từ chối 1": each filing state that has dossiers, with how many."""
    parts = [f"{state_text(s, lang)} {n}" for s in TALLY if (n := sum(1 for x in states if x is s))]
    return " · ".join(parts)


def sent_summary(results: Sequence, waiting: int, lang: str = "vi") -> str:
    """After "Nộp": how many the gateway received, which it refused and why, how many still wait; a
    refusal is never counted as sent."""
    from bhxh_desk.forms.messages import render

    received = sum(1 for s in results if s.state in (State.RECEIVED, State.PROCESSING, State.RESULT))
    parts = [render("receipt.received", lang, done=received, total=len(results))]
    parts += [render("receipt.refused", lang, so_ho_so=s.so_ho_so or f"#{s.id}", why=state_text(s.state, lang,
                                                                                                s.reasons))
              for s in results if s.state is State.REJECTED]
    if waiting:
        parts.append(render("receipt.waiting", lang, count=waiting))
    return " ".join(parts)
