"""Revocation by CRL (signing/revocation.py): the leaf and the intermediate against their CA's CRL, served
over real HTTP on 127.0.0.1 by the test PKI's CRL host, at sign time (through a SoftHSM2 token and the
command line) and at verify time (a signature before the revocation stays valid, one after is refused)."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime, timedelta

import pytest

from bhxh_desk.forms.xmlbuild import build_forms
from bhxh_desk.signing import certs
from bhxh_desk.signing.dossier import sign_dossier
from bhxh_desk.signing.errors import CertificateError
from bhxh_desk.signing.revocation import CrlSource, when_text
from bhxh_desk.signing.signer import KeySigner
from tests import pki as test_pki
from tests.conftest import EXAMPLE
from tests.softhsm import create_token
from tests.test_signing import cli, sign_cli

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def server():
    s = test_pki.CrlServer()
    yield s
    s.close()


@pytest.fixture(scope="module")
def rpki(server):
    """A PKI whose intermediate and leaves name CRLs on the local server."""
    return test_pki.TestPKI.create(crl_base=server.url)


@pytest.fixture
def crls(server, rpki):
    """Fresh CRLs revoking nothing; a test revokes with ``revoke``."""
    server.delay = 0.0
    server.hits.clear()
    server.files = {"/root.crl": rpki.crl(rpki.root), "/issuing.crl": rpki.crl(rpki.intermediate)}
    return server


def revoke(server, rpki, cert, when, issuer=None):
    issuer = issuer or rpki.intermediate
    path = "/issuing.crl" if issuer is rpki.intermediate else "/root.crl"
    server.files[path] = rpki.crl(issuer, [(cert, when)])


def trust(pki, leaf, at=None, source=None):
    return certs.trusted_at(leaf.cert, [pki.intermediate.cert], [pki.root.cert], at or datetime.now(UTC), source)


def code_of(fn, *args, **kw) -> CertificateError:
    with pytest.raises(CertificateError) as info:
        fn(*args, **kw)
    return info.value


# ---------------------------------------------------------------- the checks

def test_a_good_chain_is_fetched_once_and_kept_until_next_update(crls, rpki, tmp_path):
    leaf = rpki.leaf()
    answer = trust(rpki, leaf, source=CrlSource(tmp_path / "crl"))
    assert answer.notes == ()
    assert crls.hits == {"/issuing.crl": 1, "/root.crl": 1}
    assert NOW + timedelta(days=6) < answer.fresh_until < NOW + timedelta(days=7)
    trust(rpki, leaf, source=CrlSource(tmp_path / "crl"))            # another process: from the cache
    assert crls.hits == {"/issuing.crl": 1, "/root.crl": 1}


def test_a_revoked_leaf_is_refused_with_its_date(crls, rpki, tmp_path):
    leaf = rpki.leaf()
    when = datetime.now(UTC) - timedelta(days=2)
    revoke(crls, rpki, leaf.cert, when)
    error = code_of(trust, rpki, leaf, source=CrlSource(tmp_path / "crl"))
    assert error.code == "cert.revoked"
    assert when_text(when) in error.message("vi") and "CÔNG TY TNHH HOA SEN" in error.message("vi")
    assert f"was revoked on {when_text(when)}" in error.message("en")


def test_a_revoked_intermediate_is_refused(crls, rpki, tmp_path):
    leaf = rpki.leaf()
    revoke(crls, rpki, rpki.intermediate.cert, datetime.now(UTC) - timedelta(hours=3), issuer=rpki.root)
    error = code_of(trust, rpki, leaf, source=CrlSource(tmp_path / "crl"))
    assert error.code == "cert.revoked" and "bhxh-desk Test Issuing CA" in error.message("en")


def test_a_signature_before_the_revocation_is_valid_with_a_note(crls, rpki, tmp_path):
    leaf = rpki.leaf(not_before=NOW - timedelta(days=30))
    when = datetime.now(UTC) - timedelta(days=1)
    revoke(crls, rpki, leaf.cert, when)
    source = CrlSource(tmp_path / "crl")
    answer = trust(rpki, leaf, at=when - timedelta(hours=5), source=source)
    (note,) = answer.notes
    assert note.code == "cert.revoked_later" and when_text(when) in note.message("en")
    assert code_of(trust, rpki, leaf, at=when + timedelta(seconds=1), source=source).code == "cert.revoked"


def test_a_forged_crl_is_not_believed(crls, rpki, tmp_path):
    leaf = rpki.leaf()
    stranger = test_pki.Issued(test_pki.new_key(), rpki.intermediate.cert)
    crls.files["/issuing.crl"] = rpki.crl(rpki.intermediate, [(leaf.cert, NOW)], signer=stranger)
    answer = trust(rpki, leaf, source=CrlSource(tmp_path / "crl"))
    (note,) = answer.notes
    assert note.code == "cert.revocation_unknown_note"
    assert "signature does not verify" in note.message("en")
    assert not [p for p in (tmp_path / "crl").glob("*.crl")
                if p.read_bytes() == crls.files["/issuing.crl"]]            # never kept


def test_a_stale_crl_is_not_used_and_a_stale_copy_is_fetched_again(crls, rpki, tmp_path):
    leaf = rpki.leaf()
    crls.files["/issuing.crl"] = rpki.crl(rpki.intermediate, this_update=NOW - timedelta(days=10), days=7)
    (note,) = trust(rpki, leaf, source=CrlSource(tmp_path / "crl")).notes
    assert "expired on" in note.message("en") and "đã hết hạn ngày" in note.message("vi")
    crls.files["/issuing.crl"] = rpki.crl(rpki.intermediate)
    assert trust(rpki, leaf, source=CrlSource(tmp_path / "crl")).notes == ()
    assert crls.hits["/issuing.crl"] == 2


def test_a_crl_host_that_does_not_answer_gives_unknown_in_the_timeout(crls, rpki, tmp_path):
    leaf = rpki.leaf()
    crls.delay = 3.0
    start = time.monotonic()
    leaf_note, inter_note = trust(rpki, leaf, source=CrlSource(tmp_path / "crl", timeout=0.5)).notes
    assert time.monotonic() - start < 2.5                    # two CRLs, half a second each
    assert leaf_note.code == inter_note.code == "cert.revocation_unknown_note"
    assert "/issuing.crl" in leaf_note.message("en") and "/root.crl" in inter_note.message("en")
    crls.delay = 0.0
    blocking = CrlSource(tmp_path / "other", timeout=0.5, block_unknown=True)
    crls.files.pop("/issuing.crl")                                        # 404
    error = code_of(trust, rpki, leaf, source=blocking)
    assert error.code == "cert.revocation_unknown" and "HTTP 404" in error.message("en")


def test_an_oversized_crl_is_refused(crls, rpki, tmp_path):
    leaf = rpki.leaf()
    crls.files["/issuing.crl"] = b"0" * 5000
    (note,) = trust(rpki, leaf, source=CrlSource(tmp_path / "crl", max_bytes=4096)).notes
    assert "over the limit of 4096" in note.message("en")
    assert "vượt quá giới hạn 4096 byte" in note.message("vi") and "limit" not in note.message("vi")


def test_a_certificate_without_a_distribution_point_is_unknown(pki, tmp_path):
    notes = trust(pki, pki.leaf(), source=CrlSource(tmp_path / "crl")).notes
    assert len(notes) == 2 and all("names no CRL distribution point" in n.message("en") for n in notes)
    # the reason reads in the note's language too (it said "(the certificate names no …)" in Vietnamese)
    assert all("không ghi điểm phân phối CRL" in n.message("vi") and "certificate" not in n.message("vi")
               for n in notes)


# ---------------------------------------------------------------- sign and verify, as a user runs them

@pytest.fixture(scope="module")
def rtoken(tmp_path_factory, rpki):
    return create_token(tmp_path_factory.mktemp("crl-hsm"), rpki, label="CRL TOKEN")


@pytest.fixture
def rtrust(tmp_path, rpki):
    root, inter = tmp_path / "root.pem", tmp_path / "inter.pem"
    root.write_bytes(rpki.root.pem())
    inter.write_bytes(rpki.intermediate.pem())
    return root, inter


@pytest.fixture
def on_rtoken(rtoken, monkeypatch):
    monkeypatch.setenv("SOFTHSM2_CONF", str(rtoken.conf))
    monkeypatch.setenv("TEST_PIN", "not-the-pin")      # were the PIN tried, the message would say "Wrong PIN"
    return rtoken


def test_sign_refuses_a_revoked_certificate_before_the_pin(crls, rpki, on_rtoken, rtrust, tmp_path):
    when = datetime.now(UTC) - timedelta(hours=2)
    revoke(crls, rpki, on_rtoken.cert.cert, when)
    out = tmp_path / "signed.xml"
    r = sign_cli(on_rtoken, rtrust, str(EXAMPLE), out=out, extra=("--lang", "en"))
    assert r.returncode == 2
    assert f'The certificate "CÔNG TY TNHH HOA SEN" was revoked on {when_text(when)}' in r.stderr
    assert "Wrong PIN" not in r.stderr and "Traceback" not in r.stderr and not out.exists()


def test_sign_offline_goes_with_a_note_unless_the_setting_blocks(crls, rpki, on_rtoken, rtrust, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("TEST_PIN", on_rtoken.pin)
    crls.files.clear()                                    # the CA's host answers nothing useful
    out = tmp_path / "signed.xml"
    r = sign_cli(on_rtoken, rtrust, str(EXAMPLE), out=out, extra=("--lang", "en"))
    assert r.returncode == 0, r.stderr
    assert "Note: revocation unknown for the certificate" in r.stderr and out.exists()

    settings = tmp_path / "home" / "config" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"revocation_unknown_blocks": True}))
    out.unlink()
    r = sign_cli(on_rtoken, rtrust, str(EXAMPLE), out=out, extra=("--lang", "en"))
    assert r.returncode == 2
    assert "Revocation unknown for the certificate" in r.stderr and not out.exists()


def test_a_remembered_verdict_still_sees_a_revocation_after_next_update(crls, rpki, on_rtoken, rtrust, tmp_path,
                                                                        monkeypatch):
    """The certificate memo skips the chain, not revocation: its verdict holds only until the CRL's
    nextUpdate, and a CRL found stale is fetched again."""
    from bhxh_desk.signing.certcheck import check_before_signing
    from bhxh_desk.signing.certmemo import CertMemo

    memo = CertMemo(tmp_path / "memo")
    crls.files["/issuing.crl"] = rpki.crl(rpki.intermediate, days=1)
    source = CrlSource(tmp_path / "crl")
    kw = {"unit_tax_codes": ["0312345678"], "extra_trust": rtrust, "memo": memo, "revocation": source}
    check_before_signing(on_rtoken.cert.cert.public_bytes(test_pki.serialization.Encoding.DER), at=NOW, **kw)
    revoke(crls, rpki, on_rtoken.cert.cert, NOW + timedelta(hours=1))
    der = on_rtoken.cert.cert.public_bytes(test_pki.serialization.Encoding.DER)
    hits = dict(crls.hits)
    check_before_signing(der, at=NOW + timedelta(hours=2), **kw)         # the verdict and its CRL still hold
    assert crls.hits == hits
    two_days_on = CrlSource(tmp_path / "crl", clock=lambda: NOW + timedelta(days=2))
    error = code_of(check_before_signing, der, at=NOW + timedelta(days=2), revocation=two_days_on,
                    **{k: v for k, v in kw.items() if k != "revocation"})
    assert error.code == "cert.revoked" and crls.hits["/issuing.crl"] == hits["/issuing.crl"] + 1


def signed_by(rpki, leaf, when, example) -> bytes:
    return sign_dossier(build_forms(example), KeySigner(leaf.key, leaf.cert), signing_time=when)


def test_verify_a_signature_before_and_after_the_revocation(crls, rpki, rtrust, tmp_path, example):
    leaf = rpki.leaf(not_before=NOW - timedelta(days=30))
    when = datetime.now(UTC) - timedelta(days=3)
    before, after = tmp_path / "before.xml", tmp_path / "after.xml"
    before.write_bytes(signed_by(rpki, leaf, when - timedelta(days=1), example))
    after.write_bytes(signed_by(rpki, leaf, when + timedelta(hours=1), example))
    root, inter = rtrust
    trust_args = ("--trust", str(root), "--trust", str(inter), "--lang", "en")

    r = cli("verify", str(before), *trust_args)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "revoked" not in r.stdout                                    # not revoked yet
    revoke(crls, rpki, leaf.cert, when)
    # The CRL fetched a moment ago is kept until its nextUpdate (a week): the CA's new one is read when
    # that copy is gone, as it would be the next day.
    shutil.rmtree(tmp_path / "home" / "cache" / "crl")
    r = cli("verify", str(before), *trust_args)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"was revoked on {when_text(when)}, after this signature was made: the signature stays valid" in r.stdout
    r = cli("verify", str(after), *trust_args)
    assert r.returncode == 1, r.stdout + r.stderr
    assert '!! Hoso/CKy_Dvi: CÔNG TY TNHH HOA SEN' in r.stdout and f"was revoked on {when_text(when)}" in r.stdout
    r = cli("verify", str(after), *trust_args, "--json")
    assert json.loads(r.stdout)["valid"] is False


def test_the_window_checks_the_certificate_before_the_pin(qtbot, crls, rpki, on_rtoken, rtrust, tmp_path):
    """Issue 18: the window's batch asked for the PIN before checking the certificate. Now the dialog
    checks it (here: revoked) against the dossiers first, and the PIN box never opens."""
    from tests.test_pin_states import signing_dialog

    when = datetime.now(UTC) - timedelta(hours=2)
    revoke(crls, rpki, on_rtoken.cert.cert, when)
    dialog, store, _, runner = signing_dialog(qtbot, tmp_path, on_rtoken.module, rtrust)
    assert f"was revoked on {when_text(when)}" in dialog.status.text()
    assert not dialog.pin.isEnabled() and not dialog.sign_button.isEnabled()
    runner.wait(30_000)
    store.close()

    crls.files["/issuing.crl"] = rpki.crl(rpki.intermediate)          # a certificate in good standing
    shutil.rmtree(tmp_path / "home" / "cache" / "crl")
    dialog, store, _draft_id, runner = signing_dialog(qtbot, tmp_path / "good", on_rtoken.module, rtrust)
    assert dialog.status.text() == "Nhập mã PIN rồi bấm Ký." and dialog.pin.isEnabled()   # no note, no refusal
    runner.wait(30_000)
    store.close()
