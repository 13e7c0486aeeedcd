"""Signing on a real SoftHSM2 token and verifying with our verifier and xmlsec1 (signing/, app.cli sign|verify)."""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import pytest
from lxml import etree

from bhxh_desk.forms.draft import draft_from_dict
from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.forms.xmlbuild import build_form_files, build_forms
from bhxh_desk.forms.xmlread import read_envelope
from bhxh_desk.signing.dossier import sign_dossier, verify_dossier
from bhxh_desk.signing.errors import SignatureError, SigningError, TokenError
from bhxh_desk.signing.prompter import EnvPinPrompter, PinRequest
from bhxh_desk.signing.signer import KeySigner
from bhxh_desk.signing.token.client import TokenHelper
from bhxh_desk.signing.token.records import PinStatus
from bhxh_desk.signing.xmldsig import sign_file, verify_file
from tests.conftest import EXAMPLE, ROOT, example_dict, minimal_dict
from tests.softhsm import create_token, make_conf, spy_module

XMLSEC = shutil.which("xmlsec1")


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bhxh_desk.app", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=300)


def sign_cli(token, trust_files, *drafts: str, out, extra=(), env=None) -> subprocess.CompletedProcess:
    root, inter = trust_files
    return cli("sign", *drafts, "-o", str(out), "--pkcs11-module", str(token.module), "--pin-env", "TEST_PIN",
               "--trust", str(root), "--trust", str(inter), *extra, env=env)


def xmlsec_verify(path, trust_files) -> subprocess.CompletedProcess:
    root, inter = trust_files
    return subprocess.run([XMLSEC, "--verify", "--trusted-pem", str(root), "--untrusted-pem", str(inter), str(path)],
                          capture_output=True, text=True)


class Scripted:
    """A Prompter that answers from a list, as a person at the keyboard would."""

    def __init__(self, pins):
        self.pins = list(pins)
        self.requests: list[PinRequest] = []

    def ask_pin(self, request):
        self.requests.append(request)
        return self.pins.pop(0) if self.pins else None

    def choose_certificate(self, candidates, timeout):
        return candidates[0]


# ---------------------------------------------------------------- the XML layer with a software key

def test_software_key_signature_verifies_with_xmlsec1(tmp_path, pki, example):
    leaf = pki.leaf("0312345678")
    signer = KeySigner(leaf.key, leaf.cert)
    data = sign_dossier(build_forms(example), signer)
    path = tmp_path / "BHXHDienTu.xml"
    path.write_bytes(data)
    if XMLSEC:
        root, inter = tmp_path / "r.pem", tmp_path / "i.pem"
        root.write_bytes(pki.root.pem())
        inter.write_bytes(pki.intermediate.pem())
        r = xmlsec_verify(path, (root, inter))
        assert r.returncode == 0, r.stderr
    results = verify_dossier(data, anchors=[pki.root.cert], intermediates=[pki.intermediate.cert])
    assert [r.where for r in results] == ["Hoso/CKy_Dvi", "D02-TS/Cky", "TK1-TS/Cky", "D01-TS/Cky"]
    assert all(r.ok and r.signer.tax_code == "0312345678" for r in results)


def test_signature_layout(pki, example):
    leaf = pki.leaf("0312345678")
    data = sign_dossier(build_forms(example), KeySigner(leaf.key, leaf.cert),
                        signing_time=datetime(2026, 3, 20, 3, 0, tzinfo=UTC))
    root = etree.fromstring(data)
    ds = "{http://www.w3.org/2000/09/xmldsig#}"
    sig = root.find(f"CKy_Dvi/{ds}Signature")
    si = sig.find(f"{ds}SignedInfo")
    assert si.find(f"{ds}CanonicalizationMethod").get("Algorithm") == "http://www.w3.org/2001/10/xml-exc-c14n#"
    assert si.find(f"{ds}SignatureMethod").get("Algorithm") == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    refs = si.findall(f"{ds}Reference")
    assert refs[0].get("URI") == ""
    assert [t.get("Algorithm") for t in refs[0].iter(f"{ds}Transform")] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"]
    assert {r.find(f"{ds}DigestMethod").get("Algorithm") for r in refs} == {"http://www.w3.org/2001/04/xmlenc#sha256"}
    assert sig.find(f"{ds}KeyInfo/{ds}X509Data/{ds}X509Certificate") is not None
    assert "2026-03-20T10:00:00+07:00" in etree.tostring(sig).decode()
    info = verify_file(data, "CKy_Dvi")
    assert info.signing_time == datetime(2026, 3, 20, 3, 0, tzinfo=UTC)


