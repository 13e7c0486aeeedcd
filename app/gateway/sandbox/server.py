"""The sandbox gateway's HTTP server (stdlib ``ThreadingHTTPServer``), with optional TLS and fault injection.

Faults, set by flags, so that clients can prove their recovery: ``latency`` before every answer, a share
of ``503`` answers, a share of connections reset before any work, and a share of dossier uploads whose
reply is lost *after* the dossier was stored (the connection is reset instead of answered).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import random
import secrets
import socket
import ssl
import struct
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509

from bhxh_desk.app.gateway.errors import Reason
from bhxh_desk.app.gateway.protocol import PROTOCOL, CertificateRecord, Receipt
from bhxh_desk.app.gateway.sandbox import pki as pki_mod
from bhxh_desk.app.gateway.sandbox.checks import Refusal, certificate_checks, check_submission, reason
from bhxh_desk.app.gateway.sandbox.db import Account, SandboxDB, iso
from bhxh_desk.app.gateway.sandbox.results import Timing, ensure_result, status_of
from bhxh_desk.signing import certs

log = logging.getLogger("bhxh-desk.sandbox")
MAX_BODY = 256 * 1024 * 1024


@dataclass
class Faults:
    latency: float = 0.0            # seconds before every answer
    error_rate: float = 0.0         # share of /v1 requests answered 503 before any work
    reset_rate: float = 0.0         # share of /v1 requests whose connection is reset before any work
    lose_reply_rate: float = 0.0    # share of dossier uploads stored, then the reply lost
    seed: int | None = None
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self.rng.random() < rate


@dataclass
class Sandbox:
    data: Path
    timing: Timing = field(default_factory=Timing)
    faults: Faults = field(default_factory=Faults)
    otp_ttl: timedelta = timedelta(minutes=5)
    extra_trust: list[x509.Certificate] = field(default_factory=list)
    # Test only: file every upload as a new dossier, even one with a key or digest seen before, so that
    # exactly-once has to come from the client and its outbox, not from the gateway forgiving a repeat.
    no_dedupe: bool = False

    def __post_init__(self) -> None:
        self.db = SandboxDB(self.data / "sandbox.sqlite3")
        self.pki = pki_mod.ensure(self.data / "pki")
        sandbox_ca = certs.load_pem_file(self.pki.ca_cert)
        everything = certs.trust_anchors() + sandbox_ca + self.extra_trust
        self.anchors = [c for c in everything if c.issuer == c.subject]
        self.intermediates = [c for c in everything if c.issuer != c.subject]

    def sms_outbox(self) -> Path:
        return self.data / "sms-outbox.txt"


class Handler(BaseHTTPRequestHandler):
    server_version = "bhxh-desk-sandbox/1"
    protocol_version = "HTTP/1.1"
    sandbox: Sandbox

    def log_message(self, fmt: str, *args: Any) -> None:      # never the body: it may hold a password
        log.info("%s %s", self.address_string(), fmt % args)

    # ---------------------------------------------------------------- plumbing

    def _send(self, status: int, payload: Any = None, *, body: bytes | None = None,
              content_type: str = "application/json; charset=utf-8") -> None:
        data = body if body is not None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Protocol", PROTOCOL)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, reasons: list[Reason] | None = None, **params: object) -> None:
        r = reason(code, **params)
        self._send(status, {"error": {"code": code, "message_vi": r.message_vi, "message_en": r.message_en,
                                      "reasons": [asdict(x) for x in (reasons or [])]}})

    def _reset(self) -> None:
        """Drop the connection with a TCP reset, as a broken network would."""
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise Refusal(413, "xml.too_large", [reason("xml.too_large", limit_mb=MAX_BODY // 2**20)])
        return self.rfile.read(length) if length else b""

    def _json(self) -> dict[str, Any]:
        try:
            data = json.loads(self._body() or b"{}")
        except ValueError:
            raise Refusal(400, "gw.bad_answer", [reason("gw.bad_answer", reason="JSON expected")]) from None
        if not isinstance(data, dict):
            raise Refusal(400, "gw.bad_answer", [reason("gw.bad_answer", reason="JSON object expected")])
        return data

    def _account(self) -> tuple[Account, str, list[str]]:
        auth = self.headers.get("Authorization", "")
        code = self.sandbox.db.session(auth[7:]) if auth.startswith("Bearer ") else None
        account = self.sandbox.db.account(code) if code else None
        if account is None:
            raise Refusal(401, "auth.required", [])
        units = self.sandbox.db.units_of(account.code)
        unit = self.headers.get("X-Unit") or account.code
        if unit not in units:
            raise Refusal(403, "auth.forbidden_unit", [reason("auth.forbidden_unit", unit=unit)])
        return account, unit, units

    # ---------------------------------------------------------------- dispatch

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        route = ROUTES.get((method, url.path))
        if route is None:
            self._body() if method == "POST" else None
            self._error(404, "gw.not_found", key=url.path)
            return
        faults = self.sandbox.faults
        if faults.latency:
            time.sleep(faults.latency)
        if url.path.startswith("/v1/") and not url.path.startswith("/v1/sandbox/"):
            if faults.roll(faults.reset_rate):
                self._reset()
                return
            if faults.roll(faults.error_rate):
                self._body() if method == "POST" else None
                self._error(503, "gw.server", status=503)
                return
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            route(self, query)
        except Refusal as refusal:
            self._error(refusal.http_status, refusal.code, refusal.reasons,
                        **({"unit": self.headers.get("X-Unit", "")} if refusal.code == "auth.forbidden_unit" else {}))
        except (ConnectionError, ssl.SSLError):
            self.close_connection = True
        except Exception:
            log.exception("sandbox error on %s", url.path)
            self._error(500, "gw.server", status=500)

    # ---------------------------------------------------------------- endpoints

    def health(self, q: dict[str, str]) -> None:
        self._send(200, {"status": "ok", "protocol": PROTOCOL, "protocols": [PROTOCOL], "sandbox": True})

    def session(self, q: dict[str, str]) -> None:
        body = self._json()
        account, password = str(body.get("account", "")), str(body.get("password", ""))
        result = self.sandbox.db.login(account, password)
        if result is None:
            raise Refusal(401, "auth.invalid", [])
        token, expires = result
        self._send(200, {"token": token, "expires_at": expires, "account": account,
                         "units": self.sandbox.db.units_of(account)})

    def register_certificate(self, q: dict[str, str]) -> None:
        account, unit, _ = self._account()
        body = self._json()
        try:
            import base64

            cert = x509.load_der_x509_certificate(base64.b64decode(str(body.get("certificate", ""))))
        except ValueError as exc:
            raise Refusal(422, "cert.unreadable", [reason("cert.unreadable", reason=str(exc)[:100])]) from None
        certificate_checks(cert, unit=unit, account=account, db=self.sandbox.db, anchors=self.sandbox.anchors,
                           intermediates=self.sandbox.intermediates)
        f = certs.facts(cert)
        record = CertificateRecord(serial=f.serial, subject=f.subject, issuer=f.issuer, tax_code=f.tax_code,
                                   not_before=iso(f.not_before), not_after=iso(f.not_after))
        from cryptography.hazmat.primitives.serialization import Encoding

        new = self.sandbox.db.register_certificate(unit, f.serial, cert.public_bytes(Encoding.DER), f.subject,
                                                   f.issuer, f.tax_code, record.not_before, record.not_after)
        self._send(201 if new else 200, record.to_json())

    def list_certificates(self, q: dict[str, str]) -> None:
        _, unit, _ = self._account()
        keys = ("serial", "subject", "issuer", "tax_code", "not_before", "not_after")
        self._send(200, {"certificates": [dict(zip(keys, row, strict=True))
                                          for row in self.sandbox.db.certificates(unit)]})

    def submit(self, q: dict[str, str]) -> None:
        account, unit, units = self._account()
        key = (self.headers.get("Idempotency-Key") or "").strip()
        data = self._body()
        if not key or len(key) > 100:
            raise Refusal(400, "gw.bad_answer", [reason("gw.bad_answer", reason="Idempotency-Key header required")])
        digest = hashlib.sha256(data).hexdigest()
        db = self.sandbox.db
        first = None if self.sandbox.no_dedupe else db.find(key=key) or db.find(digest=digest)
        if first is None:
            accepted = check_submission(data, account=account, unit=unit, allowed_units=units, db=db,
                                        anchors=self.sandbox.anchors, intermediates=self.sandbox.intermediates)
            env = accepted.envelope
            rejects = json.dumps([asdict(r) for r in accepted.reject_reasons], ensure_ascii=False) \
                if accepted.reject_reasons else None
            first, created = db.store_dossier(key=key, digest=digest, unit=unit, account=account.code,
                                              procedure=env.procedure, period=env.period,
                                              agency=env.unit.agency_code or "00000", file=data,
                                              reject_reasons=rejects, dedupe=not self.sandbox.no_dedupe)
            repeat = not created
        else:
            repeat = True
        if first.idempotency_key == key and first.digest != digest:
            raise Refusal(409, "gw.key_reused", [reason("gw.key_reused", key=key)])
        receipt = Receipt(so_ho_so=first.so_ho_so, received_at=iso(first.received_at), status=200,
                          digest=first.digest, idempotency_key=first.idempotency_key, repeat=repeat)
        if not repeat and self.sandbox.faults.roll(self.sandbox.faults.lose_reply_rate):
            self._reset()            # stored, but the client never hears so
            return
        self._send(200, receipt.to_json())

    def _find(self, q: dict[str, str]):
        self._account()
        so_ho_so, key = q.get("so_ho_so"), q.get("idempotency_key")
        d = self.sandbox.db.find(so_ho_so=so_ho_so) if so_ho_so else self.sandbox.db.find(key=key) if key else None
        if d is None:
            raise Refusal(404, "gw.not_found", [reason("gw.not_found", key=so_ho_so or key or "")])
        return d

    def status(self, q: dict[str, str]) -> None:
        d = self._find(q)
        st = status_of(d, self.sandbox.timing)
        payload = st.to_json()
        payload.update(idempotency_key=d.idempotency_key, digest=d.digest, received_at=iso(d.received_at))
        self._send(200, payload)

    def result(self, q: dict[str, str]) -> None:
        d = self._find(q)
        st = status_of(d, self.sandbox.timing)
        doc = ensure_result(self.sandbox.db, d, st, self.sandbox.pki)
        if doc is None:
            raise Refusal(404, "gw.not_found", [reason("gw.not_found", key=d.so_ho_so)])
        self._send(200, body=doc, content_type="application/xml")

    def otp(self, q: dict[str, str]) -> None:
        account, unit, _ = self._account()
        body = self._json()
        ma_so, digest = str(body.get("ma_so_bhxh", "")), str(body.get("digest", ""))
        person = self.sandbox.db.account(ma_so)
        if not ma_so or len(digest) != 64 or (ma_so != unit and ma_so != account.code):
            raise Refusal(422, "otp.not_bound", [reason("otp.not_bound")])
        code = f"{secrets.randbelow(10**6):06d}"
        request_id, expires = self.sandbox.db.add_otp(ma_so, digest, code, self.sandbox.otp_ttl)
        phone = person.phone if person and person.phone else ma_so
        text = (f"BHXH: Ma xac thuc giao dich dien tu cua ban la {code}, ma yeu cau {request_id}, "
                f"het han luc {expires}. Khong cung cap ma nay cho nguoi khac.")
        self.sandbox.db.send_sms(ma_so, text)
        with self.sandbox.sms_outbox().open("a", encoding="utf-8") as fh:
            fh.write(f"{iso_now()}\t{ma_so}\t{phone}\t{text}\n")
        masked = phone[:2] + "x" * max(0, len(phone) - 5) + phone[-3:]
        self._send(202, {"request_id": request_id, "expires_at": expires, "sent_to": masked})

    def sms(self, q: dict[str, str]) -> None:
        self._send(200, {"messages": [{"at": at, "text": text} for at, text in self.sandbox.db.sms(q.get("to", ""))]})


def iso_now() -> str:
    from bhxh_desk.app.gateway.sandbox.db import now

    return iso(now())


ROUTES = {
    ("GET", "/health"): Handler.health,
    ("POST", "/v1/session"): Handler.session,
    ("POST", "/v1/certificates"): Handler.register_certificate,
    ("GET", "/v1/certificates"): Handler.list_certificates,
    ("POST", "/v1/dossiers"): Handler.submit,
    ("GET", "/v1/dossiers/status"): Handler.status,
    ("GET", "/v1/dossiers/result"): Handler.result,
    ("POST", "/v1/otp"): Handler.otp,
    ("GET", "/v1/sandbox/sms"): Handler.sms,
}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up or refuses our TLS certificate is routine here, not a traceback."""
        log.info("connection from %s ended abnormally", client_address)


def make_server(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0, tls: bool = False) -> Server:
    handler = type("BoundHandler", (Handler,), {"sandbox": sandbox})
    server = Server((host, port), handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(sandbox.pki.server_cert, sandbox.pki.server_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def url_of(server: Server, tls: bool) -> str:
    host, port = server.server_address[:2]
    return f"{'https' if tls else 'http'}://{host}:{port}"
