"""The signing dialog: tokens and certificates found, the PIN, a progress bar and Cancel.

Token calls run in the background (through the token helper process): the window never freezes. The
certificate is checked against the dossiers (validity, chain, revocation, tax code) before the PIN box
opens: no PIN is typed for a certificate that cannot sign them. The token's PIN state (ok, low, final
try, locked, unknown) shows beside it; before the last try a box must be ticked, and a locked token is
not offered. The PIN reaches the token through ``DialogPrompter``, this window's implementation of
``signing.prompter.Prompter``; a wrong PIN comes back here with the token's own warning and its new state,
and waits, with a timeout, for another try.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bhxh_desk.app.actions.signing import BatchResult
from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.app.ui.tasks import ProgressEvent, TaskFailure, TaskRunner
from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.forms.messages import render
from bhxh_desk.signing.errors import CertificateError
from bhxh_desk.signing.prompter import PinRequest
from bhxh_desk.signing.token.records import TokenCertificate


class DialogPrompter(QObject):
    """Answers the token's questions from the dialog; called on the worker thread."""

    need_pin = Signal(str, str)   # the message of the failed try, the token's PIN state now

    def __init__(self, first_pin: str) -> None:
        super().__init__()
        self._first: str | None = first_pin
        self._answers: queue.Queue[str | None] = queue.Queue()
        self._last = first_pin

    def ask_pin(self, request: PinRequest) -> str | None:
        if request.previous_error is None and self._first is not None:
            pin, self._first = self._first, None
            return pin
        if request.per_signature and request.previous_error is None:
            return self._last
        self.need_pin.emit(request.previous_error or "token.pin_needed", request.status.state)
        try:
            pin = self._answers.get(timeout=request.timeout)
        except queue.Empty:
            return None
        if pin:
            self._last = pin
        return pin

    def answer(self, pin: str | None) -> None:
        self._answers.put(pin)

    def choose_certificate(self, candidates: list[TokenCertificate], timeout: float) -> TokenCertificate | None:
        return candidates[0] if candidates else None


class CertCheck(NamedTuple):
    """The certificate checked against the dossiers before any PIN: the refusal (None: it may sign),
    the notes (revocation unknown), and the dossiers that cannot go, with their reasons."""

    problem: BhxhError | None
    notes: list[str]
    failed: list[str]


def crl_source(on_note=None):
    """The CRLs, kept in the cache folder, and the setting on "revocation unknown" (as the command line)."""
    from bhxh_desk.app.paths import default_paths
    from bhxh_desk.app.settings import Settings
    from bhxh_desk.signing.revocation import CrlSource

    return CrlSource(default_paths().cache / "crl", on_note=on_note,
                     block_unknown=bool(Settings.load().get("revocation_unknown_blocks")))


