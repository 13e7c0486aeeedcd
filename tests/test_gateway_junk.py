"""Junk from a gateway, over real HTTP: a small server on 127.0.0.1 answers each kind of bad answer (HTML
with 200 or 500, an empty body, truncated JSON, missing keys, wrong types, a wrong content type, a redirect to
another host) to each call of the client, and each must end as a translated ``Unexpected`` that names the HTTP
status and the log, never as "Unexpected error", a crash, "None" or exit 0 (issue 18, Deliver 2). And a
plain http:// gateway that is not on a loopback address is refused before anything is sent (Deliver 3).

Run the server by hand to try the command line against it:
    .venv/bin/python -m tests.test_gateway_junk 8766      # then --gateway http://127.0.0.1:8766/html200/otp
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bhxh_desk.app.gateway.client import GatewayClient, require_secure_url
from bhxh_desk.app.gateway.errors import GatewayError, Unexpected, Unreachable
from bhxh_desk.app.gateway.protocol import PROTOCOL
from tests.conftest import EXAMPLE, ROOT

UNIT, PASSWORD = "TA1234A", "mat-khau-junk-9"
SO_HO_SO = "00001/2026/07906"
PERSON = "0123456789"

# What a well-behaved gateway answers at each endpoint (docs/gateway-protocol.md): (HTTP status, body).
GOOD: dict[str, tuple[int, dict]] = {
    "health": (200, {"status": "ok", "protocol": PROTOCOL, "protocols": [PROTOCOL], "sandbox": False}),
    "session": (200, {"token": "tok-1", "expires_at": "2026-12-02T12:00:00+00:00", "account": UNIT,
                      "units": [UNIT]}),
    "certificates": (201, {"serial": "21b006", "subject": "CÔNG TY TNHH HOA SEN", "issuer": "Test CA",
                           "tax_code": "0312345678", "not_before": "2026-01-01T00:00:00+00:00",
                           "not_after": "2027-01-01T00:00:00+00:00"}),
    "dossiers": (200, {"so_ho_so": SO_HO_SO, "received_at": "2026-12-02T10:00:00+07:00", "status": 200,
                       "digest": "0" * 64, "idempotency_key": "key-1", "repeat": False}),
    "status": (200, {"so_ho_so": SO_HO_SO, "status": 202, "status_text_vi": "Có kết quả",
                     "updated_at": "2026-12-02T10:05:00+07:00", "reasons": [], "result_available": True,
                     "idempotency_key": "key-1", "digest": "0" * 64, "received_at": "2026-12-02T10:00:00+07:00"}),
    "otp": (202, {"request_id": "req-1", "expires_at": "2026-12-02T10:05:00+07:00", "sent_to": "09xxxxx321"}),
}
RESULT_XML = f'<?xml version="1.0" encoding="UTF-8"?>\n<KetQua><SoHoSo>{SO_HO_SO}</SoHoSo></KetQua>'.encode()

# Per endpoint: the key whose absence the client must notice, and a value of the wrong type for one key.
MISSING = {"health": "protocol", "session": "units", "certificates": "serial", "dossiers": "so_ho_so",
           "status": "result_available", "otp": "sent_to"}
WRONG_TYPE = {"health": ("status", True), "session": ("units", UNIT), "certificates": ("tax_code", 312345678),
              "dossiers": ("status", "200"), "status": ("result_available", "yes"), "otp": ("sent_to", None)}

KINDS = ("html200", "html500", "empty", "truncated", "missing", "wrongtypes", "ctype", "redirect")
ROUTES = {"/health": "health", "/v1/session": "session", "/v1/certificates": "certificates",
          "/v1/dossiers": "dossiers", "/v1/dossiers/status": "status", "/v1/dossiers/result": "result",
          "/v1/otp": "otp"}


class Recording(BaseHTTPRequestHandler):
    """Every request kept in ``server.seen`` (method, path, Authorization, body), nothing on the console."""

    server: JunkServer

    def log_message(self, fmt: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._answer(self._read())

    def do_POST(self) -> None:
        self._answer(self._read())

    def _read(self) -> bytes:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.command, self.path, self.headers.get("Authorization"), body))
        return body

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Handler(Recording):
    """``/<kind>/<endpoint>/<protocol path>``: junk of that kind at that endpoint, good answers elsewhere
    (so that a call after sign-in gets as far as its own endpoint)."""

    def _answer(self, body: bytes) -> None:
        url = urlsplit(self.path)
        parts = url.path.split("/", 3)            # "", kind, endpoint, rest
        if len(parts) < 4:
            self._send(404, b"no such test path", "text/plain")
            return
        kind, target, endpoint = parts[1], parts[2], ROUTES.get("/" + parts[3], "?")
        if endpoint != target or kind == "good":
            self._good(endpoint, body)
        else:
            self._junk(kind, endpoint)

    def _good(self, endpoint: str, body: bytes) -> None:
        if endpoint == "result":
            self._send(200, RESULT_XML, "application/xml")
            return
        if endpoint not in GOOD:
            self._send(404, b"", "text/plain")
            return
        status, payload = GOOD[endpoint]
        if endpoint == "dossiers":
            payload = {**payload, "digest": hashlib.sha256(body).hexdigest(),
                       "idempotency_key": self.headers.get("Idempotency-Key", "")}
        self._send(status, json.dumps(payload, ensure_ascii=False).encode())

    def _junk(self, kind: str, endpoint: str) -> None:
        status, payload = GOOD.get(endpoint, (200, {"so_ho_so": SO_HO_SO}))
        good = json.dumps(payload, ensure_ascii=False).encode()
        if kind == "html200":
            self._send(200, b"<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>", "text/html")
        elif kind == "html500":
            self._send(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html")
        elif kind == "empty":
            self._send(status, b"")
        elif kind == "truncated":
            self._send(status, good[: len(good) // 2])
        elif kind == "missing":
            self._send(status, json.dumps({k: v for k, v in payload.items() if k != MISSING.get(endpoint)}).encode())
        elif kind == "wrongtypes":
            key, value = WRONG_TYPE.get(endpoint, ("so_ho_so", 1))
            self._send(status, json.dumps({**payload, key: value}).encode())
        elif kind == "ctype":
            self._send(status, RESULT_XML if endpoint == "result" else good, "text/plain; charset=utf-8")
        elif kind == "redirect":
            self.send_response(302)
            self.send_header("Location", f"{self.server.elsewhere}{urlsplit(self.path).path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif kind == "redirect307":        # a redirect that keeps the method and the body (the password)
            self.send_response(307)
            self.send_header("Location", f"{self.server.elsewhere}/v1/session")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif kind == "cut":                # the connection closes before the body it announced
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(good) + 100))
            self.send_header("X-Protocol", PROTOCOL)
            self.end_headers()
            self.wfile.write(good)
            self.close_connection = True
        elif kind == "gzip":               # says gzip, is not
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(good)))
            self.send_header("X-Protocol", PROTOCOL)
            self.end_headers()
            self.wfile.write(good)
        elif kind == "huge":               # an endless body: 17 MiB of spaces before anything
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Protocol", PROTOCOL)
            self.end_headers()
            chunk = b" " * 2**20
            try:
                for _ in range(17):
                    self.wfile.write(chunk)
                self.wfile.write(good)
            except OSError:
                pass
            self.close_connection = True
        else:
            self._send(400, b"unknown kind", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str = "application/json; charset=utf-8",
              protocol: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if protocol and not content_type.startswith("text/html"):   # a proxy's page does not say bhxh-gw/1
            self.send_header("X-Protocol", PROTOCOL)
        self.end_headers()
        self.wfile.write(body)


class JunkServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, elsewhere: str = "",
                 handler: type[Recording] = Handler) -> None:
        super().__init__((host, port), handler)
        self.seen: list[tuple[str, str, str | None, bytes]] = []
        self.elsewhere = elsewhere

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class Elsewhere(Recording):
    """Another host: it must never be asked anything, least of all with a password or a token."""


def serve(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[JunkServer, JunkServer]]:
    other = JunkServer("127.0.0.2", handler=Elsewhere)
    junk = JunkServer(elsewhere=other.url)
    serve(other)
    serve(junk)
    yield junk, other
    for s in (junk, other):
        s.shutdown()
        s.server_close()


# ---------------------------------------------------------------- every client call, every kind of junk

def otp_envelope() -> bytes:
    """An individual's dossier confirmed with a code: the envelope the OTP confirmation files."""
    from datetime import date

    from bhxh_desk.forms.draft import read_draft
    from bhxh_desk.forms.xmlbuild import build_unsigned
    from bhxh_desk.signing import otp

    draft = read_draft(ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json")
    return otp.attach(build_unsigned(draft, created=date(2026, 12, 2)),
                      otp.OtpAttachment(ma_so_bhxh=draft.unit.code, request_id="req-1", code="482913"))


def _signed_in(c: GatewayClient) -> GatewayClient:
    c.login(UNIT, PASSWORD)
    return c


CALLS: dict[str, tuple[str, Callable[[GatewayClient], object]]] = {
    "sign-in": ("session", lambda c: c.login(UNIT, PASSWORD)),
    "certificate registration": ("certificates", lambda c: _signed_in(c).register_certificate(b"der")),
    "health": ("health", lambda c: c.health()),
    "submit": ("dossiers", lambda c: _signed_in(c).submit(b"<signed/>", "key-1")),
    "status": ("status", lambda c: _signed_in(c).status(so_ho_so=SO_HO_SO)),
    "status by key": ("status", lambda c: _signed_in(c).receipt_by_key("key-1")),
    "result": ("result", lambda c: _signed_in(c).result(SO_HO_SO)),
    "otp request": ("otp", lambda c: _signed_in(c).request_otp(PERSON, "a" * 64)),
    "otp confirm": ("dossiers", lambda c: _signed_in(c).submit(otp_envelope(), "key-otp")),
}
def why(kind: str, endpoint: str) -> str:
    """What the English message must say was wrong."""
    if endpoint == "result" and kind in ("empty", "truncated", "missing", "wrongtypes"):
        return "content type application/json instead of application/xml"
    if kind == "missing":
        return f"the field {MISSING[endpoint]} is missing"
    if kind == "wrongtypes":
        return f"the field {WRONG_TYPE[endpoint][0]} must be a JSON "
    return {"html200": "content type text/html", "html500": "content type text/html", "empty": "an empty body",
            "truncated": "truncated JSON", "ctype": "content type text/plain",
            "redirect": "a redirect to http://127.0.0.2:"}[kind]


STATUS_OF = {"html200": 200, "html500": 500, "redirect": 302}


def client_of(server: JunkServer, kind: str, endpoint: str) -> GatewayClient:
    return GatewayClient(f"{server.url}/{kind}/{endpoint}", retries=1, backoff=0.0, sleep=lambda s: None,
                         timeout=5)


@pytest.mark.parametrize("call", list(CALLS))
def test_each_call_reads_a_good_answer(servers, call):
    """The control: the same server's good answers are understood, so a failure below is the junk's."""
    junk, _ = servers
    endpoint, run = CALLS[call]
    with client_of(junk, "good", endpoint) as c:
        answer = run(c)
    assert answer is not None
    if call == "otp request":
        assert answer.sent_to == "09xxxxx321"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("call", list(CALLS))
def test_each_call_refuses_each_kind_of_junk(servers, call, kind):
    junk, other = servers
    endpoint, run = CALLS[call]
    before = len(other.seen)
    with client_of(junk, kind, endpoint) as c, pytest.raises(GatewayError) as info:
        run(c)
    err = info.value
    assert isinstance(err, Unexpected), (type(err), err.message("en"))
    status = STATUS_OF.get(kind, GOOD.get(endpoint, (200,))[0])
    assert err.code == "gw.unexpected" and err.http_status == status
    vi, en = err.message("vi"), err.message("en")
    assert "không mong đợi" in vi and "answered something unexpected" in en
    assert f"HTTP {status}" in vi and f"HTTP {status}" in en
    assert "None" not in vi + en and "{" not in vi + en
    assert why(kind, endpoint) in en, en
    if kind == "wrongtypes" and endpoint != "result":      # the JSON type in words of the message's language
        assert "phải là " in vi and "JSON" not in vi, vi
    log = Path(err.log)
    assert log.name == "bhxh-desk.log" and str(log) in vi and str(log) in en
    text = log.read_text(encoding="utf-8")
    assert f"/{kind}/{endpoint}/" in text and PASSWORD not in text and "tok-1" not in text
    assert len(other.seen) == before, "a redirect was followed to another host"
    if kind == "html500":
        assert isinstance(err, Unreachable)          # transient like any 5xx: a dossier stays queued


def test_a_redirect_that_keeps_the_body_is_not_followed_with_the_password(servers):
    junk, other = servers
    before = len(other.seen)
    with client_of(junk, "redirect307", "session") as c, pytest.raises(Unexpected) as info:
        c.login(UNIT, PASSWORD)
    assert info.value.http_status == 307 and "127.0.0.2" in info.value.message("en")
    assert len(other.seen) == before


@pytest.mark.parametrize("body", [b"<KetQua><SoHoSo>1</SoHo", b"<html><body>hi</body></html>", b""])
def test_a_result_that_is_not_a_result_document_is_unexpected(body):
    """The result is XML, not JSON: a truncated document or another root is junk too."""
    class Odd(Handler):
        def _good(self, endpoint: str, got: bytes) -> None:
            if endpoint == "result":
                self._send(200, body, "application/xml")
            else:
                super()._good(endpoint, got)

    odd = JunkServer(handler=Odd)
    serve(odd)
    try:
        with client_of(odd, "good", "result") as c, pytest.raises(Unexpected) as info:
            _signed_in(c).result(SO_HO_SO)
        assert info.value.http_status == 200
    finally:
        odd.shutdown()
        odd.server_close()


@pytest.mark.parametrize("kind", ["cut", "gzip", "huge"])
@pytest.mark.parametrize("call", ["sign-in", "submit", "otp request"])
def test_a_broken_body_is_a_clear_gateway_error(servers, call, kind):
    """Below JSON: a body cut short by the connection, one that says gzip and is not, and one longer than any
    answer of the protocol (read no further than the limit)."""
    junk, _ = servers
    endpoint, run = CALLS[call]
    with client_of(junk, kind, endpoint) as c, pytest.raises(GatewayError) as info:
        run(c)
    if kind == "huge":
        assert isinstance(info.value, Unexpected) and "16 MB" in info.value.message("en")
    else:
        assert isinstance(info.value, Unreachable)
    assert "Unexpected error" not in info.value.message("en") and "None" not in info.value.message("en")


def test_the_transport_follows_no_redirect_even_when_asked(servers):
    """The seam itself (``RequestsTransport``): a caller cannot turn redirects back on by mistake."""
    from bhxh_desk.app.gateway.client import RequestsTransport

    junk, other = servers
    before = len(other.seen)
    transport = RequestsTransport()
    try:
        r = transport.request("POST", f"{junk.url}/redirect307/session/v1/session", json={"password": PASSWORD},
                              allow_redirects=True, timeout=5)
    finally:
        transport.close()
    assert r.status_code == 307 and len(other.seen) == before


def test_an_error_page_without_the_protocols_body_is_not_a_refusal(servers):
    """A proxy's 404 page is not the gateway refusing a dossier: taken as a refusal, it would mark a dossier
    rejected for ever; it is unexpected, and the dossier stays in doubt, to be sent again with its key."""
    junk, _ = servers
    with GatewayClient(f"{junk.url}/none", retries=0) as c, pytest.raises(Unexpected) as info:
        c.health()
    assert info.value.http_status == 404


@pytest.mark.parametrize("kind", KINDS)
def test_an_otp_confirmation_answered_with_junk_stays_in_doubt_and_files_once_later(servers, tmp_path, kind):
    """The window's OTP confirmation (``app.actions.otp.confirm_and_file``): junk for an answer is neither a
    refused code nor a receipt. The dossier stays in doubt with the message, and goes out later with the same
    idempotency key."""
    from bhxh_desk.app.actions import gateway, otp
    from bhxh_desk.app.actions.checking import record_check, validate
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.outbox import Outbox
    from bhxh_desk.app.workflow import State
    from bhxh_desk.forms.draft import read_draft

    junk, _ = servers
    with Store(tmp_path / "s.sqlite3") as store, client_of(junk, kind, "dossiers") as client:
        client.login(PERSON, PASSWORD)
        draft_id = store.create_draft(read_draft(ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json"))
        errors = [i for i in validate(store.load_draft(draft_id), store) if i.severity.name == "ERROR"]
        assert record_check(store, draft_id, len(errors)) is State.VALID
        otp.request_code_stored(store, client, draft_id)
        outcome = otp.confirm_and_file(store, draft_id, "482913", client, (), gateway=client.base_url)
        assert outcome.refused == () and outcome.submission.state is State.SUBMITTED
        assert "không mong đợi" in outcome.waiting and "HTTP " in outcome.waiting
        (sub,) = Outbox(store).all()
        with client_of(junk, "good", "dossiers") as good:
            good.login(PERSON, PASSWORD)
            later = gateway.send(store, [sub], good, ())
        (filed,) = later.results
        assert filed.state is State.RECEIVED and filed.idempotency_key == sub.idempotency_key
        assert store.draft_info(draft_id).state is State.RECEIVED


# ---------------------------------------------------------------- the command line

def cli(*args: str, home: Path, **env_extra: str) -> subprocess.CompletedProcess:
    from tests import sandbox as sbx

    env = sbx.app_env(BHXH_DESK_HOME=str(home), JUNK_PW=PASSWORD, **env_extra)
    return subprocess.run([sys.executable, "-m", "bhxh_desk.app", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)


def _signed_file(tmp_path: Path, pki) -> Path:
    from bhxh_desk.forms.draft import read_draft
    from bhxh_desk.forms.xmlbuild import build_forms
    from bhxh_desk.signing.dossier import sign_dossier
    from bhxh_desk.signing.signer import KeySigner

    leaf = pki.leaf("0312345678")
    path = tmp_path / "BHXHDienTu.xml"
    path.write_bytes(sign_dossier(build_forms(read_draft(EXAMPLE)), KeySigner(leaf.key, leaf.cert)))
    return path


def _cert_file(tmp_path: Path, pki) -> Path:
    path = tmp_path / "cert.pem"
    path.write_bytes(pki.leaf("0312345678").cert.public_bytes(__import__(
        "cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.PEM))
    return path


COMMANDS = {
    "otp request": ("otp", lambda tmp, pki: ["otp", "request", str(ROOT / "docs" / "examples" /
                                                                  "CN-1LAN-huong-mot-lan.json")]),
    "submit": ("dossiers", lambda tmp, pki: ["submit", str(_signed_file(tmp, pki))]),
    "register-cert": ("certificates", lambda tmp, pki: ["register-cert", "--cert", str(_cert_file(tmp, pki))]),
    "status": ("status", lambda tmp, pki: ["status", SO_HO_SO]),
    "sync (sign-in)": ("session", lambda tmp, pki: ["sync"]),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_commands_exit_non_zero_with_the_message(servers, tmp_path, pki, command, kind):
    junk, _ = servers
    endpoint, argv = COMMANDS[command]
    unit = PERSON if command == "otp request" else UNIT
    r = cli(*argv(tmp_path, pki), "--gateway", f"{junk.url}/{kind}/{endpoint}", "--unit", unit,
            "--password-env", "JUNK_PW", "--timeout", "5", home=tmp_path / "home")
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "không mong đợi" in r.stderr and "HTTP " in r.stderr, out
    assert "Unexpected error" not in out and "Lỗi không mong muốn" not in out
    assert "None" not in out and "Traceback" not in out
    log = re.search(r"(/\S+/bhxh-desk\.log)", r.stderr)
    assert log and Path(log[1]).is_file() and str(tmp_path / "home") in log[1]
    assert PASSWORD not in Path(log[1]).read_text(encoding="utf-8")


def test_sync_does_not_exit_0_on_a_result_it_cannot_verify(servers, tmp_path, pki):
    """A gateway (here, one with an unsigned result document) whose result does not verify: sync says so and
    exits non-zero, and the document is kept."""
    junk, _ = servers
    home, url = tmp_path / "home", f"{junk.url}/good/none"
    args = ("--gateway", url, "--unit", UNIT, "--password-env", "JUNK_PW")
    r = cli("submit", str(_signed_file(tmp_path, pki)), *args, home=home)
    assert r.returncode == 0, r.stderr
    r = cli("sync", *args, home=home)
    assert r.returncode == 2 and "không xác minh được" in r.stderr and SO_HO_SO in r.stderr, r.stdout + r.stderr
    r = cli("sync", *args, "--json", home=home)          # nothing new: the settled one is not reported again
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["settled"] == []
    r = cli("status", SO_HO_SO, *args, home=home)        # asked again, it says so again
    assert r.returncode == 2 and "không xác minh được" in r.stderr, r.stdout + r.stderr


def test_otp_request_in_english_names_the_status_and_the_log(servers, tmp_path):
    junk, _ = servers
    draft = ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json"
    r = cli("otp", "request", str(draft), "--gateway", f"{junk.url}/wrongtypes/otp", "--unit", PERSON,
            "--password-env", "JUNK_PW", home=tmp_path / "home", BHXH_DESK_LANG="en")
    assert r.returncode == 2 and r.stdout == ""
    assert "answered something unexpected (HTTP 202)" in r.stderr and "sent_to" in r.stderr, r.stderr
    assert "bhxh-desk.log" in r.stderr


# ---------------------------------------------------------------- HTTPS only, except on loopback

@pytest.mark.parametrize("url", ["https://gateway.example.vn", "https://10.0.0.1:8443/bhxh", "http://127.0.0.1:8765",
                                 "http://127.9.8.7", "http://[::1]:8765", "http://localhost:8765",
                                 "http://LOCALHOST./"])
def test_https_anywhere_and_http_on_loopback_are_allowed(url):
    assert require_secure_url(url) == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://example.invalid", "http://10.0.0.1:8765", "http://192.0.2.2",
                                 "http://localhost.example.com", "http://127.0.0.1.nip.io",
                                 "http://[::ffff:127.0.0.1]/", "http://0.0.0.0:8765"])
def test_plain_http_elsewhere_is_refused(url):
    with pytest.raises(GatewayError) as info:
        GatewayClient(url)
    assert info.value.code == "gw.insecure_url"
    assert "https://" in info.value.message("vi") and "https://" in info.value.message("en")


@pytest.mark.parametrize("url", ["ftp://gateway.example.vn", "gateway.example.vn", "https://", "file:///etc/passwd",
                                 "https://user:secret@gateway.example.vn", "http://127.0.0.1:99999"])
def test_a_url_that_is_not_a_gateway_address_is_refused(url):
    with pytest.raises(GatewayError) as info:
        GatewayClient(url)
    assert info.value.code == "gw.bad_url" and "secret" not in info.value.message("vi")


def _outside_address() -> str | None:
    """This machine's address on its network (not loopback), or None: a UDP "connect" sends nothing."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = s.getsockname()[0]
    return None if address.startswith("127.") else address


def test_no_password_goes_over_http_to_a_host_that_is_not_loopback(tmp_path, pki):
    """A real listener on this machine's own network address: reachable over plain HTTP, but not loopback.
    Every gateway command refuses it before a byte is sent, and nothing is queued for it."""
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")
    listener = JunkServer(host=address)
    serve(listener)
    try:
        url = f"{listener.url}/good/none"
        home = tmp_path / "home"
        for argv in (["sync"], ["status", SO_HO_SO], ["submit", str(_signed_file(tmp_path, pki))],
                     ["register-cert", "--cert", str(_cert_file(tmp_path, pki))],
                     ["otp", "request", str(ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json")]):
            r = cli(*argv, "--gateway", url, "--unit", UNIT, "--password-env", "JUNK_PW", home=home)
            assert r.returncode == 2 and "https://" in r.stderr and "Traceback" not in r.stderr, (argv, r.stderr)
        r = cli("sync", "--unit", UNIT, "--password-env", "JUNK_PW", home=home, BHXH_DESK_GATEWAY=url)
        assert r.returncode == 2 and "https://" in r.stderr
        assert listener.seen == []
    finally:
        listener.shutdown()
        listener.server_close()
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.outbox import Outbox

    with Store(home / "data" / "bhxh-desk.sqlite3") as store:
        assert Outbox(store).all() == []


def test_a_plain_http_gateway_in_the_settings_is_refused(tmp_path):
    """The settings' gateway_url (what the settings dialog writes) goes through the same check."""
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_text(json.dumps({"gateway_url": "http://example.invalid",
                                                              "test_mode": False}))
    r = cli("sync", "--unit", UNIT, "--password-env", "JUNK_PW", home=home)
    assert r.returncode == 2 and "http://example.invalid" in r.stderr and "https://" in r.stderr, r.stderr


def test_the_window_and_scripts_refuse_it_in_gateway_access():
    from bhxh_desk.app.actions.gateway import GatewayAccess

    with pytest.raises(GatewayError) as info:
        GatewayAccess("http://example.invalid")            # what the settings' gateway_url feeds
    assert info.value.code == "gw.insecure_url"
    assert GatewayAccess("http://127.0.0.1:8765/").url == "http://127.0.0.1:8765"


if __name__ == "__main__":           # a junk gateway to try the command line against, by hand
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8766
    other = JunkServer("127.0.0.2", handler=Elsewhere)
    serve(other)
    server = JunkServer(port=port, elsewhere=other.url)
    print(f"{server.url}/<{'|'.join(KINDS)}>/<{'|'.join(sorted(set(ROUTES.values())))}>", flush=True)
    server.serve_forever()
