"""The gateway, end to end over HTTP on 127.0.0.1: the real sandbox server, the real client, the real
SQLite outbox (app.gateway, app.filing, app.store.outbox, the gateway commands)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from lxml import etree

from bhxh_desk.app.filing import Filing
from bhxh_desk.app.gateway.client import GatewayClient
from bhxh_desk.app.gateway.errors import Refused, Unreachable
from bhxh_desk.app.store import Store
from bhxh_desk.app.store.outbox import Outbox
from bhxh_desk.app.workflow import State
from bhxh_desk.forms.draft import draft_from_dict, read_draft
from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.forms.xmlbuild import build_forms
from bhxh_desk.signing import certs
from bhxh_desk.signing.dossier import sign_dossier
from bhxh_desk.signing.signer import KeySigner
from tests import sandbox as sbx
from tests.conftest import EXAMPLE, ROOT, minimal_dict

UNIT, MST = "TA1234A", "0312345678"


@pytest.fixture
def signer(pki):
    leaf = pki.leaf(MST)
    return KeySigner(leaf.key, leaf.cert)


@pytest.fixture
def gateway(tmp_path, trust_files, signer):
    """A running sandbox with the unit's account and its certificate registered through the protocol."""
    running = _start(tmp_path, trust_files, "--processing-after", "0.2", "--result-after", "0.5")
    yield running
    running.stop()


def _start(tmp_path, trust_files, *flags, register=True, signer=None, tls=False):
    data = tmp_path / "sandbox"
    data.mkdir(exist_ok=True)
    sbx.add_account(data, UNIT, "--tax-code", MST, "--name", "Công ty TNHH Hoa Sen")
    running = sbx.start(data, *flags, *(["--tls"] if tls else []), trust=trust_files)
    return running


def client_for(running, **kw) -> GatewayClient:
    c = GatewayClient(running.url, ca_bundle=running.ca, backoff=0.01, **kw)
    c.login(UNIT, sbx.PASSWORD)
    return c


def register(running, signer) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    with client_for(running) as c:
        c.register_certificate(signer.certificate.public_bytes(Encoding.DER))


def signed(signer, i: int = 0, **changes) -> bytes:
    d = minimal_dict()
    d["forms"]["D02-TS"][0]["Masobhxh"] = f"{i:010d}"
    d["forms"]["D02-TS"][0].update(changes)
    return sign_dossier(build_forms(draft_from_dict(d)), signer)


def gateway_args(running, *extra: str) -> list[str]:
    return ["--gateway", running.url, "--unit", UNIT, "--password-env", "SANDBOX_PW", "--ca", str(running.ca),
            *extra]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bhxh_desk.app", *args], capture_output=True, text=True, cwd=ROOT,
                          env=sbx.app_env(), timeout=300)


def sandbox_rows(running) -> list[tuple]:
    conn = sqlite3.connect(running.data / "sandbox.sqlite3")
    rows = conn.execute("SELECT so_ho_so, digest, idempotency_key FROM dossiers").fetchall()
    conn.close()
    return rows


# ---------------------------------------------------------------- the happy path

def test_health_and_protocol_header(gateway):
    with GatewayClient(gateway.url) as c:
        assert c.health().protocol == "bhxh-gw/1"


def test_file_a_signed_dossier_and_get_a_verified_result(gateway, signer, tmp_path):
    register(gateway, signer)
    path = tmp_path / "BHXHDienTu.xml"
    path.write_bytes(sign_dossier(build_forms(read_draft(EXAMPLE)), signer))
    r = cli("submit", str(path), *gateway_args(gateway, "--json"))
    assert r.returncode == 0, r.stderr
    (receipt,) = json.loads(r.stdout)
    assert receipt["state"] == "Received" and receipt["status"] == 200
    year = time.gmtime().tm_year
    assert receipt["so_ho_so"] == f"00001/{year}/07906"
    time.sleep(0.6)
    r = cli("sync", *gateway_args(gateway, "--json"))
    assert r.returncode == 0, r.stderr
    (settled,) = json.loads(r.stdout)["settled"]
    assert settled["state"] == "Result" and settled["result_verified"] is True
    out = tmp_path / "export.xml"
    assert cli("export-signed", receipt["so_ho_so"], "-o", str(out), "--result").returncode == 0
    assert out.read_bytes() == path.read_bytes()
    assert b"<TrangThai>202</TrangThai>" in out.with_suffix(".ketqua.xml").read_bytes()


def test_rejection_203_with_reasons(gateway, signer):
    register(gateway, signer)
    with Store() as store, client_for(gateway) as c:
        outbox = Outbox(store)
        filing = Filing(outbox, c, certs.load_pem_file(gateway.ca))
        sub = filing.send(outbox.queue(signed(signer, 9900000001, Masobhxh="9900000001"), gateway=gateway.url,
                                       account=UNIT, unit=UNIT))
        assert sub.state is State.RECEIVED
        time.sleep(0.6)
        sub = filing.settle(sub)
    assert sub.state is State.REJECTED and sub.status == 203 and sub.result_verified
    assert "9900000001" in sub.reasons[0].message_vi