def test_signed_form_is_still_valid_against_its_xsd(pki, example):
    from bhxh_desk.forms.schemas import check_bytes

    leaf = pki.leaf("0312345678")
    for f in read_envelope(sign_dossier(build_forms(example), KeySigner(leaf.key, leaf.cert))).files:
        if f.extension == "xml":
            check_bytes(f.content, f.code, f.name)


def test_slot_must_be_empty_and_present(pki, example):
    leaf = pki.leaf("0312345678")
    signer = KeySigner(leaf.key, leaf.cert)
    form = build_forms(example).files[0].content
    once = sign_file(form, "Cky", signer)
    with pytest.raises(SignatureError) as info:
        sign_file(once, "Cky", signer)
    assert info.value.code == "sig.slot_not_empty"
    with pytest.raises(SignatureError) as info:
        sign_file(form, "CKy_Dvi", signer)
    assert info.value.code == "sig.slot_missing"


def test_unsigned_file_is_reported_missing(example):
    from bhxh_desk.forms.xmlbuild import build_unsigned

    with pytest.raises(SignatureError) as info:
        verify_dossier(build_unsigned(example))
    assert info.value.code == "sig.missing"


def test_one_changed_character_anywhere_fails(pki, example):
    """Flip one character at 300 random places after the XML declaration: verification must fail each time."""
    leaf = pki.leaf("0312345678")
    data = sign_dossier(build_forms(example), KeySigner(leaf.key, leaf.cert))
    kw = {"anchors": [pki.root.cert], "intermediates": [pki.intermediate.cert]}
    assert all(r.ok for r in verify_dossier(data, **kw))
    start = data.index(b"?>") + 3
    rng = random.Random(7)
    positions = sorted(rng.sample(range(start, len(data)), 300))
    for pos in positions:
        old = data[pos:pos + 1]
        new = b"A" if old != b"A" else b"B"
        if old in (b"=",):          # base64 padding: swap with a letter still changes the decoded bytes
            new = b"Q"
        tampered = data[:pos] + new + data[pos + 1:]
        try:
            results = verify_dossier(tampered, **kw)
        except BhxhError as exc:        # any of our refusals counts: SignatureError, XmlError, SchemaError...
            assert exc.message("vi"), pos
            continue
        assert not all(r.ok for r in results), f"a change at byte {pos} ({old!r}) went unnoticed"


