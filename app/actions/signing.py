"""Signing one dossier or many: the use case the command line's ``sign`` and the window's signing dialog
both call, so the two cannot drift apart.

The order is the order of what can fail: every dossier is read, validated, built and checked first
(``from_file``, ``from_store``); the certificate once, against every unit's tax code, with the remembered
verdict (``signing.certmemo``); an agent's override of the tax code is audited in the store; only then is
the PIN asked, once, for the whole batch, through the caller's ``Prompter``. Each signed file goes to a
sink: files for the command line, the store and the employee register for the window.

Signing a file already checked stays fast (docs/architecture.md, "Records on the signing path"): the
records are NamedTuples, and lxml, cryptography and the store are imported only where they are needed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from bhxh_desk.forms.errors import BhxhError, DraftError

if TYPE_CHECKING:
    from bhxh_desk.app.store import Store
    from bhxh_desk.forms.draft import Draft
    from bhxh_desk.forms.migrate import Migration
    from bhxh_desk.signing.envelope import PreparedEnvelope
    from bhxh_desk.signing.token.client import TokenHelper
    from bhxh_desk.signing.token.records import TokenCertificate

Progress = Callable[[int, int, str], None]


class Dossier(NamedTuple):
    """One dossier ready to sign: what it is called in messages, where its signed file goes (a path or a
    draft id), its checked unsigned envelope, and the draft it was built from when there is one."""

    label: str
    target: Any
    envelope: PreparedEnvelope
    draft: Draft | None
    migrations: tuple[Migration, ...]


class TokenChoice(NamedTuple):
    """Which certificate signs: by token serial or label, and key id; all empty lets the prompter choose."""

    serial: str | None = None
    label: str | None = None
    key_id: str | None = None


class Signed(NamedTuple):
    label: str
    target: Any


class SignOutcome(NamedTuple):
    signed: list[Signed]
    stopped: BhxhError | None          # what ended the batch early (the token removed, cancelled...)
    certificate: TokenCertificate


class Failed(NamedTuple):
    label: str
    target: Any
    error: BhxhError


def _memo():
    from bhxh_desk.app.actions.checking import check_memo

    return check_memo()


def from_file(path: str | Path, target: Any, memo=None, folders=None) -> Dossier:
    """A draft (JSON) is validated and built; an unsigned BHXHDienTu.xml is checked and signed as it is.
    ``folders``: where a draft's attachment files may be read (forms.attachments.AttachmentFolders)."""
    from bhxh_desk.signing.envelope import prepare

    memo = memo or _memo()
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise DraftError("draft.cannot_open", path=str(path), reason=exc.strerror or str(exc)) from None
    draft = None
    if not data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        from bhxh_desk.forms.draft import read_draft
        from bhxh_desk.forms.xmlbuild import build_for_signing

        draft = read_draft(path, folders)
        built = build_for_signing(draft, memo=memo, to_sign=True)      # signed as built, its forms as written
        return Dossier(str(path), target, prepare(built.data, memo=memo, built=built), draft,
                       tuple(draft.migrations))
    return Dossier(str(path), target, prepare(data, memo=memo), None, ())


def from_store(store: Store, draft_id: int, memo=None) -> Dossier:
    """A stored dossier, built and checked, if its state lets it be signed (app.workflow: only Valid). A
    Draft never checked since it was imported is checked now: without errors it becomes Valid first, so
    Valid still gates signing; with errors it is refused with them (InvalidDossier)."""
    from bhxh_desk.app import workflow
    from bhxh_desk.app.actions.checking import record_check
    from bhxh_desk.forms.xmlbuild import build_for_signing
    from bhxh_desk.signing.envelope import prepare

    memo = memo or _memo()
    state = store.draft_info(draft_id).state
    if state is not workflow.State.DRAFT:
        workflow.require(state, workflow.Action.SIGN)
    draft = store.load_draft(draft_id)
    built = build_for_signing(draft, memo=memo, to_sign=True)    # InvalidDossier with its issues when it has errors
    workflow.require(record_check(store, draft_id, 0), workflow.Action.SIGN)
    return Dossier(f"#{draft_id}", draft_id, prepare(built.data, memo=memo, built=built), draft,
                   tuple(draft.migrations))


