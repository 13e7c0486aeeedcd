"""What each state lets a clerk do, decided in the core (no Qt): read-only locks and their notices, copying
a filed dossier into a new one, and an SMS code refused by the real sandbox gateway recovered from: the
dossier is Valid again, the refused filing retired (never sent again, its key never reused)."""

from __future__ import annotations

import sqlite3

import pytest

from bhxh_desk.app import workflow
from bhxh_desk.app.workflow import Action, Lock, State
from tests import sandbox as sbx
from tests.conftest import ROOT

PERSON = "0123456789"


def test_each_state_opens_open_behind_a_question_or_read_only():
    assert [workflow.lock(s) for s in State] == [
        Lock.OPEN, Lock.OPEN, Lock.ASK, Lock.CLOSED, Lock.CLOSED, Lock.CLOSED, Lock.CLOSED, Lock.CLOSED, Lock.ASK]
    for state in State:
        if workflow.lock(state) is not Lock.OPEN:       # every locked state says why, in both languages
            from bhxh_desk.forms.errors import BhxhError

            text = BhxhError(workflow.LOCK_NOTICE[state], state_vi="x", state_en="x").message("vi")
            assert "chỉ xem" in text
        if workflow.lock(state) is Lock.ASK:
            assert workflow.allowed(state, Action.EDIT) and state in workflow.EDIT_QUESTION
        else:
            assert state not in workflow.EDIT_QUESTION
    assert all(workflow.allowed(s, Action.COPY) for s in State)


def test_only_a_refused_code_sends_a_dossier_back_to_valid():
    assert workflow.after_refusal(State.REJECTED, ["otp.wrong"]) is State.VALID
    assert workflow.after_refusal(State.REJECTED, ["otp.expired", "otp.used"]) is State.VALID
    assert workflow.after_refusal(State.REJECTED, ["otp.wrong", "gw.invalid_file"]) is None   # content judged too
    assert workflow.after_refusal(State.REJECTED, []) is None
    assert workflow.after_refusal(State.RECEIVED, ["otp.wrong"]) is None
    assert workflow.can_move(State.REJECTED, State.VALID)


def _stored_600(store) -> int:
    from bhxh_desk.forms.draft import read_draft

    return store.create_draft(read_draft(ROOT / "docs" / "examples" / "600-bao-tang-giam.json"))


def test_a_copy_is_a_new_draft_and_a_filed_dossier_stays_undeletable(tmp_path):
    from bhxh_desk.app.actions import dossiers, gateway
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.outbox import Outbox
    from bhxh_desk.forms.draft import read_draft
    from bhxh_desk.forms.errors import BhxhError

    with Store(tmp_path / "s.sqlite3") as store:
        draft_id = _stored_600(store)
        store.set_signed(draft_id, b"<signed/>")
        (sub,) = gateway.queue(store, gateway.from_store(store, [draft_id]), gateway="http://127.0.0.1:9",
                               account=None)
        Outbox(store).attempt(sub.id)
        with pytest.raises(BhxhError) as info:
            dossiers.delete(store, draft_id)
        assert info.value.code == "workflow.cannot_delete"
        copy_id = dossiers.copy_into_new(store, draft_id)
        assert copy_id != draft_id and store.draft_info(copy_id).state is State.DRAFT
        assert store.load_draft(copy_id).forms == store.load_draft(draft_id).forms
        assert store.draft_info(draft_id).state is State.SUBMITTED           # the original is untouched
        out = dossiers.export(store, copy_id, tmp_path / "copy.json")
        assert read_draft(out).forms == store.load_draft(draft_id).forms
        dossiers.delete(store, copy_id)
        assert copy_id not in [i.id for i in store.drafts()]


@pytest.fixture
def person_gateway(tmp_path, trust_files):
    data = tmp_path / "sandbox"
    data.mkdir()
    sbx.add_account(data, PERSON, "--person", "--phone", "0987654321", "--name", "Lê Văn Tám")
    running = sbx.start(data, trust=trust_files)
    yield running
    running.stop()


def _last_code(running) -> str:
    from bhxh_desk.app.gateway.sandbox.db import SandboxDB

    db = SandboxDB(running.data / "sandbox.sqlite3")
    try:
        return db.sms(PERSON)[-1][1].split("cua ban la ")[1][:6]
    finally:
        db.close()


def _uploads(running) -> list[tuple]:
    conn = sqlite3.connect(running.data / "sandbox.sqlite3")
    try:
        return conn.execute("SELECT so_ho_so, idempotency_key FROM dossiers").fetchall()
    finally:
        conn.close()