def test_moving_a_signature_id_is_noticed(pki, example):
    leaf = pki.leaf("0312345678")
    data = sign_dossier(build_forms(example), KeySigner(leaf.key, leaf.cert))
    envelope_sig = data.rindex(b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="sig-')
    pos = envelope_sig + len(b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="sig-')
    tampered = data[:pos] + (b"0" if data[pos:pos + 1] != b"0" else b"1") + data[pos + 1:]
    with pytest.raises(SignatureError):
        verify_dossier(tampered)


# ---------------------------------------------------------------- the token

def test_token_lists_its_certificate(hsm):
    with TokenHelper(hsm.module) as helper:
        (cert,) = helper.certificates()
    assert cert.key_id == hsm.key_id and cert.token.label == hsm.label and cert.token.serial == hsm.serial
    assert cert.certificate == hsm.cert.cert


def test_tokens_cli(hsm):
    r = cli("tokens", "--pkcs11-module", str(hsm.module), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["certificates"][0]["tax_code"] == "0312345678"
    assert data["certificates"][0]["key_id"] == hsm.key_id
    assert cli("tokens", "--pkcs11-module", str(hsm.module)).stdout.count(hsm.label) == 1


def test_cli_sign_one_draft_on_the_token_and_verify(hsm, trust_files, tmp_path):
    out = tmp_path / "BHXHDienTu.xml"
    r = sign_cli(hsm, trust_files, str(EXAMPLE), out=out)
    assert r.returncode == 0, r.stderr
    root, inter = trust_files
    v = cli("verify", str(out), "--trust", str(root), "--trust", str(inter), "--json")
    assert v.returncode == 0, v.stdout + v.stderr
    report = json.loads(v.stdout)
    assert report["valid"] and len(report["signatures"]) == 4
    assert {s["tax_code"] for s in report["signatures"]} == {"0312345678"}
    # Without the test root the same file verifies as intact but untrusted: exit 1.
    assert cli("verify", str(out)).returncode == 1
    if XMLSEC:
        r = xmlsec_verify(out, trust_files)
        assert r.returncode == 0, r.stderr
        for f in read_envelope(out.read_bytes()).files:
            if f.extension != "xml":
                continue
            form_path = tmp_path / f.name
            form_path.write_bytes(f.content)
            r = xmlsec_verify(form_path, trust_files)
            assert r.returncode == 0, (f.name, r.stderr)


def test_cli_verify_refuses_a_changed_character(hsm, trust_files, tmp_path):
    out = tmp_path / "BHXHDienTu.xml"
    assert sign_cli(hsm, trust_files, str(EXAMPLE), out=out).returncode == 0
    data = out.read_bytes()
    tampered = data.replace("Nguyễn Thị Lan".encode(), "Nguyễn Thị Lam".encode(), 1)
    assert tampered != data
    out.write_bytes(tampered)
    root, inter = trust_files
    r = cli("verify", str(out), "--trust", str(root), "--trust", str(inter))
    assert r.returncode != 0 and "Traceback" not in r.stderr


def test_fifty_drafts_one_login_two_signatures_each(hsm, trust_files, tmp_path):
    drafts = []
    for i in range(50):
        d = minimal_dict()
        d["forms"]["D02-TS"][0]["Masobhxh"] = f"{i:010d}"
        path = tmp_path / f"draft{i:02d}.json"
        path.write_text(json.dumps(d), encoding="utf-8")
        drafts.append(str(path))
    assert spy_module(), "OpenSC's pkcs11-spy.so is missing (Debian package opensc)"
    log = tmp_path / "spy.log"
    out = tmp_path / "signed"
    root, inter = trust_files
    r = cli("sign", *drafts, "-o", str(out), "--pkcs11-module", str(spy_module()), "--pin-env", "TEST_PIN",
            "--trust", str(root), "--trust", str(inter),
            env={"PKCS11SPY": str(hsm.module), "PKCS11SPY_OUTPUT": str(log)})
    assert r.returncode == 0, r.stderr
    calls = [line.split(":", 1)[1].strip() for line in log.read_text(errors="replace").splitlines()
             if ": C_" in line and line.split(":", 1)[0].strip().isdigit()]
    logins, signs = calls.count("C_Login"), calls.count("C_Sign")
    print(f"\npkcs11-spy: {len(drafts)} one-form dossiers, C_Login={logins}, C_Sign={signs}")
    assert logins == 1
    assert signs == 2 * len(drafts)
    assert len(list(out.glob("*.xml"))) == 50
    results = verify_dossier((out / "draft07.xml").read_bytes(), anchors=[], intermediates=[])
    assert len(results) == 2


def test_wrong_pin_gives_its_message_and_no_file(hsm, trust_files, tmp_path):
    out = tmp_path / "BHXHDienTu.xml"
    r = sign_cli(hsm, trust_files, str(EXAMPLE), out=out, env={"TEST_PIN": "000000"})
    assert r.returncode == 2
    assert "Mã PIN không đúng" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() and not list(tmp_path.glob(".*part"))


def test_wrong_pin_then_right_pin_through_the_prompter(hsm):
    prompter = Scripted(["999999", hsm.pin])
    with TokenHelper(hsm.module) as helper:
        cert = helper.find()
        with helper.session(cert, prompter) as session:
            assert len(session.sign(b"data")) == 256
    assert prompter.requests[0].previous_error is None
    assert prompter.requests[1].previous_error.startswith("token.wrong_pin")


def test_cancel_at_the_pin_prompt(hsm):
    with TokenHelper(hsm.module) as helper, pytest.raises(SigningError) as info, \
            helper.session(helper.find(), Scripted([])):
        pass
    assert info.value.code == "sign.cancelled"


@pytest.mark.parametrize(
    ("flags", "code"),
    [(0, "token.wrong_pin"), (0x10000, "token.wrong_pin_low"), (0x20000, "token.wrong_pin_final"),
     (0x30000, "token.wrong_pin_final"), (0x40000, "token.pin_locked")],
)
def test_wrong_pin_message_follows_the_token_flags(flags, code):
    """SoftHSM2 never reaches 'final try' or 'locked', so the flag reading is checked on the flag values."""
    assert PinStatus.from_flags(flags).wrong_pin_code() == code


def test_no_token(tmp_path, trust_files, monkeypatch):
    monkeypatch.setenv("SOFTHSM2_CONF", str(make_conf(tmp_path / "empty")))
    r = cli("sign", str(EXAMPLE), "-o", str(tmp_path / "o.xml"), "--pkcs11-module",
            str(create_token.__globals__["softhsm_module"]()), "--pin-env", "TEST_PIN")
    assert r.returncode == 2 and "Không thấy USB token" in r.stderr
    assert not (tmp_path / "o.xml").exists()


def test_driver_not_found(tmp_path):
    r = cli("sign", str(EXAMPLE), "-o", str(tmp_path / "o.xml"), "--pkcs11-module", str(tmp_path / "none.so"),
            "--lang", "en")
    assert r.returncode == 2 and "No PKCS#11 driver" in r.stderr and "none.so" in r.stderr
    assert not (tmp_path / "o.xml").exists()


def test_driver_that_is_not_a_pkcs11_library(tmp_path):
    bogus = tmp_path / "bogus.so"
    bogus.write_bytes(b"\x7fELF not really")
    with pytest.raises(TokenError) as info, TokenHelper(bogus) as helper:
        helper.certificates()
    assert info.value.code == "token.module_failed"


def test_tax_code_mismatch_refused_and_override_audited(hsm, trust_files, tmp_path):
    d = example_dict()
    d["unit"]["tax_code"] = "0109999999"
    path = tmp_path / "other-unit.json"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "o.xml"
    home = tmp_path / "home"
    r = sign_cli(hsm, trust_files, str(path), out=out, env={"BHXH_DESK_HOME": str(home)})
    assert r.returncode == 2 and "0109999999" in r.stderr and not out.exists()
    reason = "Đại lý Minh An ký thay theo giấy ủy quyền số 12/UQ"
    r = sign_cli(hsm, trust_files, str(path), out=out, extra=("--override-tax-code", reason),
                 env={"BHXH_DESK_HOME": str(home)})
    assert r.returncode == 0, r.stderr
    from bhxh_desk.app.store import Store

    with Store(home / "data" / "bhxh-desk.sqlite3") as store:
        entries = [a for a in store.audit() if a.action == "tax-code-override"]
    assert len(entries) == 1 and reason in entries[0].detail


def test_untrusted_certificate_refused_before_any_pin(hsm, tmp_path):
    out = tmp_path / "o.xml"
    r = cli("sign", str(EXAMPLE), "-o", str(out), "--pkcs11-module", str(hsm.module), "--pin-env", "TEST_PIN")
    assert r.returncode == 2 and "không dẫn tới tổ chức chứng thực gốc" in r.stderr and not out.exists()


def test_invalid_draft_is_refused_before_the_token(hsm, trust_files, tmp_path):
    bad = minimal_dict()
    bad["forms"]["D02-TS"][0]["Masobhxh"] = "1"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    r = sign_cli(hsm, trust_files, str(path), out=tmp_path / "o.xml")
    assert r.returncode == 1 and "Masobhxh" in r.stderr


def test_key_that_demands_the_pin_for_every_signature(tmp_path, pki, monkeypatch):
    tok = create_token(tmp_path, pki, label="ALWAYS AUTH", key_id="c3", always_authenticate=True)
    monkeypatch.setenv("SOFTHSM2_CONF", str(tok.conf))
    monkeypatch.setenv("TEST_PIN", tok.pin)
    with TokenHelper(tok.module) as helper:
        cert = helper.find()
        with helper.session(cert, EnvPinPrompter("TEST_PIN")) as session:
            data = sign_dossier(build_forms(draft_from_dict(minimal_dict())), session)
            assert session.always_authenticate and session.signatures == 2
    results = verify_dossier(data, anchors=[pki.root.cert], intermediates=[pki.intermediate.cert])
    assert all(r.ok for r in results)


def test_helper_killed_mid_batch_stops_cleanly(hsm, pki):
    drafts = [build_forms(draft_from_dict(minimal_dict())) for _ in range(3)]
    signed = []
    with TokenHelper(hsm.module) as helper:
        cert = helper.find()
        with helper.session(cert, EnvPinPrompter("TEST_PIN")) as session:
            signed.append(sign_dossier(drafts[0], session))
            os.kill(helper.pid, signal.SIGKILL)
            time.sleep(0.2)
            with pytest.raises(TokenError) as info:
                sign_dossier(drafts[1], session)
        assert info.value.code == "token.helper_died"
        assert helper.certificates()            # a dead helper is restarted on the next call
    assert all(r.ok for r in verify_dossier(signed[0], anchors=[pki.root.cert],
                                            intermediates=[pki.intermediate.cert]))


def test_a_helper_started_early_is_the_one_used_and_never_left_behind(hsm, tmp_path):
    """bhxh-desk sign starts its helper before parsing (app.cli.run); TokenHelper adopts that process
    rather than starting a second one, and kills it when it cannot use it."""
    from bhxh_desk.signing.token.spawn import start_helper_process

    early = start_helper_process()
    with TokenHelper(hsm.module, started=early) as helper:
        assert helper.certificates() and helper.pid == early.pid
    assert early.poll() is not None
    unused = start_helper_process()
    with pytest.raises(TokenError) as info:
        TokenHelper(tmp_path / "no-such-driver.so", started=unused)
    assert info.value.code == "token.no_module" and unused.poll() is not None
    dead = start_helper_process()
    dead.kill()
    dead.wait()
    with TokenHelper(hsm.module, started=dead) as helper:     # a process that died early is replaced
        assert helper.certificates() and helper.pid != dead.pid


def test_token_removed_mid_batch_keeps_what_was_signed(tmp_path, pki, trust_files, monkeypatch):
    """The token's files vanish after the first dossier: the batch stops, the first file stays whole."""
    tok = create_token(tmp_path / "t", pki, label="REMOVABLE")
    monkeypatch.setenv("SOFTHSM2_CONF", str(tok.conf))
    monkeypatch.setenv("TEST_PIN", tok.pin)
    dossiers = [build_forms(draft_from_dict(minimal_dict())) for _ in range(3)]
    written = []
    with TokenHelper(tok.module) as helper, helper.session(helper.find(), EnvPinPrompter("TEST_PIN")) as session:
        written.append(sign_dossier(dossiers[0], session))
        shutil.rmtree(tok.conf.parent / "tokens")
        with pytest.raises(TokenError) as info:
            sign_dossier(dossiers[1], session)
    assert info.value.code == "token.removed"
    assert "rút ra" in info.value.message("vi")
    assert all(r.ok for r in verify_dossier(written[0], anchors=[pki.root.cert],
                                            intermediates=[pki.intermediate.cert]))


def test_hung_driver_times_out_and_is_replaced(hsm):
    with TokenHelper(hsm.module, call_timeout=1.0) as helper:
        helper.certificates()
        stuck = helper.pid
        os.kill(stuck, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(TokenError) as info:
            helper.certificates()
        assert info.value.code == "token.timeout" and time.monotonic() - started < 5
        assert helper.certificates() and helper.pid != stuck


def test_cancel_stops_a_wait(hsm):
    cancel = threading.Event()
    with TokenHelper(hsm.module, call_timeout=30.0) as helper:
        helper.certificates()
        os.kill(helper.pid, signal.SIGSTOP)
        threading.Timer(0.3, cancel.set).start()
        started = time.monotonic()
        with pytest.raises(SigningError) as info:
            helper.call("list", cancel=cancel)
        assert info.value.code == "sign.cancelled" and time.monotonic() - started < 5


def test_pin_never_reaches_logs_or_outputs(hsm, trust_files, tmp_path):
    home = tmp_path / "home"
    out = tmp_path / "o.xml"
    r = sign_cli(hsm, trust_files, str(EXAMPLE), out=out, env={"BHXH_DESK_HOME": str(home)})
    assert r.returncode == 0
    everything = r.stdout + r.stderr + out.read_bytes().decode("utf-8", "replace")
    for path in home.rglob("*") if home.exists() else []:
        if path.is_file():
            everything += path.read_bytes().decode("utf-8", "replace")
    assert hsm.pin not in everything


def test_base64_of_each_form_is_what_xmlsec_verifies(hsm, trust_files, tmp_path):
    """DoDaiFile is the length of the base64 text of the *signed* form."""
    out = tmp_path / "o.xml"
    assert sign_cli(hsm, trust_files, str(EXAMPLE), out=out).returncode == 0
    root = etree.fromstring(out.read_bytes())
    for ft in root.iter("FileToKhai"):
        text = ft.findtext("NoiDungFile")
        assert int(ft.findtext("DoDaiFile")) == len(text)
        if ft.findtext("LoaiFile") == "xml":
            assert b"<Cky><Signature" in base64.b64decode(text)
        else:                                        # the attachment travels as it is, unsigned by itself
            assert base64.b64decode(text).startswith(b"%PDF-")


def test_sign_an_unsigned_envelope_file(hsm, trust_files, tmp_path):
    unsigned = tmp_path / "unsigned.xml"
    assert cli("build", str(EXAMPLE), "-o", str(unsigned), "--date", "20/03/2026").returncode == 0
    out = tmp_path / "signed.xml"
    r = sign_cli(hsm, trust_files, str(unsigned), out=out)
    assert r.returncode == 0, r.stderr
    env = read_envelope(out.read_bytes())
    assert env.created == "20/03/2026"          # NgayLap kept from the unsigned file
    root, inter = trust_files
    assert cli("verify", str(out), "--trust", str(root), "--trust", str(inter)).returncode == 0
    again = sign_cli(hsm, trust_files, str(out), out=tmp_path / "twice.xml")
    assert again.returncode == 2 and "đã được ký" in again.stderr


def test_non_canonical_input_is_canonicalised_before_signing(pki, example, tmp_path):
    """A pretty-printed form with self-closed elements (as another tool might write it) still gets a
    signature that xmlsec1 and bhxh-desk verify."""
    from bhxh_desk.forms.canonical import XML_DECLARATION, looks_canonical
    from bhxh_desk.forms.xmlbuild import build_envelope
    from bhxh_desk.signing.envelope import prepare

    dossier = build_forms(example)
    pretty = []
    for f in dossier.files:
        if f.extension != "xml":
            pretty.append(f)
            continue
        tree = etree.fromstring(f.content)
        for el in tree.iter():
            if not el.text and len(el) == 0:
                el.text = None
        text = XML_DECLARATION + etree.tostring(tree, pretty_print=True)
        assert not looks_canonical(text)
        pretty.append(type(f)(f.code, f.description, f.name, text))
    unsigned = build_envelope(dossier, pretty)
    leaf = pki.leaf("0312345678")
    data = prepare(unsigned).sign(KeySigner(leaf.key, leaf.cert))
    assert all(r.ok for r in verify_dossier(data, anchors=[pki.root.cert], intermediates=[pki.intermediate.cert]))
    if XMLSEC:
        root, inter = tmp_path / "r.pem", tmp_path / "i.pem"
        root.write_bytes(pki.root.pem())
        inter.write_bytes(pki.intermediate.pem())
        for f in [f for f in read_envelope(data).files if f.extension == "xml"]:
            p = tmp_path / f.name
            p.write_bytes(f.content)
            assert xmlsec_verify(p, (root, inter)).returncode == 0


def test_canonical_shortcut_agrees_with_lxml(example):
    from bhxh_desk.forms.canonical import canonical_body, canonicalize, looks_canonical

    for f in build_form_files(example):
        assert looks_canonical(f.content)
        assert canonicalize(f.content) == f.content
        assert canonical_body(f.content) == etree.tostring(etree.fromstring(f.content), method="c14n",
                                                           exclusive=True)
