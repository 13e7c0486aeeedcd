"""The receipt and result of a filed dossier, readable: số hồ sơ, what became of it ("Đã duyệt", "Bị từ
chối: …" with each reason, "Đang xử lý"), its times in Vietnam's time, and whether the result's signature
was verified. The signed XML itself is one button away ("Xem tệp XML"), and can be saved."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from bhxh_desk.app.actions.receipts import Readable
from bhxh_desk.app.ui.dialogs import DocumentDialog
from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.app.workflow import State

COLOURS = {State.RESULT: "#1b5e20", State.REJECTED: "#b3261e"}


class ResultView(QDialog):
    def __init__(self, readable: Readable, xml: bytes | None, suggested: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Biên nhận và kết quả"))
        self.readable, self.xml, self.suggested = readable, xml, suggested
        r = readable
        self.headline = QLabel(f"<span style='font-size:15pt; font-weight:bold; color:"
                               f"{COLOURS.get(r.state, '#0d47a1')}'>{escape(r.headline)}</span>")
        self.headline.setObjectName("result-headline")
        self.headline.setWordWrap(True)
        rows = [(tr("Số hồ sơ"), r.so_ho_so or "-"), (tr("Thời điểm tiếp nhận"), r.received_at or "-"),
                (tr("Cập nhật lần cuối"), r.updated_at or "-")]
        if r.decided_on:
            rows.append((tr("Ngày xử lý"), r.decided_on))
        if r.has_result:
            rows.append((tr("Chữ ký văn bản kết quả"), tr("đã xác minh") if r.verified
                         else tr("CHƯA xác minh được")))
        table = "".join(f"<tr><td style='padding-right:16px'>{escape(k)}</td><td><b>{escape(v)}</b></td></tr>"
                        for k, v in rows)
        self.details = QLabel(f"<table>{table}</table>")
        self.details.setObjectName("result-details")
        reasons = "".join(f"<li>{escape(x)}</li>" for x in r.reasons)
        self.reasons = QLabel(f"<b>{escape(tr('Lý do'))}</b><ul>{reasons}</ul>" if reasons else "")
        self.reasons.setObjectName("result-reasons")
        self.reasons.setWordWrap(True)
        self.reasons.setVisible(bool(reasons))
        self.words = QLabel(escape(r.result_text))
        self.words.setObjectName("result-text")
        self.words.setWordWrap(True)
        self.words.setVisible(bool(r.result_text))
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.button(QDialogButtonBox.StandardButton.Close).setText(tr("Đóng"))
        self.xml_button = QPushButton(tr("Xem tệp XML"))
        self.xml_button.setObjectName("result-xml")
        self.xml_button.setEnabled(xml is not None)
        self.xml_button.setAutoDefault(False)
        self.xml_button.clicked.connect(self.show_xml)
        box.addButton(self.xml_button, QDialogButtonBox.ButtonRole.ActionRole)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.headline, self.details, self.reasons, self.words):
            layout.addWidget(w)
        layout.addStretch(1)
        layout.addWidget(box)
        self.resize(560, 320)

    def show_xml(self) -> DocumentDialog:
        text = (self.xml or b"").decode("utf-8", "replace")
        dialog = DocumentDialog(tr("Tệp XML của kết quả") if self.readable.has_result else tr("Tệp XML đã nộp"),
                                text, self.xml, self.suggested, self)
        dialog.show()
        return dialog
