"""A small test PKI made with cryptography: a root, an intermediate and leaf certificates shaped like
Vietnamese organisation certificates (UID=MST:<tax code>). Nothing here is a fake of our code: these are
real certificates that the real checks and xmlsec1 verify. With a CRL base URL its certificates name
their CRLs, which the PKI signs and ``CrlServer`` serves over HTTP on 127.0.0.1."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
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
          not_before: datetime | None = None, days: int = 365, key_usage: str = "sign",
          crl_url: str | None = None) -> Issued:
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
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return Issued(key, builder.sign(signing_key, hashes.SHA256()))


@dataclass
class TestPKI:
    root: Issued
    intermediate: Issued
    crl_base: str | None = None     # with it, the intermediate and each leaf name a CRL under this URL

    @classmethod
    def create(cls, crl_base: str | None = None) -> TestPKI:
        """``crl_base`` (e.g. the URL of ``CrlServer``): the intermediate's CRL distribution point is
        ``{crl_base}/root.crl``, each leaf's ``{crl_base}/issuing.crl``, as a Vietnamese CA's chain names
        its CRLs (``http://crl.<ca>.vn/...``)."""
        since = datetime.now(UTC) - timedelta(days=365)       # the CAs are older than any signature tested
        root_key = new_key()
        root = issue(_name("bhxh-desk Test Root CA"), root_key.public_key(), None, ca=True, key=root_key, days=3650,
                     not_before=since)
        inter_key = new_key()
        inter = issue(_name("bhxh-desk Test Issuing CA"), inter_key.public_key(), root, ca=True, key=inter_key,
                      days=1825, not_before=since, crl_url=f"{crl_base}/root.crl" if crl_base else None)
        inter.key = inter_key
        return cls(root=root, intermediate=inter, crl_base=crl_base)

    def leaf(self, tax_code: str = "0312345678", public_key=None, *, cn: str = "CÔNG TY TNHH HOA SEN",
             **kw) -> Issued:
        key = None if public_key is not None else new_key()
        pub = public_key if public_key is not None else key.public_key()
        if self.crl_base and "crl_url" not in kw:
            kw["crl_url"] = f"{self.crl_base}/issuing.crl"
        return issue(_name(cn, "CÔNG TY TNHH HOA SEN", f"MST:{tax_code}"), pub, self.intermediate, ca=False,
                     key=key, **kw)

    def crl(self, issuer: Issued, revoked: Sequence[tuple[x509.Certificate, datetime]] = (), *,
            this_update: datetime | None = None, days: int = 7, signer: Issued | None = None) -> bytes:
        """A DER CRL of ``issuer`` listing each (certificate, revocation date); signed by ``issuer``'s own
        key (the CRL signer), or by ``signer``'s to make a forged one."""
        start = this_update or datetime.now(UTC) - timedelta(hours=1)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(issuer.cert.subject)
                   .last_update(start).next_update(start + timedelta(days=days)))
        for cert, when in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(when).build())
        key = (signer or issuer).key
        assert key is not None
        return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


class CrlServer:
    """CRLs over real HTTP on 127.0.0.1, as a CA's CRL host serves them: ``files`` maps a path to its
    bytes; ``delay`` holds every answer back (a CA that does not answer); ``hits`` counts requests."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.files: dict[str, bytes] = {}
        self.delay = 0.0
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                import time

                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                if server.delay:
                    time.sleep(server.delay)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/pkix-crl")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="crl-server", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
