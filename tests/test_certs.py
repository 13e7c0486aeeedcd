"""Certificate checks before signing (signing.certs), on the test PKI and on real Vietnamese chains."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from bhxh_desk.forms.resources import resource
from bhxh_desk.signing import certs
from bhxh_desk.signing.errors import CertificateError

REAL = Path(__file__).parent / "data" / "certs"


def real(name: str):
    return certs.load_pem_file(REAL / name)[0]


def code_of(fn, *args, **kw) -> str:
    with pytest.raises(CertificateError) as info:
        fn(*args, **kw)
    assert info.value.message("vi") and info.value.message("en")
    return info.value.code


def test_bundled_root_is_the_mic_national_root():
    (root,) = certs.trust_anchors()
    fingerprint = hashlib.sha256(root.public_bytes(Encoding.DER)).hexdigest().upper()
    assert fingerprint == "CA918D635BB130BEC97639E6AABF7EDBC4EB1310F8058B9419F467AE0230AD8C"
    assert certs.facts(root).subject == "MIC National Root CA"


def test_real_chain_builds_at_a_time_it_was_valid():
    leaf, inter = real("bkavca-license-2018-subscriber.pem"), real("bkavca-2015-intermediate.pem")
    at = datetime(2019, 6, 1, tzinfo=UTC)
    chain = certs.build_chain(leaf, [inter], certs.trust_anchors(), at)
    assert [certs.facts(c).subject for c in chain] == ["BkavCA License", "BkavCA", "MIC National Root CA"]
    assert certs.tax_code_of(leaf) == "0101360697"


def test_real_chain_is_reported_expired_today():
    leaf, inter = real("bkavca-license-2018-subscriber.pem"), real("bkavca-2015-intermediate.pem")
    assert code_of(certs.check_signing_certificate, leaf, intermediates=[inter]) == "cert.expired"
    # The leaf alone still fine at a past time, but its issuer has expired by the end of 2020:
    later = datetime(2020, 5, 15, 3, 30, tzinfo=UTC)
    certs.build_chain(leaf, [inter], certs.trust_anchors(), later)
    with pytest.raises(CertificateError) as info:
        certs.check_validity(inter, datetime(2020, 6, 1, tzinfo=UTC), "cert.chain_expired")
    assert "BkavCA" in info.value.message("vi")


def test_real_chain_without_its_intermediate_is_untrusted():
    leaf = real("bkavca-license-2018-subscriber.pem")
    at = datetime(2019, 6, 1, tzinfo=UTC)
    with pytest.raises(CertificateError) as info:
        certs.build_chain(leaf, [], certs.trust_anchors(), at)
    assert info.value.code == "cert.untrusted" and "BkavCA" in info.value.message("en")


def test_test_pki_leaf_passes_every_check(pki):
    leaf = pki.leaf("0312345678")
    chain = certs.check_signing_certificate(leaf.cert, unit_tax_code="0312345678",
                                            intermediates=[pki.intermediate.cert], anchors=[pki.root.cert])
    assert len(chain) == 3


def test_test_pki_is_not_trusted_by_default(pki):
    leaf = pki.leaf("0312345678")
    assert code_of(certs.check_signing_certificate, leaf.cert, intermediates=[pki.intermediate.cert]) == \
        "cert.untrusted"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"not_before": datetime.now(UTC) - timedelta(days=40), "days": 30}, "cert.expired"),
        ({"not_before": datetime.now(UTC) + timedelta(days=2)}, "cert.not_yet_valid"),
        ({"key_usage": "encrypt"}, "cert.key_usage"),
    ],
)
def test_leaf_refusals(pki, kw, code):
    leaf = pki.leaf("0312345678", **kw)
    assert code_of(certs.check_signing_certificate, leaf.cert, unit_tax_code="0312345678",
                   intermediates=[pki.intermediate.cert], anchors=[pki.root.cert]) == code


def test_tax_code_must_match_unless_overridden(pki):
    leaf = pki.leaf("0109999999")
    kw = {"intermediates": [pki.intermediate.cert], "anchors": [pki.root.cert]}
    with pytest.raises(CertificateError) as info:
        certs.check_signing_certificate(leaf.cert, unit_tax_code="0312345678", **kw)
    assert info.value.code == "cert.tax_code_mismatch"
    assert "0109999999" in info.value.message("vi") and "0312345678" in info.value.message("vi")
    certs.check_signing_certificate(leaf.cert, unit_tax_code="0312345678",
                                    override_reason="Đại lý ký thay theo giấy ủy quyền 12/UQ", **kw)


def test_branch_tax_code_matches_its_parent(pki):
    leaf = pki.leaf("0312345678-001")
    certs.check_tax_code(leaf.cert, "0312345678")
    certs.check_tax_code(pki.leaf("0312345678").cert, "0312345678-002")


def test_intermediate_that_is_not_a_ca_breaks_the_chain(pki):
    fake_issuer = pki.leaf("0100000000", cn="bhxh-desk Test Issuing CA")   # right name, not a CA, wrong key
    leaf = pki.leaf("0312345678")
    with pytest.raises(CertificateError) as info:
        certs.build_chain(leaf.cert, [fake_issuer.cert], [pki.root.cert], datetime.now(UTC))
    assert info.value.code == "cert.untrusted"      # the name matches but its signature does not


def test_trust_folder_holds_only_the_mic_root():
    assert sorted(p.name for p in resource("trust").glob("*.pem")) == ["mic-national-root-ca.pem"]
