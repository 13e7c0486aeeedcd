"""Small dialogs, generated from declarations where they can be: the unit form from the catalog's unit
fields, the settings form from ``app.settings.EDITABLE``."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bhxh_desk.app.settings import EDITABLE, Settings
from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.forms.catalog import Catalog
from bhxh_desk.forms.draft import Unit
from bhxh_desk.forms.validate import Report, check_fields


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    box.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Đồng ý"))
    box.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Hủy"))
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class UnitDialog(QDialog):
    """A unit's details, with the catalog's own checks shown before it is saved."""

    def __init__(self, catalog: Catalog, lang: str, unit: Unit | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Đơn vị"))
        self.catalog, self.lang = catalog, lang
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for f in catalog.unit_fields:
            edit = QLineEdit(getattr(unit, f.name, "") if unit else "")
            edit.setObjectName(f"unit-{f.name}")
            edit.setToolTip(f.help_en if lang == "en" and f.help_en else f.help_vi)
            self.edits[f.name] = edit
            form.addRow(f.label(lang) + (" *" if f.required else ""), edit)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e")
        self.error.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(_buttons(self))

    def unit(self) -> Unit:
        return Unit(**{k: e.text().strip() for k, e in self.edits.items()})

    def accept(self) -> None:
        report = Report()
        check_fields("unit", None, self.catalog.unit_fields, {k: v for k, v in vars_of(self.unit()).items() if v},
                     report)
        if report.errors:
            self.error.setText("\n".join(i.message(self.lang) for i in report.errors))
            return
        super().accept()


def vars_of(unit: Unit) -> dict[str, str]:
    return {f: getattr(unit, f) for f in ("code", "name", "tax_code", "agency_code", "signer", "phone")}


def _fold(text: str) -> str:
    """For searching as one types: no accents (đ is d), no case, single spaces."""
    import unicodedata

    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).casefold().split())


class NewDossierDialog(QDialog):
    """Ctrl+N: the unit (the selected one, or the only one, already chosen), the procedure from a list
    grouped by who files it and searched as one types, and the period; Enter makes the dossier."""

    def __init__(self, catalog: Catalog, lang: str, period: str, parent: QWidget | None = None, *,
                 units: list | None = None, unit_code: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Hồ sơ mới"))
        self.lang = lang
        self.unit = QComboBox()
        self.unit.setObjectName("new-unit")
        for u in units or []:
            self.unit.addItem(f"{u.name} ({u.code})", u.code)
        chosen = unit_code if unit_code else (units[0].code if units and len(units) == 1 else None)
        self.unit.setCurrentIndex(self.unit.findData(chosen) if chosen else -1)
        self.search = QLineEdit()
        self.search.setObjectName("procedure-search")
        self.search.setPlaceholderText(tr("Tìm thủ tục: mã hoặc tên (↑↓ để chọn)"))
        self.search.setClearButtonEnabled(True)
        self.procedures = QTreeWidget()
        self.procedures.setObjectName("procedures")
        self.procedures.setHeaderHidden(True)
        self.procedures.setRootIsDecorated(False)
        self.groups: list[QTreeWidgetItem] = []
        for filer, title in (("unit", tr("Thủ tục của đơn vị")), ("person", tr("Thủ tục của cá nhân"))):
            group = QTreeWidgetItem([title])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for p in catalog.procedures.values():
                if p.filer == filer:
                    mark = tr(" (chưa xác nhận)") if p.unconfirmed else ""
                    item = QTreeWidgetItem([f"{p.code} — {p.name(lang)}{mark}"])
                    item.setData(0, Qt.ItemDataRole.UserRole, p.code)
                    item.setToolTip(0, p.name(lang))
                    group.addChild(item)
            self.procedures.addTopLevelItem(group)
            self.groups.append(group)
        self.procedures.expandAll()
        self.search.textChanged.connect(self.filter)
        self.search.installEventFilter(self)
        self.procedures.itemDoubleClicked.connect(lambda item, _c: item.parent() and self.accept())
        self.period = QLineEdit(period)
        self.period.setObjectName("new-period")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e")
        form = QFormLayout()
        form.addRow(tr("Đơn vị"), self.unit)
        form.addRow(tr("Thủ tục"), self.search)
        form.addRow("", self.procedures)
        form.addRow(tr("Kỳ kê khai (MM/yyyy)"), self.period)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(_buttons(self))
        self.filter("")
        self.resize(640, 520)
        self.search.setFocus()

    def _items(self) -> list[QTreeWidgetItem]:
        return [g.child(i) for g in self.groups for i in range(g.childCount())]

    def filter(self, text: str) -> None:
        """Accents and case ignored: "thai san" finds "thai sản"; the first match is chosen."""
        wanted = _fold(text)
        first = None
        for item in self._items():
            hidden = bool(wanted) and wanted not in _fold(item.text(0))
            item.setHidden(hidden)
            if not hidden and first is None:
                first = item
        for g in self.groups:
            g.setHidden(all(g.child(i).isHidden() for i in range(g.childCount())))
        current = self.procedures.currentItem()
        if current is None or current.isHidden() or current.parent() is None:
            self.procedures.setCurrentItem(first)

    def eventFilter(self, watched, event) -> bool:
        """Up and Down in the search box move through the visible procedures."""
        from PySide6.QtCore import QEvent

        if watched is self.search and event.type() == QEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            visible = [i for i in self._items() if not i.isHidden()]
            if visible:
                current = self.procedures.currentItem()
                n = visible.index(current) if current in visible else -1
                n = max(0, min(len(visible) - 1, n + (1 if event.key() == Qt.Key.Key_Down else -1)))
                self.procedures.setCurrentItem(visible[n])
            return True
        return super().eventFilter(watched, event)

    def procedure_code(self) -> str | None:
        item = self.procedures.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None and not item.isHidden() else None

    def unit_code(self) -> str | None:
        return self.unit.currentData()

    def accept(self) -> None:
        if self.unit_code() is None:
            self.error.setText(tr("Hãy chọn đơn vị."))
            self.unit.setFocus()
            return
        if self.procedure_code() is None:
            self.error.setText(tr("Hãy chọn thủ tục."))
            self.search.setFocus()
            return
        super().accept()


class SettingsDialog(QDialog):
    """Every declared setting, with its type deciding the widget."""

    def __init__(self, settings: Settings, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Cài đặt"))
        self.settings = settings
        self.widgets: dict[str, QWidget] = {}
        form = QFormLayout()
        for s in EDITABLE:
            value = settings.get(s.key)
            if s.type is bool:
                w: QWidget = QCheckBox()
                w.setChecked(bool(value))
            elif s.choices:
                w = QComboBox()
                for c in s.choices:
                    w.addItem(str(c), c)
                w.setCurrentIndex(list(s.choices).index(value))
            else:
                w = QLineEdit(str(value))
            w.setObjectName(f"setting-{s.key}")
            w.setToolTip(s.doc_en if lang == "en" else s.doc_vi)
            self.widgets[s.key] = w
            form.addRow(s.doc_en if lang == "en" else s.doc_vi, w)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self))

    def apply(self) -> None:
        for s in EDITABLE:
            w = self.widgets[s.key]
            if isinstance(w, QCheckBox):
                self.settings.set(s.key, w.isChecked())
            elif isinstance(w, QComboBox):
                self.settings.set(s.key, w.currentData())
            elif isinstance(w, QLineEdit):
                self.settings.set(s.key, w.text().strip())
        self.settings.save()


class DocumentDialog(QDialog):
    """A receipt or result document, readable and savable."""

    def __init__(self, title: str, text: str, data: bytes | None, suggested: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.data, self.suggested = data, suggested
        view = QPlainTextEdit(text)
        view.setReadOnly(True)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        box.button(QDialogButtonBox.StandardButton.Save).setText(tr("Lưu tệp…"))
        box.button(QDialogButtonBox.StandardButton.Close).setText(tr("Đóng"))
        box.button(QDialogButtonBox.StandardButton.Save).setEnabled(data is not None)
        box.accepted.connect(self.save)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(view)
        layout.addWidget(box)
        self.resize(700, 500)

    def save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Lưu tệp"), self.suggested, "XML (*.xml)")
        if path and self.data is not None:
            from pathlib import Path

            from bhxh_desk.app.actions.files import write_atomically

            write_atomically(Path(path), self.data)