# ---------------------------------------------------------------- refusals, each with its reason

def refusal_of(running, data: bytes) -> Refused:
    with client_for(running) as c, pytest.raises(Refused) as info:
        c.submit(data, "key-" + str(time.monotonic_ns()))
    assert info.value.http_status in (403, 422)
    assert info.value.message("vi") and info.value.message("en")
    return info.value


def test_tampered_file_is_refused(gateway, signer):
    register(gateway, signer)
    data = signed(signer).replace("Nguyễn Thị Lan".encode(), "Nguyễn Thị Lam".encode())
    assert refusal_of(gateway, data).code == "sig.invalid"


def test_unregistered_certificate_is_refused(gateway, signer):
    err = refusal_of(gateway, signed(signer))
    assert err.code == "gw.cert_not_registered" and UNIT in err.message("vi")


def test_wrong_tax_code_is_refused(gateway, signer):
    register(gateway, signer)
    sbx.add_account(gateway.data, UNIT, "--tax-code", "0109999999")      # the unit's tax code was corrected
    err = refusal_of(gateway, signed(signer))
    assert err.code == "cert.tax_code_mismatch" and "0109999999" in err.message("vi")


def test_registration_refuses_a_foreign_tax_code(gateway, pki):
    from cryptography.hazmat.primitives.serialization import Encoding

    other = pki.leaf("0107777777")
    with client_for(gateway) as c, pytest.raises(Refused) as info:
        c.register_certificate(other.cert.public_bytes(Encoding.DER))
    assert info.value.code == "cert.tax_code_mismatch"


def test_wrong_password_and_forbidden_unit(gateway):
    with GatewayClient(gateway.url) as c, pytest.raises(Refused) as info:
        c.login(UNIT, "sai")
    assert info.value.code == "auth.invalid" and "mật khẩu" in info.value.message("vi")
    with GatewayClient(gateway.url) as c:
        c.login(UNIT, sbx.PASSWORD, unit="TB9999B")
        with pytest.raises(Refused) as info:
            c.status(so_ho_so="00001/2026/07906")
    assert info.value.http_status == 403 and "TB9999B" in info.value.message("vi")


def test_agent_lists_its_units_and_files_for_one(gateway, signer, pki):
    from cryptography.hazmat.primitives.serialization import Encoding

    sbx.add_account(gateway.data, "DL0001", "--agent", "--tax-code", "0105555555", "--units", f"{UNIT},TB9999B")
    with GatewayClient(gateway.url, backoff=0.01) as c:
        session = c.login("DL0001", sbx.PASSWORD, unit=UNIT)
        assert session.units == sorted(["DL0001", UNIT, "TB9999B"])
        agent_cert = pki.leaf("0105555555")
        c.register_certificate(agent_cert.cert.public_bytes(Encoding.DER))
        receipt = c.submit(signed(KeySigner(agent_cert.key, agent_cert.cert)), "agent-key-1")
    assert receipt.status == 200


def test_no_password_anywhere_is_a_clear_message(gateway, tmp_path):
    r = cli("sync", "--gateway", gateway.url, "--unit", UNIT)
    assert r.returncode == 2 and "--password-env" in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------- OTP for individuals

PERSON = "0123456789"


def person_setup(running, tmp_path):
    sbx.add_account(running.data, PERSON, "--person", "--phone", "0987654321", "--name", "Lê Văn Tám")
    draft = ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json"
    args = ["--gateway", running.url, "--unit", PERSON, "--password-env", "SANDBOX_PW", "--ca", str(running.ca)]
    return draft, args


def read_code(running) -> tuple[str, str]:
    from bhxh_desk.app.gateway.sandbox.db import SandboxDB

    db = SandboxDB(running.data / "sandbox.sqlite3")          # the sandbox's SMS outbox: the person's phone
    try:
        text = db.sms(PERSON)[-1][1]
    finally:
        db.close()
    code = text.split("cua ban la ")[1].split(",")[0]
    request_id = text.split("ma yeu cau ")[1].split(",")[0]
    assert running.sms_outbox.read_text(encoding="utf-8").count(code) == 1
    return code, request_id