class SigningDialog(QDialog):
    signed = Signal(BatchResult)

    def __init__(self, runner: TaskRunner, store_path: Path, draft_ids: list[int], *, module: str | None,
                 extra_trust: list[str], lang: str, parent: QWidget | None = None, pin_hint: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Ký số hồ sơ"))
        self.runner, self.store_path, self.draft_ids = runner, store_path, draft_ids
        self.module, self.extra_trust, self.lang = module, extra_trust, lang
        self.task = None
        self.cancel = threading.Event()
        self.prompter: DialogPrompter | None = None
        self.certs: list[TokenCertificate] = []

        self.checked: CertCheck | None = None
        self.pin_status = "unknown"
        self.cert_box = QComboBox()
        self.cert_box.setObjectName("certificate")
        self.pin_state = QLabel("")
        self.pin_state.setObjectName("pin-state")
        self.pin_state.setWordWrap(True)
        self.final_try = QCheckBox(tr("Tôi biết đây là lần thử PIN cuối cùng: nhập sai nữa token sẽ bị khóa"))
        self.final_try.setObjectName("final-try-ok")
        self.final_try.setVisible(False)
        self.final_try.toggled.connect(lambda _on: self._allow())
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setEnabled(False)
        if pin_hint:
            self.pin.setPlaceholderText(pin_hint)
        # An agent signing for a client whose tax code is not its certificate's says why; the audit trail
        # keeps it, exactly as the command line's --override-tax-code.
        self.override = QLineEdit()
        self.override.setObjectName("override-reason")
        self.override.setPlaceholderText(tr("Chỉ khi đại lý ký thay đơn vị có mã số thuế khác"))
        self.status = QLabel(tr("Đang tìm USB token…"))
        self.status.setObjectName("sign-status")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, len(draft_ids))
        self.sign_button = QPushButton(tr("Ký {0} hồ sơ").format(len(draft_ids)))
        self.sign_button.setObjectName("sign")
        self.sign_button.setEnabled(False)
        self.sign_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(tr("Hủy"))
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.clicked.connect(self.stop)
        form = QFormLayout()
        form.addRow(tr("Chứng thư số"), self.cert_box)
        form.addRow(tr("Trạng thái PIN"), self.pin_state)
        form.addRow("", self.final_try)
        form.addRow(tr("Mã PIN"), self.pin)
        form.addRow(tr("Lý do ký thay"), self.override)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addLayout(buttons)
        self.resize(780, 260)
        self.listed: list[TokenCertificate] = []
        self.runner.start(self._list, on_done=self._listed, on_error=self._failed)

    def _list(self, progress) -> list[TokenCertificate]:
        from bhxh_desk.signing.token.client import TokenHelper

        with TokenHelper(self.module) as helper:
            return helper.certificates()

    def _listed(self, listed: list[TokenCertificate]) -> None:
        self.listed = listed
        self.certs = [c for c in listed if not _is_ca(c)]
        if not self.certs:
            self.status.setText(render("token.no_token", self.lang))
            return
        self._check(self.certs[0], fill=True)

    # ---------------------------------------------------------------- the certificate, before the PIN

    def _check(self, cert: TokenCertificate, *, fill: bool = False) -> None:
        """Check ``cert`` against the dossiers in the background; the list is filled (the first time)
        and the PIN box opened only when the answer is in."""
        self.checked = None
        self.pin.setEnabled(False)
        self.sign_button.setEnabled(False)
        self.status.setText(tr("Đang kiểm tra chứng thư số…"))
        store_path, ids, trust, listed = self.store_path, list(self.draft_ids), list(self.extra_trust), self.listed

        def work(progress) -> CertCheck:
            from datetime import UTC, datetime

            from bhxh_desk.app.actions import signing
            from bhxh_desk.app.actions.checking import check_memo
            from bhxh_desk.app.store import Store
            from bhxh_desk.signing.revocation import active

            notes: list = []
            with Store(store_path) as own, active(crl_source(notes.append)):      # this thread's connection
                memo = check_memo()
                ready, failed = signing.prepare_each(
                    [(f"#{i}", i, lambda i=i: signing.from_store(own, i, memo)) for i in ids])
                problem = None
                if ready:
                    try:
                        signing.check_certificate(cert, listed, ready, at=datetime.now(UTC), override_reason=None,
                                                  extra_trust=trust, audit=None)
                    except CertificateError as exc:
                        problem = exc
            return CertCheck(problem, [n.message(self.lang) for n in notes],
                             [f"{f.label}: {f.error.message(self.lang)}" for f in failed])

        def done(result: CertCheck) -> None:
            if fill:
                self._fill()
            self._checked(cert, result)

        def failed(failure: TaskFailure) -> None:
            if fill:
                self._fill()
            self._failed(failure)

        self.runner.start(work, on_done=done, on_error=failed)

    def _fill(self) -> None:
        from bhxh_desk.signing.certs import facts

        self.cert_box.blockSignals(True)
        for c in self.certs:
            f = facts(c.certificate)
            self.cert_box.addItem(f"{f.subject} — MST {f.tax_code or '-'} — {f.validity_text()} "
                                  f"[{c.token.describe()}]", c.key_id)
        self.cert_box.blockSignals(False)
        self.cert_box.currentIndexChanged.connect(lambda i: self._check(self.certs[i]) if i >= 0 else None)

    def _checked(self, cert: TokenCertificate, result: CertCheck) -> None:
        self.checked = result
        self._show_pin_state(cert.token.pin.state)
        lines = []
        if result.problem is not None:
            lines.append(result.problem.message(self.lang))
        lines += result.notes + result.failed
        if self.usable():
            lines.append(tr("Nhập mã PIN rồi bấm Ký."))
        self.status.setText("\n".join(lines))
        self._allow()
        if self.pin.isEnabled():
            self.pin.setFocus()

    def usable(self) -> bool:
        """The certificate may sign these dossiers, or needs only the agent's reason (a tax code of
        another unit), and the token is not locked."""
        c = self.checked
        if c is None or self.cert_box.count() == 0 or self.pin_status == "locked":
            return False
        if len(c.failed) == len(self.draft_ids):
            return False
        return c.problem is None or c.problem.code == "cert.tax_code_mismatch"

    def _allow(self) -> None:
        ok = self.usable() and (self.pin_status != "final_try" or self.final_try.isChecked())
        self.pin.setEnabled(self.usable())
        self.sign_button.setEnabled(ok)

    def _show_pin_state(self, state: str) -> None:
        self.pin_status = state
        self.pin_state.setText(render(f"token.pin_state.{state}", self.lang))
        if state == "final_try":
            self.final_try.setVisible(True)
            self.final_try.setChecked(False)
        else:
            self.final_try.setVisible(False)
        if state == "locked":
            self.pin_state.setText(render("token.pin_locked", self.lang))

    def start(self) -> None:
        if not self.sign_button.isEnabled():      # Enter in the PIN box while Sign is not allowed
            return
        if self.task is not None and self.prompter is not None:     # answering a second PIN request
            self.prompter.answer(self.pin.text())
            self.pin.clear()
            self.sign_button.setEnabled(False)
            return
        cert = self.certs[self.cert_box.currentIndex()]
        self.prompter = DialogPrompter(self.pin.text())
        self.prompter.need_pin.connect(self._ask_again, Qt.ConnectionType.QueuedConnection)
        self.pin.clear()
        self.sign_button.setEnabled(False)
        self.status.setText(tr("Đang ký…"))
        prompter, cancel = self.prompter, self.cancel
        reason = self.override.text().strip() or None
        store_path, ids, module, trust = self.store_path, list(self.draft_ids), self.module, list(self.extra_trust)

        def work(progress) -> BatchResult:
            from bhxh_desk.app.actions import signing
            from bhxh_desk.app.store import Store
            from bhxh_desk.signing.revocation import active
            from bhxh_desk.signing.token.client import TokenHelper

            with Store(store_path) as own, TokenHelper(module) as helper, active(crl_source()):
                return signing.sign_stored(own, ids, helper=helper,
                                           choice=signing.TokenChoice(cert.token.serial, None, cert.key_id),
                                           prompter=prompter, override_reason=reason, extra_trust=trust,
                                           progress=progress.report, cancel=cancel)

        self.task = self.runner.start(work, on_done=self._done, on_error=self._failed, on_progress=self._progress)

    def _ask_again(self, code: str, state: str) -> None:
        self._show_pin_state(state)
        self.status.setText(render(code, self.lang) + " " + tr("Nhập lại mã PIN rồi bấm Ký."))
        self._allow()
        self.pin.setFocus()

    def _progress(self, event: ProgressEvent) -> None:
        self.bar.setMaximum(event.total)
        self.bar.setValue(event.done)
        self.status.setText(tr("Đã ký {0}/{1} hồ sơ").format(event.done, event.total))

    def _done(self, outcome: BatchResult) -> None:
        if outcome.signed and self.pin_status in ("low", "final_try"):
            self._show_pin_state("ok")     # a good PIN clears the flags: they count since the last good one
        lines = [tr("Đã ký {0}/{1} hồ sơ.").format(len(outcome.signed), len(self.draft_ids))]
        lines += [f"{f.label}: {f.error.message(self.lang)}" for f in outcome.failed]
        if outcome.stopped is not None:
            lines.append(outcome.stopped.message(self.lang))
        self.status.setText("\n".join(lines))
        self.cancel_button.setText(tr("Đóng"))
        self.task = None
        self.signed.emit(outcome)

    def _failed(self, failure: TaskFailure) -> None:
        self.status.setText(failure.error.message(self.lang))
        self.task = None
        self.prompter = None
        code = getattr(failure.error, "code", "")
        if code == "token.pin_locked":
            self._show_pin_state("locked")
        elif code == "token.wrong_pin_final":
            self._show_pin_state("final_try")
        self._allow()

    def stop(self) -> None:
        if self.task is not None:
            self.cancel.set()
            if self.prompter is not None:
                self.prompter.answer(None)
            self.status.setText(tr("Đang dừng…"))
        else:
            self.reject()


def _is_ca(c: TokenCertificate) -> bool:
    from cryptography import x509

    try:
        return bool(c.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False
