"""Signing's branch of the exception tree (see ``forms.errors``).

    BhxhError
    └── SigningError
        ├── TokenError          the token or its driver: no driver, no token, wrong or locked PIN, removed,
        │                       timed out, helper died, cancelled
        ├── CertificateError    the certificate may not sign this dossier: expired, wrong key usage, tax
        │                       code of another unit, untrusted chain
        └── SignatureError      a signature does not verify, or the document is not what was signed
"""

from __future__ import annotations

from bhxh_desk.forms.errors import BhxhError


class SigningError(BhxhError):
    default_code = "sign.failed"


class TokenError(SigningError):
    default_code = "token.failed"


class CertificateError(SigningError):
    default_code = "cert.invalid"


class SignatureError(SigningError):
    default_code = "sig.invalid"
