"""Revocation: is a certificate of the chain listed in its CA's CRL, and since when.

Each certificate of a chain but the anchor is looked up in the CRL its issuer publishes, at the CRL
distribution point the certificate names. A CRL is fetched over HTTP (a short timeout, a size cap,
redirects only to http/https), taken only when its issuer is the certificate's issuer and its signature
verifies with that issuer's key (which must be allowed to sign CRLs), and kept in the cache folder until
its nextUpdate, so a clerk signing all day fetches each CRL about once a day.

The answer for one certificate is good, revoked (with the date), or unknown (no distribution point, no
CRL could be had, or only a stale one). What follows from it is decided at a time ``at``:

- revoked on or before ``at``: refused (``cert.revoked`` with the date). Signing checks at the signing
  time, which is now; verifying checks at the time the signature says it was made, so a signature made
  before the revocation stays valid, with a note (``cert.revoked_later``).
- unknown: a note (``cert.revocation_unknown_note``) by default, so a clerk who drafts and signs offline
  is not stopped; with ``block_unknown`` (the setting ``revocation_unknown_blocks``) a refusal.

The source is handed down by the app (the cache folder and the setting are the app's); ``active`` makes
one the source for whatever checks a chain in this thread (``signing.certs.build_chain``), so a face wraps
a use case in it without every layer in between passing it along. Nothing here imports Qt or the app.

OCSP is not asked: the responders Vietnamese CAs list are not public everywhere and the CRLs are.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from bhxh_desk.forms.display import dmy
from bhxh_desk.signing.errors import CertificateError

if TYPE_CHECKING:     # imported where used: a signature with a remembered verdict only asks ``current()``
    from cryptography import x509

FETCH_TIMEOUT = 5.0                     # seconds for one CRL; a clerk offline waits this at most per CRL
MAX_CRL_BYTES = 32 * 1024 * 1024        # the largest Vietnamese CA CRLs are a few MB
RETRY_UNKNOWN = timedelta(minutes=10)   # an unknown answer is asked again after this
NO_NEXT_UPDATE = timedelta(days=1)      # a CRL that names no nextUpdate is kept this long
CLOCK_SKEW = timedelta(minutes=5)
VIETNAM = timezone(timedelta(hours=7))


def when_text(at: datetime) -> str:
    """A revocation's moment as the verify output shows a signing time (Vietnam's time): a certificate
    revoked the day it signed is told apart by the hour."""
    return at.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


class Note(NamedTuple):
    """Something a person should read about a chain that was accepted: a message code and its params."""

    code: str
    params: dict[str, Any]

    def message(self, lang: str = "vi") -> str:
        from bhxh_desk.forms.messages import render

        return render(self.code, lang, **self.params)


class Status(NamedTuple):
    """One certificate's answer from its CRL."""

    state: str                          # "good", "revoked", "unknown"
    revoked_at: datetime | None = None
    reason: dict[str, str] | None = None    # why unknown, in each language (see ``both``)
    fresh_until: datetime | None = None  # the CRL's nextUpdate: the answer holds until then


class ChainRevocation(NamedTuple):
    """The chain passed at time ``at``; ``notes`` say what a person should know, and the answer holds
    until ``fresh_until`` (the earliest nextUpdate; sooner when something was unknown)."""

    notes: tuple[Note, ...]
    fresh_until: datetime


def _subject(cert: x509.Certificate) -> str:
    from bhxh_desk.signing.certs import facts

    return facts(cert).subject


def crl_urls(cert: x509.Certificate) -> list[str]:
    """The http(s) CRL distribution points of ``cert``, in its order (LDAP points are skipped)."""
    from cryptography import x509

    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    urls = []
    for point in points:
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.lower().startswith(("http://",
                                                                                                     "https://")):
                urls.append(name.value)
    return urls


def _opener():
    import urllib.request

    class Redirects(urllib.request.HTTPRedirectHandler):
        max_redirections = 3

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if not newurl.lower().startswith(("http://", "https://")):
                return None
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(Redirects)


