"""A dossier's attachments: each listed with its kind (a code of ``loai_giay_to``), its size and a remove
button; "Thêm tệp…" picks a file and copies it into the dossier's own store. The rules (which files, how
large, the dossier's total, that the store keeps a copy and never a path) are the core's
(``app.actions.attachments``, ``forms.attachments``); a refused file is named with the reason."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bhxh_desk.app.store import Store
from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.forms.catalog import Catalog
from bhxh_desk.forms.errors import BhxhError


def size_text(n: int) -> str:
    """1.234.567 bytes as "1,2 MB"; small files in KB, with Vietnamese decimal commas."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB".replace(".", ",")
    return f"{max(1, round(n / 1024))} KB"


class AttachmentsView(QDialog):
    changed = Signal(int)          # draft id

    def __init__(self, store: Store, draft_id: int, catalog: Catalog, lang: str, parent: QWidget | None = None, *,
                 read_only: bool = False) -> None:
        super().__init__(parent)
        from bhxh_desk.forms.attachments import KIND_LIST
        from bhxh_desk.forms.catalog import code_list

        self.store, self.draft_id, self.lang, self.read_only = store, draft_id, lang, read_only
        info = store.draft_info(draft_id)
        self.setWindowTitle(tr("Tệp đính kèm — {0} · {1}").format(info.procedure, info.period))
        self.kinds = code_list(KIND_LIST).entries
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("attachments")
        self.table.setHorizontalHeaderLabels([tr("Tệp"), tr("Loại giấy tờ"), tr("Dung lượng"), ""])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.kind = QComboBox()
        self.kind.setObjectName("attachment-kind")
        self.kind.addItem(tr("(không ghi loại)"), "")
        for entry in self.kinds.values():
            self.kind.addItem(entry.label(lang), entry.code)
        self.add = QPushButton(tr("Thêm tệp…"))
        self.add.setObjectName("attachment-add")
        self.add.clicked.connect(lambda: self.add_file())
        self.add.setEnabled(not read_only)
        self.kind.setEnabled(not read_only)
        self.error = QLabel()
        self.error.setObjectName("attachment-error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e")
        close = QPushButton(tr("Đóng"))
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Loại giấy tờ")))
        row.addWidget(self.kind, 1)
        row.addWidget(self.add)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        if read_only:
            note = QLabel(tr("Hồ sơ chỉ xem: không thêm hay bớt tệp được."))
            layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(row)
        self.resize(760, 360)
        self.reload()

    def reload(self) -> None:
        attachments = self.store.load_draft(self.draft_id).attachments
        self.table.setRowCount(len(attachments))
        for i, a in enumerate(attachments):
            entry = self.kinds.get(a.kind)
            for column, text in enumerate((a.name, entry.label(self.lang) if entry else (a.kind or "-"),
                                           size_text(len(a.content)))):
                item = QTableWidgetItem(text)
                item.setToolTip(a.description or text)
                self.table.setItem(i, column, item)
            remove = QPushButton(tr("Bỏ"))
            remove.setObjectName(f"attachment-remove-{i}")
            remove.setToolTip(tr("Bỏ tệp {0} khỏi hồ sơ").format(a.name))
            remove.setEnabled(not self.read_only)
            remove.clicked.connect(lambda _=False, n=i: self.remove(n))
            self.table.setCellWidget(i, 3, remove)

    def add_file(self, path: str | None = None) -> bool:
        from bhxh_desk.app.actions.attachments import attach_file

        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, tr("Chọn tệp đính kèm"), "",
                                                  tr("Giấy tờ (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.doc *.docx "
                                                     "*.xls *.xlsx)"))
            if not path:
                return False
        try:
            attach_file(self.store, self.draft_id, path, kind=self.kind.currentData() or "")
        except BhxhError as exc:
            self.error.setText(exc.message(self.lang))
            return False
        self.error.clear()
        self.reload()
        self.changed.emit(self.draft_id)
        return True

    def remove(self, index: int) -> None:
        from bhxh_desk.app.actions.attachments import remove_attachment

        try:
            remove_attachment(self.store, self.draft_id, index)
        except BhxhError as exc:
            self.error.setText(exc.message(self.lang))
            return
        self.error.clear()
        self.reload()
        self.changed.emit(self.draft_id)
