"""``bhxh-desk --selftest``: proves that an installed copy works, headless, without a token or a network.

It checks that every data file the program needs is present (catalog, code lists, XSDs, messages, trust
anchors, translations, icons, the desktop entry), that the installed distribution puts nothing but the
``bhxh_desk`` package into site-packages, that the compiled translation loads and translates, and that the
window's modules import when PySide6 is installed. Then it builds, validates and signs a sample
procedure-600 dossier with a throwaway key, and verifies both signature levels. Exit 0 only if all of it
passed. It runs from a wheel, an editable install and the bundle alike.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.forms.resources import resource, resources_dir

SAMPLE = {
    "format": "bhxh-desk/draft@1", "procedure": "600", "period": "03/2026",
    "unit": {"code": "TA1234A", "name": "Công ty TNHH Tự Kiểm Tra", "tax_code": "0312345678",
             "agency_code": "07906", "signer": "Nguyễn Thị Lan", "phone": "0901234567"},
    "forms": {"D02-TS": [{"pa": "DC", "Hoten": "Phạm Quốc Huy", "Masobhxh": "0123456789", "Ngaysinh": "12/05/1988",
                          "Gioitinh": "1", "chucVu": "Trưởng phòng", "tienLuong": "15.000.000",
                          "tuThang": "03/2026", "maVungLTT": "01"}]},
}


def _data_files() -> list[str]:
    from bhxh_desk.forms.catalog import load_catalog

    catalog = load_catalog()
    needed = ["i18n/messages.toml", "catalog/unit.toml", "catalog/person.toml", "schemas/BHXHDienTu.xsd",
              "schemas/forms.json",
              "trust/mic-national-root-ca.pem", "translations/bhxh_desk_en.qm", "rates/base_salary.toml",
              "rates/regional_minimum.toml", "icons/bhxh-desk.svg", "icons/bhxh-desk-48.png", "icons/bhxh-desk.ico",
              "desktop/vn.bhxh_desk.BhxhDesk.desktop"]
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

    from bhxh_desk.forms.draft import draft_from_dict
    from bhxh_desk.forms.xmlbuild import build_forms
    from bhxh_desk.signing.dossier import sign_dossier, verify_dossier
    from bhxh_desk.signing.signer import KeySigner

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


QM_MAGIC = bytes.fromhex("3cb86418caef9c95cd211cbf60a1bddd")


def _distribution() -> str:
    """How this copy is installed, and that its wheel put no generic top-level name into site-packages
    (read from the wheel's RECORD: an egg-info's source list names the source folders, not what installed)."""
    import json
    from importlib.metadata import PackageNotFoundError, distribution

    if getattr(sys, "frozen", False):
        return "bundle"
    try:
        dist = distribution("bhxh-desk")
    except PackageNotFoundError:
        return "source tree, not installed"
    record = dist.read_text("RECORD")
    if record is None:
        return f"bhxh-desk {dist.version}, not from a wheel"
    tops = {line.split(",")[0].split("/")[0] for line in record.splitlines() if line.strip()}
    stray = sorted(tops & {"app", "forms", "signing", "resources", "tests", "bench"})
    if stray:
        raise BhxhError("catalog.invalid", path=", ".join(stray), reason="generic top-level names installed")
    editable = json.loads(dist.read_text("direct_url.json") or "{}").get("dir_info", {}).get("editable")
    return f"bhxh-desk {dist.version}, package bhxh_desk" + (" (editable)" if editable else "")


def _translations() -> str:
    path = resource("translations", "bhxh_desk_en.qm")
    if path.read_bytes()[:16] != QM_MAGIC:
        raise BhxhError("catalog.invalid", path=str(path), reason="not a compiled Qt translation")
    from importlib.util import find_spec

    if find_spec("PySide6") is None:
        return "English .qm present (PySide6 not installed: not loaded)"
    from PySide6.QtCore import QTranslator

    translator = QTranslator()
    if not translator.load(str(path)) or translator.translate("", "Hủy") != "Cancel":
        raise BhxhError("catalog.invalid", path=str(path), reason="the English translation does not load")
    return "English loads (Hủy → Cancel)"


def _window_modules() -> str:
    """The window's modules import (no window is opened: the self-test runs headless)."""
    import importlib
    import pkgutil
    from importlib.util import find_spec

    if find_spec("PySide6") is None:
        return "PySide6 not installed: the window is not available, the commands are"
    from bhxh_desk.app import ui

    names = [m.name for m in pkgutil.iter_modules(ui.__path__, ui.__name__ + ".")]
    for name in names:
        importlib.import_module(name)
    return f"{len(names)} modules import"


def run(out: Callable[[str], None] = print) -> int:
    steps: list[tuple[str, Callable[[], str]]] = [
        ("data files", lambda: _missing_or_ok()),
        ("installation", _distribution),
        ("translations", _translations),
        ("window modules", _window_modules),
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
