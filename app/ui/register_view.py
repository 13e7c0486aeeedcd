"""The unit's employees: the register (``app.store.register``) as a screen of its own. Search by name
(accents ignored), mã số BHXH or CCCD; each person shows their last declared title and salary and when;
Enter or a double click opens the dossier they were last declared in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bhxh_desk.app.store import Store
from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.forms.catalog import Catalog


class RegisterView(QDialog):
    open_requested = Signal(int)           # the dossier a person was last declared in

    def __init__(self, store: Store, catalog: Catalog, unit: str, lang: str, window=None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.store, self.unit, self.lang, self.window = store, unit, lang, window
        self.form = next(f for f in catalog.forms.values() if f.register)     # the form the register keeps
        rules = self.form.register_rules
        bhxh = next((f.name for f in self.form.fields if f.type.name == "BHXH_ID"), "")
        cccd = next((f.name for f in self.form.fields if f.type.name == "PERSONAL_ID"), "")
        birth = next((f.name for f in self.form.fields if f.type.name == "BIRTHDATE"), "")
        # Name, numbers, date of birth, then what a declaration compares (salary, title).
        self.columns = [n for n in (str(rules.get("name", "")), bhxh, cccd, birth,
                                    *[str(c) for c in rules.get("compare", ())]) if n]
        names = {self.form.field(n).name: self.form.field(n).label(lang) for n in self.columns}
        unit_name = next((u.name for u in store.units() if u.code == unit), unit)
        self.setWindowTitle(tr("Sổ lao động — {0} ({1})").format(unit_name, unit))
        self.search = QLineEdit()
        self.search.setObjectName("register-search")
        self.search.setPlaceholderText(tr("Tìm theo tên, mã số BHXH hoặc CCCD"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.reload)
        self.table = QTableWidget(0, len(self.columns) + 1)
        self.table.setObjectName("register")
        self.table.setHorizontalHeaderLabels([names[n] for n in self.columns] + [tr("Khai lần cuối")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)   # every label read whole
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for n, name in enumerate(self.columns):
            self.table.horizontalHeaderItem(n).setToolTip(names[name])
        self.table.cellDoubleClicked.connect(lambda row, _c: self.open_person(row))
        self.count = QLabel()
        self.count.setObjectName("register-count")
        self.open_button = QPushButton(tr("Mở hồ sơ đã khai"))
        self.open_button.setObjectName("register-open")
        self.open_button.clicked.connect(lambda: self.open_person(self.table.currentRow()))
        close = QPushButton(tr("Đóng"))
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.search.installEventFilter(self)
        self.resize(1180, 560)
        self.reload()

    def reload(self, *_args) -> None:
        from bhxh_desk.app.actions.receipts import local_time
        from bhxh_desk.app.store.register import people

        self.people = people(self.store, self.unit, self.search.text())
        self.table.setRowCount(len(self.people))
        for r, person in enumerate(self.people):
            for c, name in enumerate(self.columns):
                value = str(person.row.get(name) or "")
                if self.form.field(name).type.name == "SALARY" and value.isdigit():
                    from bhxh_desk.forms.display import vnd

                    value = vnd(int(value))          # as the clerk reads money: 15.000.000
                self.table.setItem(r, c, QTableWidgetItem(value))
            self.table.setItem(r, len(self.columns), QTableWidgetItem(local_time(person.updated_at)))
        if self.people:
            self.table.selectRow(0)
        self.count.setText(tr("{0} người").format(len(self.people)))
        self.open_button.setEnabled(bool(self.people))

    def eventFilter(self, watched, event) -> bool:
        """From the search box: Up and Down choose a person, Enter opens them."""
        from PySide6.QtCore import QEvent

        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.people:
                row = self.table.currentRow() + (1 if event.key() == Qt.Key.Key_Down else -1)
                self.table.selectRow(max(0, min(len(self.people) - 1, row)))
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_person(self.table.currentRow())
                return True
        return super().eventFilter(watched, event)

    def open_person(self, row: int) -> int | None:
        """The dossier the person was last declared in, opened in the main window."""
        if not 0 <= row < len(self.people):
            return None
        draft_id = self.people[row].declared_in
        if draft_id is None or draft_id not in {i.id for i in self.store.drafts(unit_code=self.unit)}:
            self.count.setText(tr("Hồ sơ khai người này không còn trong máy."))
            return None
        self.open_requested.emit(draft_id)
        if self.window is not None:
            self.window.open_draft(draft_id)
        return draft_id