def test_a_wrong_code_is_recovered_from_and_its_filing_never_sent_again(person_gateway, tmp_path):
    from bhxh_desk.app.actions import gateway, otp
    from bhxh_desk.app.actions.checking import record_check, validate
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.outbox import Outbox
    from bhxh_desk.forms.draft import read_draft

    access = gateway.GatewayAccess(person_gateway.url, person_gateway.ca)
    with Store(tmp_path / "s.sqlite3") as store, access.connect(PERSON, secret=sbx.PASSWORD) as client:
        draft_id = store.create_draft(read_draft(ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json"))
        errors = [i for i in validate(store.load_draft(draft_id), store) if i.severity.name == "ERROR"]
        assert record_check(store, draft_id, len(errors)) is State.VALID
        otp.request_code_stored(store, client, draft_id)
        code = _last_code(person_gateway)
        wrong = f"{(int(code) + 1) % 10**6:06d}"

        outcome = otp.confirm_and_file(store, draft_id, wrong, client, access.trust(), gateway=access.url)
        assert [r.code for r in outcome.refused] == ["otp.wrong"]
        assert "không đúng" in outcome.refused[0].message("vi")
        assert store.draft_info(draft_id).state is State.VALID            # confirmable again
        assert store.signed_file(draft_id) is None
        (refused,) = Outbox(store).all()
        assert refused.state is State.REJECTED                             # kept as history
        report = gateway.sync(store, client, access.trust())
        assert not report.sent and not report.refused                      # the retired filing is not sent
        assert _uploads(person_gateway) == []

        # The same request's right code now files it, as a new submission with a key of its own.
        outcome = otp.confirm_and_file(store, draft_id, code, client, access.trust(), gateway=access.url)
        assert outcome.refused == () and outcome.submission.state is State.RECEIVED
        assert store.draft_info(draft_id).state is State.RECEIVED
        first, second = Outbox(store).all()
        assert first.id == refused.id and first.state is State.REJECTED
        assert second.idempotency_key != first.idempotency_key
        assert [k for _, k in _uploads(person_gateway)] == [second.idempotency_key]


def test_a_used_code_asks_for_a_new_one_and_the_new_one_files(person_gateway, tmp_path):
    from bhxh_desk.app.actions import gateway, otp
    from bhxh_desk.app.actions.checking import record_check
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.outbox import Outbox
    from bhxh_desk.forms.draft import read_draft

    access = gateway.GatewayAccess(person_gateway.url, person_gateway.ca)
    example = ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json"
    with Store(tmp_path / "s.sqlite3") as store, access.connect(PERSON, secret=sbx.PASSWORD) as client:
        first = store.create_draft(read_draft(example))
        record_check(store, first, 0)
        otp.request_code_stored(store, client, first)
        code = _last_code(person_gateway)
        assert otp.confirm_and_file(store, first, code, client, access.trust(), gateway=access.url).refused == ()
        # A second dossier of the same person, confirmed with the code already used up: refused as used.
        second = store.create_draft(read_draft(example))
        store.set_header(second, period="05/2026")
        record_check(store, second, 0)
        otp.request_code_stored(store, client, second)
        from bhxh_desk.app.store.otp_requests import OtpRequests

        newest = OtpRequests(store).newest_first(PERSON)[0]
        with store.transaction() as c:       # the clerk types the earlier SMS's code for the earlier request
            c.execute("UPDATE otp_requests SET request_id = ? WHERE request_id = ?",
                      (OtpRequests(store).newest_first(PERSON)[1].request_id, newest.request_id))
        outcome = otp.confirm_and_file(store, second, code, client, access.trust(), gateway=access.url)
        assert {r.code for r in outcome.refused} <= {"otp.used", "otp.not_bound"} and outcome.refused
        assert store.draft_info(second).state is State.VALID
        otp.request_code_stored(store, client, second)                      # "Gửi lại mã"
        outcome = otp.confirm_and_file(store, second, _last_code(person_gateway), client, access.trust(),
                                       gateway=access.url)
        assert outcome.refused == () and store.draft_info(second).state is State.RECEIVED
        assert len([s for s in Outbox(store).all() if s.state is State.REJECTED]) == 1


def test_a_dossier_refused_for_its_code_after_a_separate_submit_recovers_on_send_again(person_gateway, tmp_path):
    from bhxh_desk.app.actions import gateway, otp
    from bhxh_desk.app.actions.checking import record_check
    from bhxh_desk.app.store import Store
    from bhxh_desk.forms.draft import read_draft

    access = gateway.GatewayAccess(person_gateway.url, person_gateway.ca)
    with Store(tmp_path / "s.sqlite3") as store, access.connect(PERSON, secret=sbx.PASSWORD) as client:
        draft_id = store.create_draft(read_draft(ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json"))
        record_check(store, draft_id, 0)
        otp.request_code_stored(store, client, draft_id)
        code = _last_code(person_gateway)
        otp.confirm_stored(store, draft_id, f"{(int(code) + 1) % 10**6:06d}")   # confirmed, then submitted
        queued = gateway.queue(store, gateway.from_store(store, [draft_id]), gateway=access.url, account=None)
        gateway.send(store, queued, client, access.trust())
        assert store.draft_info(draft_id).state is State.REJECTED
        assert [r.code for r in otp.refused_code(store, draft_id)] == ["otp.wrong"]
        otp.request_code_stored(store, client, draft_id)                    # recovers, then asks
        assert store.draft_info(draft_id).state is State.VALID
        assert otp.refused_code(store, draft_id) == ()


def test_a_vietnamese_message_names_its_thing_in_vietnamese():
    """Every ``what="…"`` the code passes to a message has its word in both languages (no "unit" inside a
    Vietnamese sentence)."""
    import re

    from bhxh_desk.forms.errors import StoreError
    from bhxh_desk.forms.messages import known_codes

    used = set()
    for folder in ("app", "forms", "signing"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(re.findall(r'\bwhat="([a-z ]+)"', path.read_text(encoding="utf-8")))
    assert used
    missing = {w for w in used if f"thing.{w.replace(' ', '_')}" not in known_codes()}
    assert not missing, missing
    assert StoreError("store.not_found", what="unit", key="TA1234A").message("vi") == \
        'Không tìm thấy đơn vị "TA1234A" trong kho.'
    assert "unit" in StoreError("store.not_found", what="unit", key="TA1234A").message("en")
