"""The preview of an Excel import: how the file's columns map to the form's fields, every conversion and every
refused cell, shown before anything is applied.

A thin face over ``forms.excel.import_sheet`` and ``forms.columns`` (the command line's ``import`` uses the same):
the dialog holds no rule of its own. Choosing a field for a column (or "not used") maps it by hand and reads the
file again with that mapping, so what the preview shows is exactly what "Nhập" applies.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.app.ui.tasks import TaskFailure, TaskRunner
from bhxh_desk.forms.columns import Column
from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.forms.excel import ImportResult, import_sheet, list_fields, part_tables
from bhxh_desk.forms.model import Form


def _how(column: Column) -> str:
    return {
        "name": tr("theo tên trường XML"), "label": tr("theo nhãn của biểu mẫu"), "alias": tr("theo tên gọi khác"),
        "hand": tr("chọn tay"), "unknown": tr("không khớp trường nào"), "taken": tr("trường đã lấy từ cột khác"),
        "no_header": tr("có dữ liệu nhưng không có tiêu đề"),
    }.get(column.how, column.how)


class ImportDialog(QDialog):
    """Emits ``applied`` with the import's result when the user takes it; never when a cell is refused."""

    applied = Signal(object)

    def __init__(self, path: Path, form: Form, runner: TaskRunner, lang: str = "vi",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import-dialog")
        self.path, self.form, self.runner, self.lang = Path(path), form, runner, lang
        self.result: ImportResult | None = None
        self.error: BhxhError | None = None
        self.by_hand: dict[str, dict[str, str | None]] = {}
        self._reading = 0
        self.fields = {"": list_fields(form), **{t.name: list_fields(t) for t in part_tables(form)}}
        self.setWindowTitle(tr("Nhập Excel: {0} → {1}").format(self.path.name, form.code))
        self.summary = QLabel()
        self.summary.setObjectName("import-summary")
        self.summary.setWordWrap(True)
        self.columns = QTableWidget(0, 4)
        self.columns.setObjectName("import-columns")
        self.columns.setHorizontalHeaderLabels([tr("Cột"), tr("Tiêu đề trong tệp"), tr("Trường của biểu mẫu"),
                                                tr("Cách nhận")])
        self.columns.verticalHeader().hide()
        self.columns.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.columns.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.columns.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.conversions = QListWidget()
        self.conversions.setObjectName("import-conversions")
        self.refused = QListWidget()
        self.refused.setObjectName("import-refused")
        self.unused = QListWidget()
        self.unused.setObjectName("import-unused")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.columns, "")
        self.tabs.addTab(self.conversions, "")
        self.tabs.addTab(self.refused, "")
        self.tabs.addTab(self.unused, "")
        box = QDialogButtonBox()
        self.apply_button = QPushButton(tr("Nhập"))
        self.apply_button.setObjectName("import-apply")
        self.apply_button.setDefault(True)
        cancel = box.addButton(tr("Hủy"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("import-cancel")
        box.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        box.accepted.connect(self.apply)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(box)
        self.resize(900, 560)
        self.reload()

    # ---------------------------------------------------------------- reading

    def reload(self) -> None:
        """Read the file with the mapping as it stands (in the background: a big sheet takes seconds)."""
        self.apply_button.setEnabled(False)
        self.summary.setText(tr("Đang đọc {0}…").format(self.path.name))
        hand = {sheet: dict(columns) for sheet, columns in self.by_hand.items()}
        self._reading += 1
        reading = self._reading          # only the latest reading is shown: an older one may finish after it

        def done(result: ImportResult) -> None:
            if reading == self._reading:
                self.show_result(result)

        def failed(failure: TaskFailure) -> None:
            if reading == self._reading:
                self.show_error(failure)

        self.runner.start(lambda progress: import_sheet(self.path, self.form.code, by_hand=hand),
                          on_done=done, on_error=failed)

    def show_error(self, failure: TaskFailure) -> None:
        self.result, self.error = None, failure.error
        self.summary.setText(failure.error.message(self.lang))
        self.apply_button.setEnabled(False)

    def show_result(self, result: ImportResult) -> None:
        self.result, self.error = result, None
        self._fill_columns(result)
        self._fill(self.conversions, [n.message(self.lang) for n in result.converted])
        self._fill(self.refused, [n.message(self.lang) for n in result.refused])
        self._fill(self.unused, result.unused_lines(self.form.code, self.lang))
        counts = (len(self._all_columns(result)), len(result.converted), len(result.refused), len(result.unused()))
        for i, (label, n) in enumerate(zip((tr("Cột ({0})"), tr("Chuyển đổi ({0})"), tr("Ô bị từ chối ({0})"),
                                            tr("Cột không dùng ({0})")), counts, strict=True)):
            self.tabs.setTabText(i, label.format(n))
        if result.refused:
            self.summary.setText(BhxhError("excel.import_refused", count=len(result.refused)).message(self.lang))
            self.tabs.setCurrentWidget(self.refused)
        else:
            self.summary.setText(tr("{0} dòng sẽ được nhập vào {1}; {2} ô được chuyển đổi, {3} cột không dùng. "
                                    "Chưa có gì được ghi cho tới khi bấm Nhập.")
                                 .format(len(result.rows), self.form.code, len(result.converted),
                                         len(result.unused())))
        self.apply_button.setText(tr("Nhập {0} dòng").format(len(result.rows)) if result.rows else tr("Nhập"))
        self.apply_button.setEnabled(bool(result.rows) and not result.refused)
        if self.apply_button.isEnabled() and not isinstance(self.focusWidget(), QComboBox):
            self.apply_button.setFocus()          # Enter imports; a box being chosen in keeps the keyboard

    @staticmethod
    def _all_columns(result: ImportResult) -> list[tuple[str, Column]]:
        return [(m.sheet, c) for m in result.sheets for c in m.columns]

    @staticmethod
    def _fill(view: QListWidget, lines: list[str]) -> None:
        view.clear()
        view.addItems(lines)

    def _fields_of(self, sheet: str):
        """The fields a sheet can fill: a part's own sheet ("M01B-HSB OmDau") its part's, else the form's."""
        for name, fields in self.fields.items():
            if name and sheet.endswith(" " + name):
                return fields
        return self.fields[""]

    def _fill_columns(self, result: ImportResult) -> None:
        """One row per column of the file. Mapping by hand keeps the same columns: their boxes are then updated in
        place, never replaced while the user is still typing in one."""
        rows = self._all_columns(result)
        keys = [(sheet, c.letter) for sheet, c in rows]
        if keys != getattr(self, "_column_keys", None):
            self._column_keys = keys
            self._build_columns(rows, several=len(result.sheets) > 1)
        for r, (_sheet, column) in enumerate(rows):
            combo = self.columns.cellWidget(r, 2)
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(column.field)) if column.field else 0)
            combo.blockSignals(False)
            how = self.columns.item(r, 3)
            how.setText(_how(column))
            how.setForeground(Qt.GlobalColor.darkRed if column.field is None else Qt.GlobalColor.black)

    def _build_columns(self, rows: list[tuple[str, Column]], several: bool) -> None:
        self.columns.setRowCount(len(rows))
        for r, (sheet, column) in enumerate(rows):
            self.columns.setItem(r, 0, QTableWidgetItem(f"{sheet}!{column.letter}" if several else column.letter))
            self.columns.setItem(r, 1, QTableWidgetItem(column.header or tr("(không có tiêu đề)")))
            combo = QComboBox()
            combo.setObjectName(f"map-{column.letter}")
            combo.addItem(tr("— không dùng —"), None)
            for f in self._fields_of(sheet):
                combo.addItem(f"{f.label(self.lang)} ({f.name})", f.name)
            combo.activated.connect(lambda _i, s=sheet, c=column.letter, box=combo: self.map_by_hand(s, c,
                                                                                                     box.currentData()))
            self.columns.setCellWidget(r, 2, combo)
            self.columns.setItem(r, 3, QTableWidgetItem())
        self.columns.resizeColumnToContents(0)

    def map_by_hand(self, sheet: str, letter: str, field: str | None) -> None:
        self.by_hand.setdefault(sheet, {})[letter] = field
        self.reload()

    # ---------------------------------------------------------------- applying

    def apply(self) -> None:
        if self.result is None or self.result.refused or not self.result.rows:
            return
        self.applied.emit(self.result)
        self.accept()

    def report(self) -> str:
        """What was shown, as text: the window keeps it as the import's report."""
        if self.result is None:
            return self.error.message(self.lang) if self.error else ""
        r = self.result
        return "\n".join([self.summary.text(), *r.unused_lines(self.form.code, self.lang),
                          *(n.message(self.lang) for n in r.refused + r.converted)])
