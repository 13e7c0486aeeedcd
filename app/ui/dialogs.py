"""Small dialogs, generated from declarations where they can be: the unit form from the catalog's unit
fields, the settings form from ``app.settings.EDITABLE``."""

from __future__ import annotations

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


class NewDossierDialog(QDialog):
    def __init__(self, catalog: Catalog, lang: str, period: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Hồ sơ mới"))
        self.procedure = QComboBox()
        self.procedure.setObjectName("procedure")
        for p in catalog.procedures.values():
            mark = tr(" (chưa xác nhận)") if p.unconfirmed else ""
            self.procedure.addItem(f"{p.code} — {p.name(lang)}{mark}", p.code)
        self.period = QLineEdit(period)
        self.period.setObjectName("new-period")
        form = QFormLayout()
        form.addRow(tr("Thủ tục"), self.procedure)
        form.addRow(tr("Kỳ kê khai (MM/yyyy)"), self.period)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self))


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
