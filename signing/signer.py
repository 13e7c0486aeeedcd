"""The ``Signer`` seam: whatever can make an RSA-SHA256 signature over bytes and name its certificate.

``signing.xmldsig`` knows nothing about PKCS#11: it hands the canonical SignedInfo to a ``Signer``. The
token's batch session (``signing.token.client``) is one; ``KeySigner`` wraps a private key held in
software, for the self-test, benchmarks against xmlsec1, and tests of the XML layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bhxh_desk.signing.errors import SigningError

if TYPE_CHECKING:       # cryptography loads only when a key in software is used: signing starts faster
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa


@runtime_checkable
class Signer(Protocol):
    @property
    def certificate_der(self) -> bytes:
        """The signer's certificate (DER), as KeyInfo carries it."""
        ...

    def sign(self, data: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 over ``data`` (the token hashes; one C_Sign)."""
        ...


class KeySigner:
    def __init__(self, key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> None:
        self._key = key
        self._certificate = certificate

    @classmethod
    def from_files(cls, key_pem: str | Path, cert_pem: str | Path, password: bytes | None = None) -> KeySigner:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        try:
            key = serialization.load_pem_private_key(Path(key_pem).read_bytes(), password)
            cert = x509.load_pem_x509_certificate(Path(cert_pem).read_bytes())
        except (OSError, ValueError, TypeError) as exc:
            raise SigningError("sign.failed", reason=str(exc)) from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SigningError("sign.failed", reason="only RSA keys are supported")
        return cls(key, cert)

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def certificate_der(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

        return self._certificate.public_bytes(Encoding.DER)

    def sign(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
