"""A ready-to-try test setup: a demo unit on the sandbox and a SoftHSM2 token holding its certificate.

``bhxh-desk sandbox demo`` makes, in the sandbox's data folder:
- the accounts of demo unit TA1234A and of demo person 0123456789 (password and PIN are printed: they are
  throwaway test-mode values, not secrets);
- a SoftHSM2 token (``softhsm/softhsm2.conf``) with an RSA-2048 key generated on it and a certificate for
  the unit issued by the sandbox CA;
- that certificate registered for the unit.
Everything is made through PKCS#11 itself (PyKCS11), so only Debian's softhsm2 package is needed.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from bhxh_desk.app.gateway.sandbox import pki as pki_mod
from bhxh_desk.app.gateway.sandbox.db import SandboxDB, iso
from bhxh_desk.signing import certs
from bhxh_desk.signing.errors import TokenError

DEMO_UNIT = "TA1234A"
DEMO_PERSON = "0123456789"          # the person of docs/examples/CN-1LAN-huong-mot-lan.json
DEMO_TAX_CODE = "0312345678"
DEMO_NAME = "CÔNG TY TNHH DEMO HOA SEN"
DEMO_LABEL = "BHXH-DESK DEMO"
KEY_ID = "d0"


@dataclass(frozen=True)
class Demo:
    unit: str
    password: str
    pin: str
    softhsm_conf: Path
    module: str
    ca: Path


def _softhsm_module() -> str:
    from bhxh_desk.signing.drivers import LINUX_DIRS

    for d in LINUX_DIRS:
        p = Path(d) / "libsofthsm2.so"
        if p.is_file():
            return str(p)
    raise TokenError("token.no_module", searched="libsofthsm2.so (Debian package softhsm2)")


def create(data: Path) -> Demo:
    import PyKCS11

    sandbox_pki = pki_mod.ensure(data / "pki")
    hsm = data / "softhsm"
    (hsm / "tokens").mkdir(parents=True, exist_ok=True, mode=0o700)
    conf = hsm / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {hsm / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)     # read by SoftHSM when the library loads, just below
    module = _softhsm_module()
    pin, so_pin, password = f"{secrets.randbelow(10**6):06d}", secrets.token_hex(8), secrets.token_urlsafe(9)

    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    slot = next(s for s in lib.getSlotList(tokenPresent=True)
                if not lib.getTokenInfo(s).flags & PyKCS11.CKF_TOKEN_INITIALIZED)
    lib.initToken(slot, so_pin, DEMO_LABEL)
    slot = next(s for s in lib.getSlotList(tokenPresent=True)
                if lib.getTokenInfo(s).label.replace("\x00", "").strip() == DEMO_LABEL)
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(so_pin, user_type=PyKCS11.CKU_SO)
    session.initPin(pin)
    session.logout()
    session.login(pin)
    ident = bytes.fromhex(KEY_ID)
    pub, _ = session.generateKeyPair(
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_VERIFY, True),
         (PyKCS11.CKA_MODULUS_BITS, 2048), (PyKCS11.CKA_PUBLIC_EXPONENT, (0x01, 0x00, 0x01)),
         (PyKCS11.CKA_ID, ident), (PyKCS11.CKA_LABEL, "demo key")],
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_SIGN, True),
         (PyKCS11.CKA_PRIVATE, True), (PyKCS11.CKA_SENSITIVE, True), (PyKCS11.CKA_ID, ident),
         (PyKCS11.CKA_LABEL, "demo key")],
        mecha=PyKCS11.MechanismRSAGENERATEKEYPAIR)
    modulus, exponent = session.getAttributeValue(pub, [PyKCS11.CKA_MODULUS, PyKCS11.CKA_PUBLIC_EXPONENT])
    public_key = rsa.RSAPublicNumbers(int.from_bytes(bytes(exponent), "big"),
                                      int.from_bytes(bytes(modulus), "big")).public_key()
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_NAME),
                      x509.NameAttribute(NameOID.COMMON_NAME, DEMO_NAME),
                      x509.NameAttribute(NameOID.USER_ID, f"MST:{DEMO_TAX_CODE}")])
    cert = sandbox_pki.issue(name, public_key, days=365)
    der = cert.public_bytes(Encoding.DER)
    session.createObject([(PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE), (PyKCS11.CKA_TOKEN, True),
                          (PyKCS11.CKA_CERTIFICATE_TYPE, PyKCS11.CKC_X_509), (PyKCS11.CKA_VALUE, der),
                          (PyKCS11.CKA_ID, ident), (PyKCS11.CKA_LABEL, "demo certificate"),
                          (PyKCS11.CKA_SUBJECT, cert.subject.public_bytes())])
    session.logout()
    session.closeSession()

    db = SandboxDB(data / "sandbox.sqlite3")
    db.add_account(DEMO_UNIT, kind="unit", password=password, tax_code=DEMO_TAX_CODE, name=DEMO_NAME,
                   phone="0901234567")
    db.add_account(DEMO_PERSON, kind="person", password=password, name="Lê Văn Tám", phone="0987654321")
    f = certs.facts(cert)
    db.register_certificate(DEMO_UNIT, f.serial, der, f.subject, f.issuer, f.tax_code, iso(f.not_before),
                            iso(f.not_after))
    db.close()
    return Demo(unit=DEMO_UNIT, password=password, pin=pin, softhsm_conf=conf, module=module,
                ca=sandbox_pki.ca_cert)
