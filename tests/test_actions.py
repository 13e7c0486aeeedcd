"""The application layer (app/actions): each use case run without Qt, the faces kept thin, the store's SQL
its own, the dossier's one state machine, and the checks that bind a result to its dossier."""

from __future__ import annotations

import ast
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from bhxh_desk.app.workflow import Action, State, allowed
from bhxh_desk.forms.draft import draft_from_dict
from tests.conftest import ROOT, minimal_dict

RELEASE = ROOT / "tests" / "data" / "release-0.1.0"
APP = [sys.executable, "-m", "bhxh_desk.app"]


def _modules(*folders: str):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _imports(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


# ---------------------------------------------------------------- thin faces, one layer

@pytest.mark.parametrize("group", ["drafts", "otp"])
def test_a_command_group_with_no_action_prints_its_help_and_exits_2(group, tmp_path):
    r = subprocess.run([*APP, group], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and r.stdout.startswith(f"usage: bhxh-desk {group}"), r.stdout + r.stderr
    assert "ACTION" in r.stdout and "Traceback" not in r.stderr


def test_the_window_imports_nothing_of_the_command_line():
    for path, tree in _modules("app/ui"):
        assert not {m for m in _imports(tree) if m.startswith("bhxh_desk.app.cli")}, path


def test_the_command_line_and_the_entry_point_import_no_circle():
    for path, tree in _modules("app/cli", "app/actions"):
        assert "bhxh_desk.app.launch" not in _imports(tree), path
    for path, tree in _modules("app/actions"):
        assert not {m for m in _imports(tree) if m.startswith(("bhxh_desk.app.cli", "bhxh_desk.app.ui",
                                                                "PySide6"))}, path


PRIVATE = {"_conn", "_tx", "_audit", "_info_row", "_begin_edit", "_write_forms", "_unit_by_code", "_set", "_mirror"}


def test_nothing_outside_the_store_touches_its_private_names():
    for path, tree in _modules("app", "forms", "signing", "tests", "bench"):
        if "app/store/" in path.as_posix() or path.name == "test_actions.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE and \
                    not (isinstance(node.value, ast.Name) and node.value.id == "self"):
                raise AssertionError(f"{path}:{node.lineno} touches .{node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bhxh_desk.app.store") and \
                    any(a.name.startswith("_") for a in node.names):
                raise AssertionError(f"{path}:{node.lineno} imports a private name of the store")


def test_workflow_decides_what_each_state_allows():
    assert allowed(State.VALID, Action.SIGN) and not allowed(State.DRAFT, Action.SIGN)
    assert not allowed(State.SIGNED, Action.SIGN) and allowed(State.SIGNED, Action.SUBMIT)
    assert not allowed(State.RESULT, Action.EDIT) and not allowed(State.SUBMITTED, Action.DELETE)
    assert allowed(State.REJECTED, Action.EDIT)


# ---------------------------------------------------------------- signing, one use case for both faces

def _stored(store, **unit) -> int:
    d = minimal_dict()
    d["unit"].update(unit)
    return store.create_draft(draft_from_dict(d))


def test_signing_stored_dossiers_without_qt_updates_the_register(hsm, trust_files, tmp_path, pki):
    from bhxh_desk.app.actions import signing
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.register import lookup
    from bhxh_desk.forms.xmlbuild import InvalidDossier
    from bhxh_desk.signing.prompter import EnvPinPrompter
    from bhxh_desk.signing.token.client import TokenHelper

    with Store(tmp_path / "s.sqlite3") as store:
        good = _stored(store)
        bad_dict = minimal_dict()
        bad_dict["forms"]["D02-TS"][0]["Masobhxh"] = "12"
        bad = store.create_draft(draft_from_dict(bad_dict))
        seen = []
        with TokenHelper(hsm.module) as helper:
            result = signing.sign_stored(store, [good, bad], helper=helper, choice=signing.TokenChoice(),
                                         prompter=EnvPinPrompter("TEST_PIN"),
                                         extra_trust=[str(p) for p in trust_files],
                                         progress=lambda n, total, label: seen.append((n, total, label)))
        assert [s.target for s in result.signed] == [good] and result.stopped is None
        assert [(f.target, type(f.error)) for f in result.failed] == [(bad, InvalidDossier)]
        assert seen == [(1, 1, f"#{good}")]
        assert store.draft_info(good).state is State.SIGNED and store.draft_info(bad).state is State.DRAFT
        from bhxh_desk.signing.dossier import verify_dossier

        checked = verify_dossier(store.signed_file(good), anchors=[pki.root.cert],
                                 intermediates=[pki.intermediate.cert])
        assert len(checked) == 2 and all(c.ok for c in checked)
        assert lookup(store, "TA1234A", ma_so_bhxh="0123456789")["Hoten"] == "Phạm Quốc Huy"


def _sign_draft_cli(draft: dict, tmp_path, home, hsm, trust_files, *extra: str) -> subprocess.CompletedProcess:
    """``bhxh-desk sign d.json -o s.xml`` on the test token, in ``tmp_path``, with ``home`` as its home."""
    path = tmp_path / "d.json"
    path.write_text(json.dumps(draft, ensure_ascii=False), encoding="utf-8")
    root, inter = trust_files
    return subprocess.run([*APP, "sign", str(path), "-o", str(tmp_path / "s.xml"), "--pkcs11-module",
                           str(hsm.module), "--pin-env", "TEST_PIN", "--trust", str(root), "--trust", str(inter),
                           *extra], capture_output=True, text=True, env={**os.environ, "BHXH_DESK_HOME": str(home)})


def test_signing_a_draft_from_the_command_line_updates_the_register_too(hsm, trust_files, tmp_path):
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.register import lookup

    home = tmp_path / "home"
    r = _sign_draft_cli(minimal_dict(), tmp_path, home, hsm, trust_files)
    assert r.returncode == 0, r.stderr
    with Store(home / "data" / "bhxh-desk.sqlite3") as store:
        assert lookup(store, "TA1234A", ma_so_bhxh="0123456789")["chucVu"] == "Trưởng phòng"


def test_a_draft_whose_signed_file_cannot_be_written_leaves_the_register_as_it_was(hsm, trust_files, tmp_path):
    """The people are written while the form is still being checked, and committed only with the file."""
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.register import lookup

    home = tmp_path / "home"
    (tmp_path / "s.xml").mkdir()       # a folder where the file should go: it cannot be renamed over it
    r = _sign_draft_cli(minimal_dict(), tmp_path, home, hsm, trust_files)
    assert r.returncode != 0 and "s.xml" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert (tmp_path / "s.xml").is_dir()
    with Store(home / "data" / "bhxh-desk.sqlite3") as store:
        assert lookup(store, "TA1234A", ma_so_bhxh="0123456789") is None


def test_a_draft_whose_people_the_register_cannot_take_is_not_written(hsm, trust_files, tmp_path):
    """The register is written in a second thread while the dossier is signed; the file is made only once it
    has taken the people: when it cannot, there is no signed file (nor a part of one), and a clear message."""
    import sqlite3

    from bhxh_desk.app.store import Store

    home = tmp_path / "home"
    with Store(home / "data" / "bhxh-desk.sqlite3"):
        pass
    conn = sqlite3.connect(home / "data" / "bhxh-desk.sqlite3")
    conn.execute("CREATE TRIGGER full BEFORE INSERT ON employees BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    conn.commit()
    conn.close()
    r = _sign_draft_cli(minimal_dict(), tmp_path, home, hsm, trust_files)
    assert r.returncode != 0 and "disk full" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not [p.name for p in tmp_path.iterdir() if "s.xml" in p.name]


def test_an_agents_override_is_audited_the_same_from_both_faces(hsm, trust_files, tmp_path):
    """The window's signing dialog and `sign --override-tax-code` are one use case: same check, same audit."""
    from bhxh_desk.app.actions import signing
    from bhxh_desk.app.store import Store
    from bhxh_desk.signing.errors import CertificateError
    from bhxh_desk.signing.prompter import EnvPinPrompter
    from bhxh_desk.signing.token.client import TokenHelper

    reason = "Đại lý ký thay theo hợp đồng 12/2026"
    client = {"tax_code": "0399999999", "code": "TB5555B", "name": "Công ty Khách Hàng"}
    trust = [str(p) for p in trust_files]
    with Store(tmp_path / "window.sqlite3") as store, TokenHelper(hsm.module) as helper:
        draft_id = _stored(store, **client)
        with pytest.raises(CertificateError):               # no reason given: refused before any PIN
            signing.sign_stored(store, [draft_id], helper=helper, choice=signing.TokenChoice(),
                                prompter=EnvPinPrompter("TEST_PIN"), extra_trust=trust)
        result = signing.sign_stored(store, [draft_id], helper=helper, choice=signing.TokenChoice(),
                                     prompter=EnvPinPrompter("TEST_PIN"), override_reason=reason, extra_trust=trust)
        assert result.signed and store.draft_info(draft_id).state is State.SIGNED
        window_audit = [a for a in store.audit() if a.action == "tax-code-override"]
    home = tmp_path / "home"
    d = minimal_dict()
    d["unit"].update(client)
    r = _sign_draft_cli(d, tmp_path, home, hsm, trust_files, "--override-tax-code", reason)
    assert r.returncode == 0, r.stderr
    with Store(home / "data" / "bhxh-desk.sqlite3") as store:
        cli_audit = [a for a in store.audit() if a.action == "tax-code-override"]
    assert len(window_audit) == len(cli_audit) == 1
    assert window_audit[0].detail == cli_audit[0].detail
    assert "MST 0399999999" in cli_audit[0].detail and reason in cli_audit[0].detail


def test_a_dossier_that_was_not_valid_cannot_be_signed_once_filed(tmp_path):
    from bhxh_desk.app.actions import signing
    from bhxh_desk.app.store import Store
    from bhxh_desk.forms.errors import BhxhError

    with Store(tmp_path / "s.sqlite3") as store:
        draft_id = _stored(store)
        store.set_signed(draft_id, b"<signed/>")
        with pytest.raises(BhxhError) as info:
            signing.from_store(store, draft_id)
        assert info.value.code == "workflow.cannot_sign" and "Đã ký" in info.value.message("vi")


# ---------------------------------------------------------------- one state machine, and a store of the release

def test_a_queued_dossiers_state_is_its_submissions(tmp_path):
    from bhxh_desk.app.actions import gateway
    from bhxh_desk.app.gateway.protocol import Reason, Receipt
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.outbox import Outbox
    from bhxh_desk.forms.errors import BhxhError, StoreError

    with Store(tmp_path / "s.sqlite3") as store:
        draft_id = _stored(store)
        store.set_signed(draft_id, b"<signed/>")
        (sub,) = gateway.queue(store, gateway.from_store(store, [draft_id]), gateway="http://127.0.0.1:9",
                               account=None)
        outbox = Outbox(store)
        assert store.draft_info(draft_id).state is State.QUEUED
        outbox.attempt(sub.id)
        outbox.received(sub.id, Receipt("00001/2026/07906", "2026-12-02T09:00:00+07:00", 200, sub.digest,
                                        sub.idempotency_key))
        assert store.draft_info(draft_id).state is State.RECEIVED
        assert [i.id for i in store.drafts(state=State.RECEIVED)] == [draft_id]
        with pytest.raises(StoreError):
            store.set_header(draft_id, period="04/2026")        # filed: not editable
        outbox.refused(sub.id, [Reason("gw.refused", "Sai mã", "Wrong code")], "refused")
        assert store.draft_info(draft_id).state is State.REJECTED
        assert Outbox(store).get(sub.id).reasons[0].message("en") == "Wrong code"
        store.set_header(draft_id, period="04/2026")            # a correction: back to Draft, a new filing
        assert store.draft_info(draft_id).state is State.DRAFT
        assert Outbox(store).get(sub.id).state is State.REJECTED  # the refused filing stays as history
        other = _stored(store)
        store.set_signed(other, b"<signed other/>")
        (sent,) = gateway.queue(store, gateway.from_store(store, [other]), gateway="http://127.0.0.1:9", account=None)
        outbox.attempt(sent.id)
        with pytest.raises(BhxhError) as info:               # sent to the gateway: kept as the unit's record
            store.delete_draft(other)
        assert info.value.code == "workflow.cannot_delete"


def test_the_store_of_the_release_migrates_with_its_keys_and_states(tmp_path):
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.outbox import Outbox

    copy = tmp_path / "store.sqlite3"
    shutil.copy(RELEASE / "store.sqlite3", copy)
    before = sqlite3.connect(RELEASE / "store.sqlite3").execute(
        "SELECT id, draft_id, idempotency_key, state FROM submissions").fetchall()
    assert before and before[0][3] == "Queued"
    with Store(copy) as store:
        after = [(s.id, s.draft_id, s.idempotency_key, str(s.state)) for s in Outbox(store).all()]
        assert after == before
        assert store.draft_info(1).state is State.QUEUED              # from its submission, not a copy
        assert store.draft_info(2).state is State.DRAFT
        assert [s.state for s in store.history(1)][-1] is State.QUEUED
    version = sqlite3.connect(copy).execute("PRAGMA user_version").fetchone()[0]
    from bhxh_desk.app.store.schema import SCHEMA_VERSION

    assert version == SCHEMA_VERSION


# ---------------------------------------------------------------- the result names this very dossier

@pytest.mark.parametrize("wrong", ["SoHoSo", "DigestHoSo"])
def test_a_validly_signed_result_for_another_dossier_is_refused(tmp_path, pki, wrong):
    """Either half of the binding alone must refuse: a result signed by the gateway for another số hồ sơ,
    or for another file (digest), is never taken as this dossier's."""
    from bhxh_desk.app.filing import Filing
    from bhxh_desk.app.gateway.protocol import Receipt
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.outbox import Outbox
    from bhxh_desk.forms.canonical import XML_DECLARATION
    from bhxh_desk.signing.signer import KeySigner
    from bhxh_desk.signing.xmldsig import sign_file

    gateway = pki.leaf("0100000000", cn="Cổng thử nghiệm")
    with Store(tmp_path / "s.sqlite3") as store:
        outbox = Outbox(store)
        sub = outbox.queue(b"<signed/>", gateway="http://127.0.0.1:9", account="TA1234A", unit="TA1234A")
        sub = outbox.received(sub.id, Receipt("00001/2026/07906", "2026-12-02T09:00:00+07:00", 200, sub.digest,
                                              sub.idempotency_key))
        values = {"SoHoSo": sub.so_ho_so, "DigestHoSo": sub.digest}
        right = Filing(outbox, client=None, gateway_trust=[pki.root.cert, pki.intermediate.cert])

        def result(so_ho_so: str, digest: str) -> bytes:
            body = (f"<KetQua><SoHoSo>{so_ho_so}</SoHoSo><MaThuTuc>600</MaThuTuc><MaDonVi>TA1234A</MaDonVi>"
                    f"<TrangThai>202</TrangThai><NgayXuLy>20/03/2026</NgayXuLy><NoiDung>Chấp nhận</NoiDung>"
                    f"<DigestHoSo>{digest}</DigestHoSo><Cky></Cky></KetQua>")
            return sign_file(XML_DECLARATION + body.encode(), "Cky", KeySigner(gateway.key, gateway.cert))

        assert right.verify_result(sub, result(values["SoHoSo"], values["DigestHoSo"])) is True
        other = dict(values, **{wrong: "00002/2026/07906" if wrong == "SoHoSo" else "0" * 64})
        assert right.verify_result(sub, result(other["SoHoSo"], other["DigestHoSo"])) is False


# ---------------------------------------------------------------- days_within at its edges

@pytest.mark.parametrize(("start", "end", "days", "ok"), [
    ("01/03/2026", "30/03/2026", "30", True),      # both ends counted: 30 calendar days
    ("01/03/2026", "30/03/2026", "31", False),
    ("01/03/2026", "01/03/2026", "1", True),       # one day
    ("01/03/2026", "01/03/2026", "2", False),
    ("28/02/2026", "01/03/2026", "2", True),       # across a month end
    ("28/02/2026", "01/03/2026", "3", False),
])
def test_days_off_at_the_edges_of_the_calendar_span(start, end, days, ok):
    from bhxh_desk.forms.validate import validate

    d = json.loads((ROOT / "docs" / "examples" / "630a-om-dau.json").read_text(encoding="utf-8"))
    d["forms"]["M01B-HSB"][0]["OmDau"][0].update(tu_ngay=start, den_ngay=end, tong_so_ngay=days)
    exceeded = [i for i in validate(draft_from_dict(d)) if i.code == "rule.days_exceed"]
    assert (exceeded == []) is ok, exceeded


def test_an_agents_filing_for_a_person_signs_with_the_agents_own_token(tmp_path, pki, trust_files, hsm):
    """The envelope names the agent (ThongTinDaiLy), so the certificate must carry the agent's tax code: the
    agent's token signs with no override; another unit's token is refused before any PIN."""
    from tests.softhsm import create_token

    example = ROOT / "docs" / "examples" / "CN-TUTUAT-tu-tuat.json"
    agent = json.loads(example.read_text(encoding="utf-8"))["agent"]
    shutil.copytree(example.parent / "attachments", tmp_path / "attachments")
    draft = tmp_path / "d.json"
    shutil.copy(example, draft)
    own = create_token(tmp_path / "agent-token", pki, label="DAI LY TOKEN", tax_code=agent["tax_code"])
    root, inter = trust_files

    def sign(token, out: str) -> subprocess.CompletedProcess:
        return subprocess.run([*APP, "sign", str(draft), "-o", str(tmp_path / out), "--pkcs11-module",
                               str(token.module), "--pin-env", "TEST_PIN", "--trust", str(root), "--trust", str(inter)],
                              capture_output=True, text=True,
                              env={**os.environ, **token.env(), "TEST_PIN": token.pin,
                                   "BHXH_DESK_HOME": str(tmp_path / "home")})

    r = sign(own, "agent.xml")
    assert r.returncode == 0, r.stderr
    assert b"<ThongTinDaiLy>" in (tmp_path / "agent.xml").read_bytes()
    r = sign(hsm, "other.xml")                                     # HOA SEN's token (MST 0312345678)
    assert r.returncode == 2 and agent["tax_code"] in r.stderr and not (tmp_path / "other.xml").exists()
