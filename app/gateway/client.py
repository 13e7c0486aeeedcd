"""The client of protocol bhxh-gw/1 (docs/gateway-protocol.md), on requests.

- Only HTTPS, except to a gateway on this very computer (loopback: the sandbox and tests): a plain http://
  URL elsewhere is refused when the client is made, before anything is sent (``require_secure_url``).
- TLS is always verified: the CA bundle is passed on *every* request (``verify=``), because
  REQUESTS_CA_BUNDLE in the environment would otherwise override a session-level setting.
- No redirect is ever followed: a 3xx is an unexpected answer. Following one would send the sign-in body (a
  307 keeps it) or the bearer token to wherever the Location points.
- Every reply goes through one checked reading (``_checked``): the status is one the protocol uses, the
  content type and the ``X-Protocol`` header are the protocol's, the JSON is whole and an object, and the
  record's ``from_json`` checks each key and its type. Anything else is ``Unexpected``, with the status and
  the log, where the request and the reply's shape are written (never a value: a reply may hold a token).
- Every call has a timeout. Calls the protocol marks safe are retried with exponential backoff on
  connection errors, timeouts and 429/5xx; an upload is safe because it carries its idempotency key.
- Passwords come from the OS keyring (``app.secrets``) or, for scripts, an environment variable; they are
  sent only in the sign-in request and never logged.
"""

from __future__ import annotations

import ipaddress
import json as jsonlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from bhxh_desk.app.gateway.errors import (
    GatewayError,
    Reason,
    Refused,
    Unexpected,
    UnexpectedFailure,
    Unreachable,
)
from bhxh_desk.app.gateway.protocol import (
    PROTOCOL,
    CertificateRecord,
    DossierStatus,
    Health,
    Malformed,
    OtpChallenge,
    Receipt,
    Session,
)

log = logging.getLogger("bhxh-desk.gateway")
TRANSIENT = {429, 500, 502, 503, 504}
DONE = (200, 201, 202)                     # the protocol's "done"; any other 1xx/2xx/3xx is unexpected
JSON_TYPES = ("application/json",)
XML_TYPES = ("application/xml", "text/xml")
MAX_REPLY = 16 * 2**20                     # a receipt is a few hundred bytes, a result document kilobytes


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or the name "localhost", as written: a name is never resolved for this (DNS can lie)."""
    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure_url(url: str) -> str:
    """The gateway's base URL (no trailing slash), or a refusal before anything is sent: only https://, or
    plain http:// to a loopback address, where nothing crosses a network. No user name or password in the
    URL: they would travel to the gateway in every request and into messages."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port                          # noqa: B018 - a port out of range raises here, not at connect time
    except ValueError:
        raise GatewayError("gw.bad_url", url=url) from None
    if parts.username is not None or parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[-1]
        raise GatewayError("gw.bad_url", url=f"{parts.scheme}://…@{host}{parts.path}")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise GatewayError("gw.bad_url", url=url)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise GatewayError("gw.insecure_url", url=url)
    return url.rstrip("/")


class Transport(Protocol):
    """How requests reach the gateway: ``RequestsTransport`` over HTTP, or a recording replayed in tests of
    the client's parsing (tests/gateway_replay.py). It answers with ``requests.Response`` objects and raises
    requests' own exceptions, which the client maps to the exception tree."""

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response: ...

    def close(self) -> None: ...


