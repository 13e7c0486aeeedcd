"""A small test PKI made with cryptography: a root, an intermediate and leaf certificates shaped like
Vietnamese organisation certificates (UID=MST:<tax code>). Nothing here is a fake of our code: these are
real certificates that the real checks and xmlsec1 verify."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def _name(cn: str, org: str = "Test CA", uid: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
             x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if uid:
        attrs.append(x509.NameAttribute(NameOID.USER_ID, uid))
    return x509.Name(attrs)


def new_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@dataclass
class Issued:
    key: rsa.RSAPrivateKey | None
    cert: x509.Certificate

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        assert self.key is not None
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())


def issue(subject: x509.Name, public_key, issuer: Issued | None, *, ca: bool, key=None,
          not_before: datetime | None = None, days: int = 365, key_usage: str = "sign") -> Issued:
    now = datetime.now(UTC)
    start = not_before or now - timedelta(days=1)
    signing_key = issuer.key if issuer else key
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(issuer.cert.subject if issuer else subject)
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(start + timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        ku = x509.KeyUsage(True, False, False, False, False, True, True, False, False)
    elif key_usage == "sign":
        ku = x509.KeyUsage(True, True, True, False, False, False, False, False, False)
    else:   # encryption only
        ku = x509.KeyUsage(False, False, True, True, False, False, False, False, False)
    builder = builder.add_extension(ku, critical=True)
    return Issued(key, builder.sign(signing_key, hashes.SHA256()))


@dataclass
class TestPKI:
    root: Issued
    intermediate: Issued

    @classmethod
    def create(cls) -> TestPKI:
        root_key = new_key()
        root = issue(_name("bhxh-desk Test Root CA"), root_key.public_key(), None, ca=True, key=root_key, days=3650)
        inter_key = new_key()
        inter = issue(_name("bhxh-desk Test Issuing CA"), inter_key.public_key(), root, ca=True, key=inter_key,
                      days=1825)
        inter.key = inter_key
        return cls(root=root, intermediate=inter)

    def leaf(self, tax_code: str = "0312345678", public_key=None, *, cn: str = "CÔNG TY TNHH HOA SEN",
             **kw) -> Issued:
        key = None if public_key is not None else new_key()
        pub = public_key if public_key is not None else key.public_key()
        return issue(_name(cn, "CÔNG TY TNHH HOA SEN", f"MST:{tax_code}"), pub, self.intermediate, ca=False,
                     key=key, **kw)