def prepare_each(loaders: Sequence[tuple[str, Any, Callable[[], Dossier]]]) -> tuple[list[Dossier], list[Failed]]:
    """Prepare every dossier; one that cannot go is set aside with its error, the others go on."""
    ready, failed = [], []
    for label, target, load in loaders:
        try:
            ready.append(load())
        except BhxhError as exc:
            failed.append(Failed(label, target, exc))
    return ready, failed


class FileSink:
    """Signed files to the paths the dossiers name, each written whole or not at all; the employee register
    learns the people of every draft signed (as the window's signing does).

    A sink is entered once per dossier, before it is signed (``receiving``), and what it yields takes the
    signed file. This one writes the draft's people to the register there, in a second thread and in a
    transaction committed only once the file is written (rolled back if signing fails; the file is not
    made if the register cannot take them): SQLite writes without the GIL, so that work overlaps the
    signing and the writing of the file instead of following them. Then it lets go of the draft's rows,
    which nothing needs any more: 112 MB of a 100,000-row draft, off the peak of the signing that follows."""

    def __init__(self, register_store: Callable[[], Store | None] | None = None) -> None:
        self._register_store = register_store

    @contextmanager
    def receiving(self, dossier: Dossier) -> Iterator[Callable[[Iterable[bytes | memoryview], str], None]]:
        from bhxh_desk.app.actions.files import write_atomically

        def put(parts: Iterable[bytes | memoryview], note: str) -> None:
            write_atomically(Path(dossier.target), parts)

        store = self._register_store() if dossier.draft is not None and self._register_store is not None else None
        if store is None:
            yield put
            return
        from bhxh_desk.forms.background import Background

        with store.transaction() as c:
            # Nothing else touches the connection until the thread is done: the file waits for it, and so
            # does the transaction's end, committed or rolled back.
            people = Background(_remember_and_let_go, c, dossier.draft, name="register")
            try:
                yield lambda parts, note: write_atomically(Path(dossier.target), parts, before_rename=people.result)
            except BaseException:
                with contextlib.suppress(BaseException):
                    people.result()
                raise
            people.result()


def _remember_and_let_go(c: Any, draft: Draft) -> None:
    from bhxh_desk.app.store.register import remember_in

    remember_in(c, draft)
    draft.forms.clear()


