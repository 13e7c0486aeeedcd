"""``bhxh-desk --selftest``: proves that an installed copy works, headless, without a token or a network.

It checks that every data file the program needs is present (catalog, code lists, XSDs, messages, trust
anchors, translations), then builds, validates and signs a sample procedure-600 dossier with a throwaway
key, and verifies both signature levels. Exit 0 only if all of it passed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from forms.errors import BhxhError
from forms.resources import resource, resources_dir

SAMPLE = {
    "format": "bhxh-desk/draft@1", "procedure": "600", "period": "03/2026",
    "unit": {"code": "TA1234A", "name": "Công ty TNHH Tự Kiểm Tra", "tax_code": "0312345678",
             "agency_code": "07906", "signer": "Nguyễn Thị Lan", "phone": "0901234567"},
    "forms": {"D02-TS": [{"pa": "DC", "Hoten": "Phạm Quốc Huy", "Masobhxh": "0123456789", "Ngaysinh": "12/05/1988",
                          "Gioitinh": "1", "tienLuong": "15.000.000", "tuThang": "03/2026", "maVungSS": "1"}]},
}


def _data_files() -> list[str]:
    from forms.catalog import load_catalog

    catalog = load_catalog()
    needed = ["i18n/messages.toml", "catalog/unit.toml", "catalog/person.toml", "schemas/BHXHDienTu.xsd",
              "schemas/forms.json",
              "trust/mic-national-root-ca.pem", "translations/bhxh_desk_en.qm", "rates/base_salary.toml",
              "rates/regional_minimum.toml"]
    needed += [f"schemas/{code}.xsd" for code in catalog.forms]
    lists = {f.codes for form in catalog.forms.values() for f in _all_fields(form.fields) if f.codes}
    needed += [f"catalog/codes/{name}.json" for name in sorted(lists)]
    return [n for n in needed if not resource(*n.split("/")).is_file()]


def _all_fields(fields):
    for f in fields:
        yield f
        yield from _all_fields(f.fields)


def _sign_and_verify() -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    from forms.draft import draft_from_dict
    from forms.xmlbuild import build_forms
    from signing.dossier import sign_dossier, verify_dossier
    from signing.signer import KeySigner

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bhxh-desk self-test"),
                      x509.NameAttribute(NameOID.USER_ID, "MST:0312345678")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    data = sign_dossier(build_forms(draft_from_dict(SAMPLE)), KeySigner(key, cert))
    results = verify_dossier(data, anchors=[cert])
    if len(results) != 2 or not all(r.ok for r in results):
        raise BhxhError("sign.failed", reason="the self-signed sample did not verify")
    tampered = data.replace("Tự Kiểm Tra".encode(), "Tự Kiểm Trà".encode())
    if tampered == data:
        raise BhxhError("sign.failed", reason="the sample has no unit name to tamper with")
    try:
        verify_dossier(tampered, anchors=[cert])
    except BhxhError:
        return f"{len(data):,} bytes, {len(results)} signatures verified, tampering detected"
    raise BhxhError("sign.failed", reason="a tampered sample verified")


def run(out: Callable[[str], None] = print) -> int:
    steps: list[tuple[str, Callable[[], str]]] = [
        ("data files", lambda: _missing_or_ok()),
        ("validate + build + sign + verify", _sign_and_verify),
    ]
    failed = False
    out(f"bhxh-desk self-test — resources: {resources_dir()}")
    for label, step in steps:
        try:
            out(f"  OK   {label}: {step()}")
        except BhxhError as exc:
            failed = True
            out(f"  FAIL {label}: {exc.message('vi')}")
        except Exception as exc:       # a broken install shows up here, not as a traceback
            failed = True
            out(f"  FAIL {label}: {type(exc).__name__}: {exc}")
    out("self-test " + ("FAILED" if failed else "passed"))
    return 1 if failed else 0


def _missing_or_ok() -> str:
    missing = _data_files()
    if missing:
        raise BhxhError("catalog.invalid", path=", ".join(missing), reason="missing from the installation")
    return "all present"


if __name__ == "__main__":
    sys.exit(run())
