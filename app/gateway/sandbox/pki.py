"""The sandbox's own keys: a CA, the TLS server certificate for loopback, and the key that signs result
documents. Made on first start in the data folder; clients are told to trust ``ca.pem``."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class SandboxPKI:
    folder: Path

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.folder / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.folder / "server.key"

    @property
    def signer_cert(self) -> Path:
        return self.folder / "result-signer.pem"

    @property
    def signer_key(self) -> Path:
        return self.folder / "result-signer.key"

    def issue(self, name: x509.Name, public_key, *, days: int = 825, usage: str = "sign",
              sans: list[x509.GeneralName] | None = None) -> x509.Certificate:
        """A certificate from the sandbox CA (also used for demo token certificates)."""
        ca_key = serialization.load_pem_private_key(self.ca_key.read_bytes(), None)
        ca = x509.load_pem_x509_certificate(self.ca_cert.read_bytes())
        now = datetime.now(UTC)
        b = (x509.CertificateBuilder().subject_name(name).issuer_name(ca.subject).public_key(public_key)
             .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
             .not_valid_after(now + timedelta(days=days))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
        if usage == "tls":
            b = (b.add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), True)
                 .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
                 .add_extension(x509.SubjectAlternativeName(sans or []), False))
        else:
            b = b.add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), True)
        return b.sign(ca_key, hashes.SHA256())


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))


def ensure(folder: Path) -> SandboxPKI:
    pki = SandboxPKI(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not pki.ca_cert.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "bhxh-desk sandbox"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "bhxh-desk Sandbox CA (CHỈ ĐỂ THỬ NGHIỆM)")])
        now = datetime.now(UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), True)
                .sign(key, hashes.SHA256()))
        _write_key(pki.ca_key, key)
        pki.ca_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if not pki.server_cert.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        cert = pki.issue(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]), key.public_key(),
                         usage="tls", sans=sans)
        _write_key(pki.server_key, key)
        pki.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if not pki.signer_cert.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "bhxh-desk sandbox"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "Cổng thử nghiệm bhxh-desk (ký kết quả)")])
        cert = pki.issue(name, key.public_key())
        _write_key(pki.signer_key, key)
        pki.signer_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return pki
