"""The transaction-code dialog for an individual's dossier: ask for the code, type it, press Enter.

Enter confirms the code: the code goes into the dossier and the dossier to the gateway at once
(``app.actions.otp.confirm_and_file``), because only the gateway can tell a right code from a wrong one.
"Gửi lại mã" is its own button, with a countdown before another SMS can be asked for, so Enter never voids
the code just typed. A refused code says why (wrong, expired, used) and the dossier is confirmable again at
once: a new code can be asked for, or the right one typed. In test mode the sandbox's SMS outbox is shown
right here, so the whole path can be tried.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.app.ui.tasks import TaskFailure, TaskRunner


class OtpDialog(QDialog):
    attached = Signal(int)          # draft id: the code was confirmed (filed, or queued to be)
    RESEND_AFTER = 60               # seconds before another SMS can be asked for

    def __init__(self, runner: TaskRunner, window, draft_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from bhxh_desk.app.actions import otp

        self.setWindowTitle(tr("Mã xác thực giao dịch (OTP)"))
        self.runner, self.window, self.draft_id = runner, window, draft_id
        self.result_text = ""
        refused = otp.refused_code(window.store, draft_id)
        intro = tr("Bấm Gửi mã: cơ quan BHXH gửi mã 6 chữ số qua SMS tới số điện thoại đã đăng ký.")
        if refused:
            intro = " ".join(r.message(window.lang) for r in refused) + " " + tr(
                "Bấm Gửi mã để nhận mã mới.")
        self.status = QLabel(intro)
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
        self.confirm = QPushButton(tr("Xác nhận và nộp"))
        self.confirm.setObjectName("otp-confirm")
        self.confirm.setEnabled(False)
        self.confirm.setDefault(True)               # Enter in the code box confirms, never sends an SMS
        self.confirm.clicked.connect(self.attach)
        self.send = QPushButton(tr("Gửi mã"))
        self.send.setObjectName("otp-send")
        self.send.setAutoDefault(False)
        self.send.clicked.connect(self.request)
        close = QPushButton(tr("Đóng"))
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        self.countdown = QTimer(self, interval=1000)
        self.countdown.timeout.connect(self._tick)
        self.left = 0
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Mã xác thực")))
        row.addWidget(self.code)
        row.addWidget(self.confirm)
        row.addWidget(self.send)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.sms)
        layout.addLayout(row)
        self.resize(700, 200)
        if not refused and otp.has_code_pending(window.store, draft_id):
            # A code was asked before this dialog was opened: type it from that SMS, Enter confirms it.
            self.status.setText(tr("Đã yêu cầu mã cho hồ sơ này: nhập mã trong tin nhắn rồi nhấn Enter, hoặc "
                                   "bấm Gửi lại mã."))
            self.send.setText(tr("Gửi lại mã"))
            self.confirm.setEnabled(True)
            self.code.setFocus()
        else:
            self.send.setFocus()             # Space asks for the code; Enter never sends one

    # ---------------------------------------------------------------- asking for a code

    def request(self) -> None:
        from bhxh_desk.forms.errors import BhxhError

        draft = self.window.store.load_draft(self.draft_id)
        try:
            access = self.window.access()
            password = access.password(draft.unit.code, ask=self.window.ask_password)
        except BhxhError as exc:
            self.status.setText(exc.message(self.window.lang))
            return
        test, store_path, draft_id = self.window.test, self.window.store.path, self.draft_id

        def work(progress):
            from bhxh_desk.app.actions import otp
            from bhxh_desk.app.store import Store

            with access.connect(draft.unit.code, secret=password) as client, Store(store_path) as store:
                challenge = otp.request_code_stored(store, client, draft_id)
            sms = (test.sms(draft.unit.code) or [""])[-1] if test is not None else ""
            return challenge, sms

        self.send.setEnabled(False)
        self.status.setText(tr("Đang gửi yêu cầu…"))
        self.runner.start(work, on_done=self._sent, on_error=self._failed)

    def _sent(self, result) -> None:
        from bhxh_desk.app.actions.receipts import local_time

        challenge, sms = result
        self.status.setText(tr("Đã gửi mã tới {0}; mã hết hạn lúc {1}. Nhập mã rồi nhấn Enter.")
                            .format(challenge.sent_to, local_time(challenge.expires_at)[11:]))
        if sms:
            self.sms.setText(tr("Hộp thư SMS của cổng thử nghiệm: ") + sms)
            self.sms.setVisible(True)
        self.confirm.setEnabled(True)
        self.code.clear()
        self.code.setFocus()
        self._start_countdown(self.RESEND_AFTER)
        self.window.refresh_dossiers()          # a code refused before: the dossier is Valid again

    def _start_countdown(self, seconds: int) -> None:
        self.left = seconds
        self._tick(first=True)
        if seconds > 0:
            self.countdown.start()

    def _tick(self, first: bool = False) -> None:
        if not first:
            self.left -= 1
        if self.left <= 0:
            self.countdown.stop()
            self.send.setText(tr("Gửi lại mã"))
            self.send.setEnabled(True)
        else:
            self.send.setText(tr("Gửi lại mã ({0} giây)").format(self.left))
            self.send.setEnabled(False)

    def _failed(self, failure: TaskFailure) -> None:
        self.status.setText(failure.error.message(self.window.lang))
        self.countdown.stop()
        self.send.setEnabled(True)
        self.confirm.setEnabled(bool(self.left))

    # ---------------------------------------------------------------- confirming it

    def attach(self) -> None:
        from bhxh_desk.forms.errors import BhxhError

        code = self.code.text().strip()
        if not re.fullmatch(r"[0-9]{6}", code):
            self.status.setText(BhxhError("otp.format").message(self.window.lang))
            self.code.setFocus()
            return
        store = self.window.store
        draft = store.load_draft(self.draft_id)
        try:
            access = self.window.access()
            password = access.password(draft.unit.code, ask=self.window.ask_password)
        except BhxhError as exc:
            self.status.setText(exc.message(self.window.lang))
            return
        store_path, draft_id, unit = store.path, self.draft_id, draft.unit.code

        def work(progress):
            from bhxh_desk.app.actions import otp
            from bhxh_desk.app.gateway.errors import Unreachable
            from bhxh_desk.app.store import Store

            with Store(store_path) as own:
                try:
                    client = access.connect(unit, secret=password)
                except Unreachable:
                    client = None           # confirmed and queued: sent when the gateway can be reached
                try:
                    return otp.confirm_and_file(own, draft_id, code, client, access.trust(), gateway=access.url,
                                                account=unit)
                finally:
                    if client is not None:
                        client.close()

        self.confirm.setEnabled(False)
        self.status.setText(tr("Đang xác nhận mã với cổng tiếp nhận…"))
        self.runner.start(work, on_done=self._confirmed, on_error=self._confirm_failed)

    def _confirmed(self, outcome) -> None:
        from bhxh_desk.app.actions.receipts import state_text

        lang = self.window.lang
        self.window.refresh_dossiers()
        if outcome.refused:
            # The dossier is Valid again (app.actions.otp.recover): type the right code, or ask a new one.
            self.status.setText(" ".join(r.message(lang) for r in outcome.refused) + " " + tr(
                "Nhập lại mã đúng, hoặc bấm Gửi lại mã để nhận mã mới."))
            self.status.setStyleSheet("color: #b3261e")
            self.countdown.stop()
            self.send.setText(tr("Gửi lại mã"))
            self.send.setEnabled(True)
            self.confirm.setEnabled(True)
            self.code.selectAll()
            self.code.setFocus()
            return
        sub = outcome.submission
        if outcome.waiting:
            self.result_text = tr("Đã xác nhận mã; hồ sơ chờ gửi khi kết nối được cổng tiếp nhận.")
        else:
            self.result_text = tr("Hồ sơ {0}: {1}").format(sub.so_ho_so or "-", state_text(sub.state, lang,
                                                                                               sub.reasons))
        self.countdown.stop()
        self.attached.emit(self.draft_id)
        self.accept()

    def _confirm_failed(self, failure: TaskFailure) -> None:
        self.window.refresh_dossiers()
        self.status.setText(failure.error.message(self.window.lang))
        self.confirm.setEnabled(True)
        self.code.setFocus()