class CrlTooLarge(ValueError):
    """A CRL over the size cap: refused before or while it is read."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the CRL is over the limit of {limit} bytes")
        self.limit = limit


def fetch(url: str, *, timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_CRL_BYTES) -> bytes:
    """The body at ``url``, at most ``max_bytes``; ``OSError`` (or ``ValueError``) saying why not."""
    import urllib.request

    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"not an http URL: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "bhxh-desk", "Accept": "application/pkix-crl"})
    with _opener().open(request, timeout=timeout) as answer:
        length = answer.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise CrlTooLarge(max_bytes)
        body = answer.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise CrlTooLarge(max_bytes)
    return body


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    from cryptography import x509

    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def _next_update(crl: x509.CertificateRevocationList) -> datetime:
    return crl.next_update_utc or crl.last_update_utc + NO_NEXT_UPDATE


def both(code: str, **params: object) -> dict[str, str]:
    """A reason in both languages at once: it is kept in the certificate memo's JSON with the note that
    gives it, and the note is read later in either language."""
    from bhxh_desk.forms.messages import both as in_both

    return in_both(code, **params)


def joined(reasons: Sequence[dict[str, str]]) -> dict[str, str]:
    return {lang: "; ".join(r[lang] for r in reasons) for lang in reasons[0]} if reasons else both("crl.no_answer")


def crl_problem(crl: x509.CertificateRevocationList, issuer: x509.Certificate,
                now: datetime) -> dict[str, str] | None:
    """Why this CRL cannot answer for certificates of ``issuer`` now; None when it can."""
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm

    if crl.issuer != issuer.subject:
        return both("crl.other_issuer")
    try:
        ku = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
        if not ku.crl_sign:
            return both("crl.issuer_cannot_sign")
    except x509.ExtensionNotFound:
        pass
    try:
        if not crl.is_signature_valid(issuer.public_key()):
            return both("crl.bad_signature")
    except (UnsupportedAlgorithm, TypeError, ValueError) as exc:
        return both("crl.signature_unreadable", detail=str(exc))
    if crl.last_update_utc > now + CLOCK_SKEW:
        return both("crl.future", date=dmy(crl.last_update_utc))
    if _next_update(crl) < now:
        return both("crl.expired", date=dmy(_next_update(crl)))
    return None


class CrlSource:
    """Where CRLs come from: the cache folder first, then the distribution point over HTTP.

    ``block_unknown``: refuse a chain whose revocation cannot be told (the setting
    ``revocation_unknown_blocks``); a callable is asked only when that happens, so a face can leave the
    settings unread (and their dataclasses unimported) on the path that signs a checked file.
    ``on_note``: called with each note as it is found (a face shows it before the PIN is asked); ``noted``
    keeps them by the leaf's serial, for a face that shows them later."""

    def __init__(self, cache: Path | None = None, *, block_unknown: bool | Callable[[], bool] = False,
                 timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_CRL_BYTES,
                 on_note: Callable[[Note], None] | None = None, fetcher: Callable[..., bytes] = fetch,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now(UTC))     # what "fresh" is measured against
        self.cache = cache
        self._block_unknown = block_unknown
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.on_note = on_note
        self.fetcher = fetcher
        self.noted: dict[str, tuple[Note, ...]] = {}
        self._crls: dict[str, x509.CertificateRevocationList] = {}    # this process: parsed and checked once

    @property
    def block_unknown(self) -> bool:
        block = self._block_unknown
        return bool(block() if callable(block) else block)

    # ---------------------------------------------------------------- CRLs

    def _cache_file(self, url: str) -> Path | None:
        if self.cache is None:
            return None
        return self.cache / f"{hashlib.sha256(url.encode()).hexdigest()}.crl"

    def _cached(self, url: str, issuer: x509.Certificate, now: datetime) -> x509.CertificateRevocationList | None:
        crl = self._crls.get(url)
        if crl is None:
            path = self._cache_file(url)
            try:
                crl = load_crl(path.read_bytes()) if path is not None else None
            except (OSError, ValueError):
                return None
        if crl is None or crl_problem(crl, issuer, now) is not None:
            return None
        self._crls[url] = crl
        return crl

    def _keep(self, url: str, data: bytes) -> None:
        path = self._cache_file(url)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_suffix(f".{os.getpid()}.part")
            tmp.write_bytes(data)
            tmp.replace(path)
        except OSError:
            pass            # a CRL that cannot be kept is fetched again next time

    def crl(self, cert: x509.Certificate, issuer: x509.Certificate,
            now: datetime) -> tuple[x509.CertificateRevocationList | None, dict[str, str] | None]:
        """A fresh, verified CRL for ``cert``, or None and why not."""
        urls = crl_urls(cert)
        if not urls:
            return None, both("crl.no_point")
        reasons = []
        for url in urls:
            crl = self._cached(url, issuer, now)
            if crl is not None:
                return crl, None
            try:
                data = self.fetcher(url, timeout=self.timeout, max_bytes=self.max_bytes)
                crl = load_crl(data)
            except (OSError, ValueError) as exc:
                reasons.append({lang: render_at(url, text) for lang, text in _why(exc).items()})
                continue
            problem = crl_problem(crl, issuer, now)
            if problem is not None:
                reasons.append({lang: render_at(url, text) for lang, text in problem.items()})
                continue
            self._keep(url, data)
            self._crls[url] = crl
            return crl, None
        return None, joined(reasons)

    def status(self, cert: x509.Certificate, issuer: x509.Certificate, now: datetime | None = None) -> Status:
        now = now or self.clock()
        crl, reason = self.crl(cert, issuer, now)
        if crl is None:
            return Status("unknown", reason=reason)
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is None:
            return Status("good", fresh_until=_next_update(crl))
        return Status("revoked", revoked_at=entry.revocation_date_utc, fresh_until=_next_update(crl))

    # ---------------------------------------------------------------- a chain at a time

    def check_chain(self, chain: Sequence[x509.Certificate], at: datetime,
                    now: datetime | None = None) -> ChainRevocation:
        """Every certificate of ``chain`` (leaf first, anchor last) but the anchor, at time ``at``;
        raises ``CertificateError`` for a revocation on or before ``at`` (and for unknown, when
        ``block_unknown``)."""
        now = now or self.clock()
        notes: list[Note] = []
        fresh_until = now + timedelta(days=366)
        for cert, issuer in itertools.pairwise(chain):
            status = self.status(cert, issuer, now)
            subject = _subject(cert)
            if status.state == "revoked":
                assert status.revoked_at is not None
                if status.revoked_at <= at:
                    raise CertificateError("cert.revoked", subject=subject, date=when_text(status.revoked_at))
                notes.append(Note("cert.revoked_later", {"subject": subject, "date": when_text(status.revoked_at)}))
            elif status.state == "unknown":
                if self.block_unknown:
                    raise CertificateError("cert.revocation_unknown", subject=subject, reason=status.reason)
                notes.append(Note("cert.revocation_unknown_note", {"subject": subject, "reason": status.reason}))
                fresh_until = min(fresh_until, now + RETRY_UNKNOWN if crl_urls(cert) else chain_end(chain))
            if status.fresh_until is not None:
                fresh_until = min(fresh_until, status.fresh_until)
        self.noted[f"{chain[0].serial_number:x}"] = tuple(notes)
        for note in notes:
            self.tell(note)
        return ChainRevocation(tuple(notes), fresh_until)

    def tell(self, note: Note) -> None:
        if self.on_note is not None:
            self.on_note(note)


