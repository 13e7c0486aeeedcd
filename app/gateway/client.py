"""The client of protocol bhxh-gw/1 (docs/gateway-protocol.md), on requests.

- TLS is always verified: the CA bundle is passed on *every* request (``verify=``), because
  REQUESTS_CA_BUNDLE in the environment would otherwise override a session-level setting.
- Every call has a timeout. Calls the protocol marks safe are retried with exponential backoff on
  connection errors, timeouts and 429/5xx; an upload is safe because it carries its idempotency key.
- Passwords come from the OS keyring (``app.secrets``) or, for scripts, an environment variable; they are
  sent only in the sign-in request and never logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import requests

from bhxh_desk.app.gateway.errors import GatewayError, Reason, Refused, Unreachable
from bhxh_desk.app.gateway.protocol import PROTOCOL, CertificateRecord, DossierStatus, OtpChallenge, Receipt, Session

log = logging.getLogger("bhxh-desk.gateway")
TRANSIENT = {429, 500, 502, 503, 504}


class Transport(Protocol):
    """How requests reach the gateway: ``RequestsTransport`` over HTTP, or a recording replayed in tests of
    the client's parsing (tests/gateway_replay.py). It answers with ``requests.Response`` objects and raises
    requests' own exceptions, which the client maps to the exception tree."""

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response: ...

    def close(self) -> None: ...


class RequestsTransport:
    """HTTP through one requests session that picks nothing up from the environment (no proxies, no CA
    bundle behind our back: the client passes ``verify`` on every request)."""

    def __init__(self) -> None:
        self._http = requests.Session()
        self._http.trust_env = False

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        return self._http.request(method, url, **kwargs)

    def close(self) -> None:
        self._http.close()


class GatewayClient:
    def __init__(self, base_url: str, *, ca_bundle: str | Path | None = None, timeout: float = 30.0,
                 retries: int = 4, backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                 transport: Transport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
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
            except requests.exceptions.ConnectionError as exc:
                last = Unreachable("gw.unreachable", url=self.base_url, reason=_short(exc))
                continue
            if response.status_code in TRANSIENT:
                last = Unreachable("gw.server", status=response.status_code)
                continue
            if response.status_code >= 400:
                raise _refusal(response)
            return response
        assert last is not None
        raise last

    # ---------------------------------------------------------------- endpoints

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/health", safe=True).json()

    def login(self, account: str, password: str, unit: str | None = None) -> Session:
        data = self._request("POST", "/v1/session", safe=True, json={"account": account, "password": password}).json()
        self.session = Session(token=data["token"], account=data["account"], units=list(data["units"]),
                               expires_at=data["expires_at"])
        self.unit = unit or account
        return self.session

    def register_certificate(self, der: bytes) -> CertificateRecord:
        import base64

        r = self._request("POST", "/v1/certificates", safe=True, json={"certificate": base64.b64encode(der).decode()})
        return CertificateRecord.from_json(r.json())

    def submit(self, signed_xml: bytes, idempotency_key: str) -> Receipt:
        r = self._request("POST", "/v1/dossiers", safe=True, data=signed_xml,
                          headers={"Content-Type": "application/xml", "Idempotency-Key": idempotency_key})
        return Receipt.from_json(_json(r))

    def status(self, *, so_ho_so: str | None = None, idempotency_key: str | None = None) -> DossierStatus:
        params = {"so_ho_so": so_ho_so} if so_ho_so else {"idempotency_key": idempotency_key or ""}
        return DossierStatus.from_json(_json(self._request("GET", "/v1/dossiers/status", safe=True, params=params)))

    def receipt_by_key(self, idempotency_key: str) -> Receipt | None:
        """The receipt of an upload whose reply was lost, or None when the gateway never stored it."""
        try:
            d = _json(self._request("GET", "/v1/dossiers/status", safe=True,
                                    params={"idempotency_key": idempotency_key}))
        except Refused as exc:
            if exc.http_status == 404:
                return None
            raise
        return Receipt(so_ho_so=d["so_ho_so"], received_at=d["received_at"], status=200, digest=d["digest"],
                       idempotency_key=idempotency_key, repeat=True)

    def result(self, so_ho_so: str) -> bytes:
        return self._request("GET", "/v1/dossiers/result", safe=True, params={"so_ho_so": so_ho_so}).content

    def request_otp(self, ma_so_bhxh: str, digest: str) -> OtpChallenge:
        r = self._request("POST", "/v1/otp", safe=False, json={"ma_so_bhxh": ma_so_bhxh, "digest": digest})
        return OtpChallenge.from_json(_json(r))


def _short(exc: Exception) -> str:
    text = str(exc)
    for marker in ("certificate verify failed", "Connection refused", "Connection reset", "Name or service"):
        if marker in text:
            return marker
    return text[:160]


def _json(response: requests.Response) -> dict[str, Any]:
    if response.headers.get("X-Protocol") != PROTOCOL:
        raise GatewayError("gw.bad_answer", reason=f"protocol {response.headers.get('X-Protocol')!r}")
    try:
        data = response.json()
    except ValueError:
        raise GatewayError("gw.bad_answer", reason="not JSON") from None
    if not isinstance(data, dict):
        raise GatewayError("gw.bad_answer", reason="not a JSON object")
    return data


def _refusal(response: requests.Response) -> Refused:
    try:
        err = response.json()["error"]
        reasons = [Reason(code=r.get("code", ""), message_vi=r.get("message_vi", ""),
                          message_en=r.get("message_en", ""), where=r.get("where", "")) for r in err.get("reasons", [])]
        code = str(err.get("code") or "gw.refused")
        summary = "; ".join(r.message_vi for r in reasons) or err.get("message_vi", "")
    except (ValueError, KeyError, TypeError, AttributeError):
        code, reasons, summary = "gw.refused", [], f"HTTP {response.status_code}"
    return Refused(code if code.startswith(("auth.", "gw.", "otp.", "sig.", "cert.", "xml.")) else "gw.refused",
                   response.status_code, reasons, reason=summary)