class RequestsTransport:
    """HTTP through one requests session that picks nothing up from the environment (no proxies, no CA
    bundle behind our back: the client passes ``verify`` on every request) and follows no redirect.

    A reply is read in a bounded way: at most ``MAX_REPLY`` + 1 bytes (the client refuses more), and within
    four times the timeout in all, so a gateway that drips an endless body can neither fill the memory nor
    hold a command for ever (requests' own timeout is per read)."""

    def __init__(self) -> None:
        self._http = requests.Session()
        self._http.trust_env = False

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        response = self._http.request(method, url, **{**kwargs, "allow_redirects": False, "stream": True})
        deadline = time.monotonic() + 4 * float(kwargs.get("timeout") or 30.0)
        body = bytearray()
        with response:
            for chunk in response.iter_content(65536):
                body += chunk
                if len(body) > MAX_REPLY:
                    break
                if time.monotonic() > deadline:
                    raise requests.exceptions.ReadTimeout(f"the reply took longer than {deadline:.0f} s")
        response._content = bytes(body[: MAX_REPLY + 1])
        return response

    def close(self) -> None:
        self._http.close()


class GatewayClient:
    def __init__(self, base_url: str, *, ca_bundle: str | Path | None = None, timeout: float = 30.0,
                 retries: int = 4, backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                 transport: Transport | None = None) -> None:
        self.base_url = require_secure_url(base_url)
        # True means the system trust store; never False.
        self.verify: str | bool = str(ca_bundle) if ca_bundle else True
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._http: Transport = transport or RequestsTransport()
        self.session: Session | None = None
        self.unit: str | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- plumbing

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "bhxh-desk"}
        if self.session:
            headers["Authorization"] = f"Bearer {self.session.token}"
        if self.unit:
            headers["X-Unit"] = self.unit
        return {**headers, **(extra or {})}

    def _request(self, method: str, path: str, *, safe: bool, json: Any = None, data: bytes | None = None,
                 params: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> requests.Response:
        url = f"{self.base_url}{path}"
        attempts = self.retries + 1 if safe else 1
        last: GatewayError | None = None
        for attempt in range(attempts):
            if attempt:
                self._sleep(min(self.backoff * 2 ** (attempt - 1), 10.0))
            try:
                response = self._http.request(method, url, json=json, data=data, params=params,
                                              headers=self._headers(headers), timeout=self.timeout,
                                              verify=self.verify, allow_redirects=False)
            except requests.exceptions.SSLError as exc:
                raise Unreachable("gw.tls_untrusted", url=self.base_url, reason=_short(exc)) from None
            except requests.exceptions.Timeout:
                last = Unreachable("gw.timeout", url=self.base_url, seconds=int(self.timeout))
                continue
            except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                # the connection refused, reset, or broken in the middle of the reply
                last = Unreachable("gw.unreachable", url=self.base_url, reason=_short(exc))
                continue
            except requests.exceptions.RequestException as exc:      # a body that does not decode (gzip)
                raise Unreachable("gw.unreachable", url=self.base_url, reason=_short(exc)) from None
            if len(response.content) > MAX_REPLY:
                raise self._unexpected(method, path, response, Malformed("gw.what.too_large",
                                                                         limit_mb=MAX_REPLY // 2**20))
            if response.status_code in TRANSIENT:
                last = self._failure(method, path, response)
                continue
            if response.status_code >= 400:
                raise self._refusal(method, path, response)
            return response
        assert last is not None
        raise last

    def _json(self, method: str, path: str, response: requests.Response, read: Callable[[dict], Any]) -> Any:
        """The one checked reading of a JSON reply: status, content type, protocol header, whole JSON, an
        object, then the record's own checks of each key and type (``read``)."""
        try:
            _check_head(response, JSON_TYPES)
            data = _json_object(response.content)
            return read(data)
        except Malformed as bad:
            raise self._unexpected(method, path, response, bad, UnexpectedFailure if response.status_code in
                                   TRANSIENT else Unexpected) from None

    def _unexpected(self, method: str, path: str, response: requests.Response, bad: Malformed,
                    kind: type[Unexpected] = Unexpected) -> Unexpected:
        where = _log_file()
        log.warning("unexpected answer, HTTP %s to %s %s, Content-Type %r, X-Protocol %r, %d bytes (%s %s), "
                    "body %s", response.status_code, method, urlsplit(self.base_url + path).path,
                    response.headers.get("Content-Type"), response.headers.get("X-Protocol"),
                    len(response.content), bad.what, bad.params, _shape(response.content))
        return kind(response.status_code, bad.what, url=self.base_url, log=where, **bad.params)

    def _failure(self, method: str, path: str, response: requests.Response) -> Unreachable:
        """A transient status: the protocol's own error (the gateway is failing), or a proxy's page."""
        try:
            _check_head(response, JSON_TYPES)
            _error_of(_json_object(response.content))
        except Malformed as bad:
            return self._unexpected(method, path, response, bad, UnexpectedFailure)  # type: ignore[return-value]
        return Unreachable("gw.server", status=response.status_code)

    def _refusal(self, method: str, path: str, response: requests.Response) -> GatewayError:
        """A 4xx in the protocol's words is a refusal; any other 4xx is unexpected, never taken as the
        gateway's verdict on a dossier (that would mark it refused for good)."""
        try:
            _check_head(response, JSON_TYPES)
            err = _error_of(_json_object(response.content))
            reasons = [Reason.from_json(r) for r in err.get("reasons") or [] if isinstance(r, dict)]
        except Malformed as bad:
            return self._unexpected(method, path, response, bad)
        code = err["code"]
        summary = "; ".join(r.message_vi for r in reasons) or str(err.get("message_vi")
                                                                 or f"HTTP {response.status_code}")
        return Refused(code if code.startswith(("auth.", "gw.", "otp.", "sig.", "cert.", "xml.")) else "gw.refused",
                       response.status_code, reasons, reason=summary)

    # ---------------------------------------------------------------- endpoints

    def health(self) -> Health:
        return self._json("GET", "/health", self._request("GET", "/health", safe=True), Health.from_json)

    def login(self, account: str, password: str, unit: str | None = None) -> Session:
        r = self._request("POST", "/v1/session", safe=True, json={"account": account, "password": password})
        self.session = self._json("POST", "/v1/session", r, Session.from_json)
        self.unit = unit or account
        return self.session

    def register_certificate(self, der: bytes) -> CertificateRecord:
        import base64

        r = self._request("POST", "/v1/certificates", safe=True, json={"certificate": base64.b64encode(der).decode()})
        return self._json("POST", "/v1/certificates", r, CertificateRecord.from_json)

    def submit(self, signed_xml: bytes, idempotency_key: str) -> Receipt:
        r = self._request("POST", "/v1/dossiers", safe=True, data=signed_xml,
                          headers={"Content-Type": "application/xml", "Idempotency-Key": idempotency_key})
        return self._json("POST", "/v1/dossiers", r, Receipt.from_json)

    def status(self, *, so_ho_so: str | None = None, idempotency_key: str | None = None) -> DossierStatus:
        params = {"so_ho_so": so_ho_so} if so_ho_so else {"idempotency_key": idempotency_key or ""}
        r = self._request("GET", "/v1/dossiers/status", safe=True, params=params)
        return self._json("GET", "/v1/dossiers/status", r, DossierStatus.from_json)

    def receipt_by_key(self, idempotency_key: str) -> Receipt | None:
        """The receipt of an upload whose reply was lost, or None when the gateway never stored it."""
        try:
            r = self._request("GET", "/v1/dossiers/status", safe=True, params={"idempotency_key": idempotency_key})
        except Refused as exc:
            if exc.http_status == 404:
                return None
            raise
        return self._json("GET", "/v1/dossiers/status", r, lambda d: Receipt.from_status(d, idempotency_key))

    def result(self, so_ho_so: str) -> bytes:
        """The result document as the gateway sent it, once it is well-formed XML whose root is ``KetQua``
        (its signature is checked by ``app.filing``)."""
        r = self._request("GET", "/v1/dossiers/result", safe=True, params={"so_ho_so": so_ho_so})
        try:
            _check_head(r, XML_TYPES)
            _result_document(r.content)
        except Malformed as bad:
            raise self._unexpected("GET", "/v1/dossiers/result", r, bad) from None
        return r.content

    def request_otp(self, ma_so_bhxh: str, digest: str) -> OtpChallenge:
        r = self._request("POST", "/v1/otp", safe=False, json={"ma_so_bhxh": ma_so_bhxh, "digest": digest})
        return self._json("POST", "/v1/otp", r, OtpChallenge.from_json)


# ---------------------------------------------------------------- the checks, one per layer of a reply

def _check_head(response: requests.Response, types: tuple[str, ...]) -> None:
    status = response.status_code
    if 300 <= status < 400:
        raise Malformed("gw.what.redirect", location=_where(response.headers.get("Location", "")))
    if status < 400 and status not in DONE:
        raise Malformed("gw.what.status")
    content_type = response.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() not in types:
        raise Malformed("gw.what.content_type", got=content_type.split(";")[0].strip() or "-", want=types[0])
    if response.headers.get("X-Protocol") != PROTOCOL:
        raise Malformed("gw.what.protocol", got=response.headers.get("X-Protocol") or "-")


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise Malformed("gw.what.empty")
    try:
        text = body.decode("utf-8")
        data = jsonlib.loads(text)
    except UnicodeDecodeError:
        raise Malformed("gw.what.not_json") from None
    except jsonlib.JSONDecodeError as exc:
        cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        raise Malformed("gw.what.truncated" if cut else "gw.what.not_json") from None
    if not isinstance(data, dict):
        raise Malformed("gw.what.not_object")
    return data


def _error_of(data: dict[str, Any]) -> dict[str, Any]:
    """The protocol's error object: ``{"error": {"code": "…", …}}``."""
    from bhxh_desk.app.gateway.protocol import field

    err = field(data, "error", dict)
    field(err, "code", str, filled=True)
    return err


def _result_document(body: bytes) -> None:
    from bhxh_desk.forms.errors import XmlError
    from bhxh_desk.forms.xmlsafe import parse_xml

    if not body.strip():
        raise Malformed("gw.what.empty")
    try:
        root = parse_xml(body)
    except XmlError:
        raise Malformed("gw.what.not_xml") from None
    if root.tag != "KetQua":
        raise Malformed("gw.what.not_result", root=str(root.tag)[:40])


def _where(location: str) -> str:
    """Where a redirect points, scheme and host only (a query could hold anything)."""
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc.split('@')[-1]}" if parts.netloc else (location[:60] or "-")


def _shape(body: bytes) -> str:
    """What the log keeps of a reply: a JSON object's keys and value types (its values may be a token), or the
    start of anything else (a proxy's page), so that a support ticket can say what answered."""
    if len(body) > 2**20:
        return f"{len(body)} bytes or more, not read further"
    try:
        data = jsonlib.loads(body)
    except ValueError:
        if body.lstrip()[:1] in (b"{", b"["):
            return "unreadable JSON (not kept: it may hold a token)"
        return repr(body[:160])
    if isinstance(data, dict):
        return "{" + ", ".join(f"{k!r}: {type(v).__name__}" for k, v in list(data.items())[:20]) + "}"
    return type(data).__name__


def _log_file() -> str:
    """The file this process logs to (``app.logs``' handler, known by its redacting filter); set up now when
    nothing was (the command line logs only when it must)."""
    from bhxh_desk.app import logs
    from bhxh_desk.app.paths import default_paths

    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler) and any(isinstance(f, logs.RedactingFilter)
                                                            for f in handler.filters):
            return handler.baseFilename

    return str(logs.setup(default_paths().logs))


def _short(exc: Exception) -> str:
    text = str(exc)
    for marker in ("certificate verify failed", "Connection refused", "Connection reset", "Name or service not known",
                   "Temporary failure in name resolution", "Connection broken", "failed to decode"):
        if marker in text:
            return marker
    return text[:160]
