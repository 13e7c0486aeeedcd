"""The transaction-code dialog for an individual's dossier: request the code, wait for the SMS, type it in.

In test mode the sandbox's SMS outbox is shown right here, so the whole OTP path can be tried. The code is
put into the dossier in place of a signature (``signing.otp``) and the dossier becomes Signed.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.app.ui.tasks import TaskFailure, TaskRunner


class OtpDialog(QDialog):
    attached = Signal(int)          # draft id

    def __init__(self, runner: TaskRunner, window, draft_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Mã xác thực giao dịch (OTP)"))
        self.runner, self.window, self.draft_id = runner, window, draft_id
        self.status = QLabel(tr("Bấm Gửi mã: cơ quan BHXH gửi mã 6 chữ số qua SMS tới số điện thoại đã đăng ký."))
        self.status.setObjectName("otp-status")
        self.status.setWordWrap(True)
        self.sms = QLabel()
        self.sms.setObjectName("otp-sms")
        self.sms.setWordWrap(True)
        self.sms.setStyleSheet("background: #fff8e1; padding: 4px")
        self.sms.setVisible(False)
        self.code = QLineEdit()
        self.code.setObjectName("otp-code")
        self.code.setPlaceholderText("000000")
        self.code.setMaxLength(6)
        self.send = QPushButton(tr("Gửi mã"))
        self.send.setObjectName("otp-send")
        self.send.clicked.connect(self.request)
        self.confirm = QPushButton(tr("Xác nhận"))
        self.confirm.setObjectName("otp-confirm")
        self.confirm.setEnabled(False)
        self.confirm.clicked.connect(self.attach)
        close = QPushButton(tr("Đóng"))
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Mã xác thực")))
        row.addWidget(self.code)
        row.addWidget(self.send)
        row.addWidget(self.confirm)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.sms)
        layout.addLayout(row)
        self.resize(640, 200)

    def request(self) -> None:
        from bhxh_desk.forms.errors import BhxhError

        draft = self.window.store.load_draft(self.draft_id)
        try:
            access = self.window.access()
            password = access.password(draft.unit.code, ask=self.window.ask_password)
        except BhxhError as exc:
            self.status.setText(exc.message(self.window.lang))
            return
        test = self.window.test
        store_path = self.window.store.path

        def work(progress):
            from bhxh_desk.app.actions import otp
            from bhxh_desk.app.store import Store

            with access.connect(draft.unit.code, secret=password) as client, Store(store_path) as store:
                challenge = otp.request_code(store, client, draft)
            sms = (test.sms(draft.unit.code) or [""])[-1] if test is not None else ""
            return challenge, sms

        self.send.setEnabled(False)
        self.status.setText(tr("Đang gửi yêu cầu…"))
        self.runner.start(work, on_done=self._sent, on_error=self._failed)

    def _sent(self, result) -> None:
        challenge, sms = result
        self.status.setText(tr("Đã gửi mã tới {0}; mã hết hạn lúc {1}. Nhập mã rồi bấm Xác nhận.")
                            .format(challenge.sent_to, challenge.expires_at[11:16]))
        if sms:
            self.sms.setText(tr("Hộp thư SMS của cổng thử nghiệm: ") + sms)
            self.sms.setVisible(True)
        self.confirm.setEnabled(True)
        self.send.setEnabled(True)
        self.code.setFocus()

    def _failed(self, failure: TaskFailure) -> None:
        self.status.setText(failure.error.message(self.window.lang))
        self.send.setEnabled(True)

    def attach(self) -> None:
        from bhxh_desk.app.actions import otp
        from bhxh_desk.forms.errors import BhxhError

        code = self.code.text().strip()
        if not re.fullmatch(r"[0-9]{6}", code):
            self.status.setText(BhxhError("otp.format").message(self.window.lang))
            return
        store = self.window.store
        try:
            otp.confirm_stored(store, self.draft_id, code)
        except BhxhError as exc:
            self.status.setText(exc.message(self.window.lang))
            return
        self.attached.emit(self.draft_id)
        self.accept()