class StoreSink:
    """Signed files into the store (the dossier becomes Signed), and its people into the unit's register."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @contextmanager
    def receiving(self, dossier: Dossier) -> Iterator[Callable[[Iterable[bytes | memoryview], str], None]]:
        def put(parts: Iterable[bytes | memoryview], note: str) -> None:
            from bhxh_desk.app.store.register import remember

            self.store.set_signed(int(dossier.target), b"".join(parts), note)
            if dossier.draft is not None:
                remember(self.store, dossier.draft, int(dossier.target))      # its own check then ignores them

        yield put


def check_certificate(cert: TokenCertificate, listed: Sequence[TokenCertificate], dossiers: Sequence[Dossier], *,
                      at, override_reason: str | None, extra_trust: Sequence[str | Path],
                      audit: Callable[[], Store | None] | None) -> None:
    """Validity, key usage, the chain, and the tax code each dossier needs (the agent's when the envelope
    names an agent, else the unit's), before any PIN is asked; with an override reason (an agent signing
    for a client without naming itself), the audit trail records it, once per dossier."""
    from bhxh_desk.app.paths import default_paths
    from bhxh_desk.signing.certcheck import check_before_signing
    from bhxh_desk.signing.certmemo import CertMemo

    token_ders = [c.der for c in listed if c.token.serial == cert.token.serial and c.der != cert.der]
    check_before_signing(cert.der, at=at, unit_tax_codes=[d.envelope.signer_tax_code for d in dossiers],
                         override_reason=override_reason, extra_trust=extra_trust, token_ders=token_ders,
                         memo=CertMemo(default_paths().cache / "certificates"))
    if override_reason:
        store = audit() if audit is not None else None
        if store is None:
            raise BhxhError("sign.override_needs_store")
        record_override(store, cert, dossiers, override_reason)


def record_override(store: Store, cert: TokenCertificate, dossiers: Sequence[Dossier], reason: str) -> None:
    """An agent signing with a certificate of another tax code says why; the audit trail keeps it."""
    from bhxh_desk.signing.certs import facts

    signer = facts(cert.certificate)
    for d in dossiers:
        store.record("tax-code-override", d.target if isinstance(d.target, int) else None,
                     f"unit {d.envelope.unit_code} MST {d.envelope.unit_tax_code}; certificate "
                     f"{signer.subject} MST {signer.tax_code}; reason: {reason}")


def sign(dossiers: Sequence[Dossier], *, helper: TokenHelper, choice: TokenChoice, prompter, sink,
         override_reason: str | None = None, extra_trust: Sequence[str | Path] = (),
         audit: Callable[[], Store | None] | None = None, listed: Sequence[TokenCertificate] | None = None,
         progress: Progress | None = None, cancel: threading.Event | None = None, now=None) -> SignOutcome:
    """Sign every dossier under one login (k + 1 signatures each) and hand each file to ``sink``.

    ``listed``: the token's certificates when the caller has them already (the command line lists them
    while the dossiers are prepared). A token failure after the first dossier stops the batch with what is
    done kept (``stopped``); before it, it is raised."""
    from datetime import UTC, datetime

    from bhxh_desk.signing.errors import SigningError

    now = now or datetime.now(UTC)
    listed = list(listed or ()) or helper.certificates()
    cert = helper.find(serial=choice.serial, label=choice.label, key_id=choice.key_id, prompter=prompter,
                       certificates=listed)
    check_certificate(cert, listed, dossiers, at=now, override_reason=override_reason, extra_trust=extra_trust,
                      audit=audit)
    note = f"{cert.token.describe()} key {cert.key_id}"
    done: list[Signed] = []
    stopped: BhxhError | None = None
    with helper.session(cert, prompter, cancel=cancel) as session:
        for n, dossier in enumerate(dossiers, start=1):
            if cancel is not None and cancel.is_set():
                stopped = SigningError("sign.cancelled")
                break
            try:
                with sink.receiving(dossier) as put:
                    parts = dossier.envelope.sign_in_parts(session, signing_time=now).pieces
                    put(parts, note)
            except SigningError as exc:
                if not done:
                    raise
                stopped = exc
                break
            done.append(Signed(dossier.label, dossier.target))
            if progress is not None:
                progress(n, len(dossiers), dossier.label)
    return SignOutcome(done, stopped, cert)


class BatchResult(NamedTuple):
    """Signing stored dossiers: what was signed, what could not go (and why), what stopped the batch."""

    signed: list[Signed]
    failed: list[Failed]
    stopped: BhxhError | None


def sign_stored(store: Store, draft_ids: Sequence[int], *, helper: TokenHelper, choice: TokenChoice, prompter,
                override_reason: str | None = None, extra_trust: Sequence[str | Path] = (),
                progress: Progress | None = None, cancel: threading.Event | None = None) -> BatchResult:
    """The window's batch: each stored dossier that can go is signed into the store (and its people into
    the register); one that cannot is set aside with its reason, before any PIN is asked."""
    from bhxh_desk.app.actions.checking import check_memo

    memo = check_memo()
    ready, failed = prepare_each([(f"#{i}", i, lambda i=i: from_store(store, i, memo)) for i in draft_ids])
    if not ready:
        return BatchResult([], failed, None)
    outcome = sign(ready, helper=helper, choice=choice, prompter=prompter, sink=StoreSink(store),
                   override_reason=override_reason, extra_trust=extra_trust, audit=lambda: store,
                   progress=progress, cancel=cancel)
    return BatchResult(outcome.signed, failed, outcome.stopped)
