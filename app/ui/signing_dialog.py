"""The signing dialog: tokens and certificates found, the PIN, a progress bar and Cancel.

Token calls run in the background (through the token helper process): the window never freezes. The PIN
reaches the token through ``DialogPrompter``, this window's implementation of ``signing.prompter.Prompter``;
a wrong PIN comes back here with the token's own warning and waits, with a timeout, for another try.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
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
from bhxh_desk.forms.messages import render
from bhxh_desk.signing.prompter import PinRequest
from bhxh_desk.signing.token.records import TokenCertificate


class DialogPrompter(QObject):
    """Answers the token's questions from the dialog; called on the worker thread."""

    need_pin = Signal(str)        # the message of the failed try

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
        self.need_pin.emit(request.previous_error or "token.pin_needed")
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

        self.cert_box = QComboBox()
        self.cert_box.setObjectName("certificate")
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
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
        self.resize(780, 220)
        self.runner.start(self._list, on_done=self._listed, on_error=self._failed)

    def _list(self, progress) -> list[TokenCertificate]:
        from bhxh_desk.signing.token.client import TokenHelper

        with TokenHelper(self.module) as helper:
            return [c for c in helper.certificates() if not _is_ca(c)]

    def _listed(self, found: list[TokenCertificate]) -> None:
        from bhxh_desk.signing.certs import facts

        self.certs = found
        for c in found:
            f = facts(c.certificate)
            self.cert_box.addItem(f"{f.subject} — MST {f.tax_code or '-'} — {f.validity_text()} "
                                  f"[{c.token.describe()}]", c.key_id)
        if found:
            self.status.setText(tr("Nhập mã PIN rồi bấm Ký."))
            self.sign_button.setEnabled(True)
            self.pin.setFocus()
        else:
            self.status.setText(render("token.no_token", self.lang))

    def start(self) -> None:
        if self.task is not None and self.prompter is not None:     # answering a second PIN request
            self.prompter.answer(self.pin.text())
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
            from bhxh_desk.signing.token.client import TokenHelper

            with Store(store_path) as own, TokenHelper(module) as helper:      # this thread's own connection
                return signing.sign_stored(own, ids, helper=helper,
                                           choice=signing.TokenChoice(cert.token.serial, None, cert.key_id),
                                           prompter=prompter, override_reason=reason, extra_trust=trust,
                                           progress=progress.report, cancel=cancel)

        self.task = self.runner.start(work, on_done=self._done, on_error=self._failed, on_progress=self._progress)

    def _ask_again(self, code: str) -> None:
        self.status.setText(render(code, self.lang) + " " + tr("Nhập lại mã PIN rồi bấm Ký."))
        self.sign_button.setEnabled(True)
        self.pin.setFocus()

    def _progress(self, event: ProgressEvent) -> None:
        self.bar.setMaximum(event.total)
        self.bar.setValue(event.done)
        self.status.setText(tr("Đã ký {0}/{1} hồ sơ").format(event.done, event.total))

    def _done(self, outcome: BatchResult) -> None:
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
        self.sign_button.setEnabled(bool(self.certs))

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