def test_individual_files_with_an_otp(gateway, tmp_path):
    draft, args = person_setup(gateway, tmp_path)
    r = cli("otp", "request", str(draft), *args)
    assert r.returncode == 0, r.stderr
    code, _ = read_code(gateway)
    out = tmp_path / "otp.xml"
    r = cli("sign", str(draft), "--otp", code, "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert b"<MaXacThuc>" + code.encode() + b"</MaXacThuc>" in out.read_bytes()
    r = cli("submit", str(out), *args, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["state"] == "Received"


def test_wrong_and_reused_otp_are_refused(gateway, tmp_path):
    from bhxh_desk.signing import otp

    draft, args = person_setup(gateway, tmp_path)
    assert cli("otp", "request", str(draft), *args).returncode == 0
    code, _ = read_code(gateway)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    out = tmp_path / "otp.xml"
    assert cli("sign", str(draft), "--otp", wrong, "-o", str(out)).returncode == 0
    with GatewayClient(gateway.url, backoff=0.01) as c:
        c.login(PERSON, sbx.PASSWORD)
        with pytest.raises(Refused) as info:
            c.submit(out.read_bytes(), "otp-wrong")
        assert info.value.code == "otp.wrong"
        assert cli("sign", str(draft), "--otp", code, "-o", str(out)).returncode == 0
        good = out.read_bytes()
        assert c.submit(good, "otp-good").status == 200
        # The same code replayed in a differently written file (same dossier, another byte string):
        replay = good.replace(b'<XacThucOTP xmlns="urn:bhxh-desk:otp">', b'<XacThucOTP  xmlns="urn:bhxh-desk:otp" >')
        assert replay != good and otp.read(etree.fromstring(replay)).code == code
        with pytest.raises(Refused) as info:
            c.submit(replay, "otp-replay")
        assert info.value.code == "otp.used"


def test_expired_otp_is_refused(tmp_path, trust_files):
    running = _start(tmp_path, trust_files, "--otp-ttl", "0.5")
    try:
        draft, args = person_setup(running, tmp_path)
        assert cli("otp", "request", str(draft), *args).returncode == 0
        code, _ = read_code(running)
        out = tmp_path / "otp.xml"
        assert cli("sign", str(draft), "--otp", code, "-o", str(out)).returncode == 0
        time.sleep(1.0)
        r = cli("submit", str(out), *args)
        assert r.returncode == 1 and "hết hạn" in r.stdout
    finally:
        running.stop()


def test_otp_for_a_unit_procedure_is_refused(tmp_path):
    r = cli("sign", str(EXAMPLE), "--otp", "123456", "-o", str(tmp_path / "x.xml"))
    assert r.returncode == 2 and "600" in r.stderr


# ---------------------------------------------------------------- transport

def test_untrusted_tls_is_refused_with_a_clear_message(tmp_path, trust_files):
    running = _start(tmp_path, trust_files, tls=True)
    try:
        assert running.url.startswith("https://")
        r = cli("sync", "--gateway", running.url, "--unit", UNIT, "--password-env", "SANDBOX_PW")
        assert r.returncode == 2 and "TLS" in r.stderr and "Traceback" not in r.stderr
        with GatewayClient(running.url) as c, pytest.raises(Unreachable) as info:
            c.health()
        assert info.value.code == "gw.tls_untrusted"
        with GatewayClient(running.url, ca_bundle=running.ca) as c:       # told to trust the sandbox CA
            assert c.health().status == "ok"
    finally:
        running.stop()


def test_offline_submission_queues_and_goes_out_later(tmp_path, trust_files, signer):
    path = tmp_path / "d.xml"
    path.write_bytes(signed(signer))
    dead = "http://127.0.0.1:9"          # nothing listens on the discard port
    r = cli("submit", str(path), "--gateway", dead, "--unit", UNIT, "--password-env", "SANDBOX_PW", "--timeout", "2")
    assert r.returncode == 2 and "hàng đợi" in r.stderr
    running = _start(tmp_path, trust_files)
    try:
        register(running, signer)
        with Store() as store:
            outbox = Outbox(store)
            (sub,) = outbox.all()
            assert sub.state is State.QUEUED
            with store.transaction() as c:   # the same outbox entry, now pointed at the gateway that is up
                c.execute("UPDATE submissions SET gateway = ? WHERE id = ?", (running.url, sub.id))
        r = cli("sync", *gateway_args(running, "--json"))
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["sent"][0]["state"] == "Received"
    finally:
        running.stop()


# ---------------------------------------------------------------- exactly once under faults

def test_fault_soak_files_every_dossier_exactly_once(tmp_path, trust_files, signer, capsys):
    running = _start(tmp_path, trust_files, "--lose-reply-rate", "0.3", "--reset-rate", "0.1", "--fault-seed", "11")
    try:
        # No retries inside the client: every lost reply leaves its dossier "in doubt" in the outbox, and the
        # next sync round must settle it by sending again with the same idempotency key.
        with GatewayClient(running.url, ca_bundle=running.ca, backoff=0.01, retries=0) as c:
            for _ in range(20):                      # sign-in is retried like any safe call
                try:
                    c.login(UNIT, sbx.PASSWORD)
                    break
                except Unreachable:
                    continue
            from cryptography.hazmat.primitives.serialization import Encoding

            for _ in range(20):
                try:
                    c.register_certificate(signer.certificate.public_bytes(Encoding.DER))
                    break
                except Unreachable:
                    continue
            with Store() as store:
                outbox = Outbox(store)
                files = [signed(signer, i) for i in range(200)]
                for data in files:
                    outbox.queue(data, gateway=running.url, account=UNIT, unit=UNIT)
                filing = Filing(outbox, c)
                rounds = 0
                while outbox.all((State.QUEUED, State.SUBMITTED)) and rounds < 60:
                    filing.sync()
                    rounds += 1
                local = outbox.all()
                attempts = sum(s.attempts for s in local)
        rows = sandbox_rows(running)
        filed = (State.RECEIVED, State.PROCESSING, State.RESULT)
        assert len(local) == 200 and all(s.so_ho_so and s.state in filed for s in local)
        assert attempts > 200                           # the faults did bite
        assert len(rows) == 200
        assert len({r[0] for r in rows}) == 200 and len({r[1] for r in rows}) == 200
        assert {s.so_ho_so for s in local} == {r[0] for r in rows}
        with capsys.disabled():
            print(f"\nfault soak: 200 dossiers, {attempts} uploads in {rounds} sync rounds "
                  f"(30% replies lost after store, 10% resets); gateway holds {len(rows)}, none twice")
    finally:
        running.stop()


def test_restart_in_the_middle_of_a_sync_loses_nothing(tmp_path, trust_files, signer):
    running = _start(tmp_path, trust_files, "--latency", "60")
    try:
        register(running, signer)
        with Store() as store:
            outbox = Outbox(store)
            for i in range(30):
                outbox.queue(signed(signer, 1000 + i), gateway=running.url, account=UNIT, unit=UNIT)
        proc = subprocess.Popen([sys.executable, "-m", "bhxh_desk.app", "sync", *gateway_args(running)], cwd=ROOT,
                                env=sbx.app_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first = proc.stdout.readline()              # one dossier is through: kill it mid-way
        assert first.strip()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with Store() as store:
            partial = [s for s in Outbox(store).all() if s.state is State.RECEIVED]
        assert 0 < len(partial) < 30
        r = cli("sync", *gateway_args(running))
        assert r.returncode == 0, r.stderr
        with Store() as store:
            local = Outbox(store).all()
        assert all(s.state in (State.RECEIVED, State.PROCESSING, State.RESULT) and s.so_ho_so for s in local)
        assert len(sandbox_rows(running)) == 30
    finally:
        running.stop()


def test_the_gateway_use_cases_run_without_qt(gateway, signer, tmp_path, trust_files):
    """app.actions.gateway and app.actions.otp, called as the window's workers call them: sign in once through
    GatewayAccess (here from a given secret), queue, send, sync to the verified result; and an individual's
    code requested and confirmed."""
    import time

    from bhxh_desk.app.actions import gateway as actions
    from bhxh_desk.app.actions import otp
    from bhxh_desk.app.store import Store
    from bhxh_desk.forms.draft import read_draft

    register(gateway, signer)
    access = actions.GatewayAccess(gateway.url, gateway.ca)
    asked = []
    with pytest.raises(BhxhError):          # no secret, no keyring entry, and the caller's ask says nothing
        access.password(UNIT, ask=lambda account: asked.append(account))
    assert asked == [UNIT]
    with Store(tmp_path / "s.sqlite3") as store:
        (sub,) = actions.queue(store, [actions.ToQueue(signed(signer, 7), UNIT)], gateway=access.url, account=UNIT)
        with access.connect(UNIT, secret=sbx.PASSWORD) as client:
            outcome = actions.send(store, [sub], client, access.trust())
            assert [s.state for s in outcome.results] == [State.RECEIVED] and not outcome.waiting
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                report = actions.sync(store, client, access.trust())
                if report.settled:
                    break
                time.sleep(0.3)
        (done,) = report.settled
        assert done.state is State.RESULT and done.result_verified
        offline = actions.send(store, [sub], None, access.trust())            # filed already: nothing resent
        assert offline.results[0].state is State.RESULT and not offline.waiting

    sbx.add_account(gateway.data, PERSON, "--person", "--phone", "0987654321", "--name", "Lê Văn Tám")
    draft = read_draft(ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json")
    with Store(tmp_path / "p.sqlite3") as store, access.connect(PERSON, secret=sbx.PASSWORD) as client:
        challenge = otp.request_code(store, client, draft)
        assert challenge.request_id
        code, _ = read_code(gateway)
        data = otp.confirm(store, draft, code)
    assert b"<CKy_Dvi>" in data and code.encode() in data