def chain_end(chain: Sequence[x509.Certificate]) -> datetime:
    """A certificate that names no CRL stays without one: its answer holds while the chain is valid."""
    return min(c.not_valid_after_utc for c in chain)


def render_at(url: str, text: str) -> str:
    return f"{url}: {text}"


def _why(exc: BaseException) -> dict[str, str]:
    """Why a CRL could not be fetched, in both languages (the OS's own words only as a detail)."""
    import errno
    import socket
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return both("crl.http", status=exc.code)
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, TimeoutError | socket.timeout):
        return both("crl.timeout")
    if isinstance(exc, ConnectionRefusedError) or getattr(exc, "errno", None) == errno.ECONNREFUSED:
        return both("crl.refused")
    if isinstance(exc, socket.gaierror):
        return both("crl.no_host")
    if isinstance(exc, CrlTooLarge):
        return both("crl.too_large", limit=exc.limit)
    if isinstance(exc, ValueError):
        return both("crl.unreadable", detail=str(exc)[:200])
    detail = (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or type(exc).__name__
    return both("crl.unreachable", detail=detail)


# ---------------------------------------------------------------- the source for this thread

_ACTIVE: contextvars.ContextVar[CrlSource | None] = contextvars.ContextVar("bhxh_desk_crl_source", default=None)


def current() -> CrlSource | None:
    """The source ``active`` set for this thread (None: revocation is not checked)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def active(source: CrlSource | None) -> Iterator[CrlSource | None]:
    """Check revocation with ``source`` wherever a chain is built inside this block, in this thread."""
    token = _ACTIVE.set(source)
    try:
        yield source
    finally:
        _ACTIVE.reset(token)
