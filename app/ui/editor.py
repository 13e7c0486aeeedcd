"""The dossier editor, generated from the catalog: a tab per form, a table for its rows, a form panel for the
selected row's nested parts (the TK1-TS household appendix), and the list of issues.

Every edit is saved to the store as it is made (one small transaction) and pushed on an undo stack. The
validator runs off the UI thread a moment after typing stops, and its issues colour the cells.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bhxh_desk.app.actions.checking import record_check
from bhxh_desk.app.store import Store, register
from bhxh_desk.app.store.register import check as register_check
from bhxh_desk.app.ui.grid import GridView
from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.app.ui.rows_model import CellDelegate, RowsModel
from bhxh_desk.app.ui.tasks import TaskRunner
from bhxh_desk.app.workflow import LABELS_VI
from bhxh_desk.forms.catalog import Catalog
from bhxh_desk.forms.draft import Draft
from bhxh_desk.forms.model import Field, FieldType, Form
from bhxh_desk.forms.validate import Issue, Severity, check


def _totals_text(draft: Draft, checked, lang: str) -> str:
    """What the unit and its employees pay for the period, from the list as validated (rates in force then);
    the same computation as ``bhxh-desk contributions`` and the printout."""
    from bhxh_desk.forms.contributions import compute
    from bhxh_desk.forms.display import vnd
    from bhxh_desk.forms.errors import BhxhError

    try:
        result = compute(draft, parsed=checked.parsed)
    except BhxhError:
        return ""
    parts = []
    for code in result.forms():
        s = result.summary(code)
        if s.paying_rows:
            parts.append(tr("{0}: quỹ lương {1} đ · người lao động đóng {2} đ · đơn vị đóng {3} đ").format(
                code, vnd(s.basis_bhxh), vnd(s.employee.total), vnd(s.employer.total)))
    return "  |  ".join(parts)


def _yield() -> None:
    """Give the interpreter to the UI thread for a moment (see forms.validate.check)."""
    time.sleep(0.002)


class EditCell(QUndoCommand):
    def __init__(self, editor: DossierEditor, form: str, row: int, name: str, old: str, new: str) -> None:
        super().__init__(tr("Sửa ô {0}").format(name))
        self.editor, self.form, self.row, self.name, self.old, self.new = editor, form, row, name, old, new

    def redo(self) -> None:
        self.editor.apply_cell(self.form, self.row, self.name, self.new)

    def undo(self) -> None:
        self.editor.apply_cell(self.form, self.row, self.name, self.old)


class InsertRow(QUndoCommand):
    def __init__(self, editor: DossierEditor, form: str, row: int, values: dict[str, Any]) -> None:
        super().__init__(tr("Thêm dòng"))
        self.editor, self.form, self.row, self.values = editor, form, row, values

    def redo(self) -> None:
        self.editor.apply_insert(self.form, self.row, copy.deepcopy(self.values))

    def undo(self) -> None:
        self.editor.apply_delete(self.form, self.row)


class DeleteRow(QUndoCommand):
    def __init__(self, editor: DossierEditor, form: str, row: int) -> None:
        super().__init__(tr("Xóa dòng"))
        self.editor, self.form, self.row = editor, form, row
        self.values: dict[str, Any] = {}

    def redo(self) -> None:
        self.values = self.editor.apply_delete(self.form, self.row)

    def undo(self) -> None:
        self.editor.apply_insert(self.form, self.row, copy.deepcopy(self.values))


class EditRow(QUndoCommand):
    """A change inside a row's nested part: the whole row before and after."""

    def __init__(self, editor: DossierEditor, form: str, row: int, old: dict[str, Any], new: dict[str, Any]) -> None:
        super().__init__(tr("Sửa phụ lục"))
        self.editor, self.form, self.row, self.old, self.new = editor, form, row, old, new

    def redo(self) -> None:
        self.editor.apply_row(self.form, self.row, copy.deepcopy(self.new))

    def undo(self) -> None:
        self.editor.apply_row(self.form, self.row, copy.deepcopy(self.old))


class AppendRows(QUndoCommand):
    """Rows from an Excel import: one step to undo, however many rows."""

    def __init__(self, editor: DossierEditor, form: str, rows: list[dict[str, Any]]) -> None:
        super().__init__(tr("Nhập từ Excel"))
        self.editor, self.form, self.rows = editor, form, rows
        self.start = len(editor.draft.rows(form))

    def redo(self) -> None:
        model = self.editor.form_tabs[self.form].model
        model.beginInsertRows(QModelIndex(), self.start, self.start + len(self.rows) - 1)
        model.rows.extend(copy.deepcopy(self.rows))
        model.endInsertRows()
        self.editor.store.append_rows(self.editor.draft_id, self.form, self.rows)
        self.editor._changed()

    def undo(self) -> None:
        model = self.editor.form_tabs[self.form].model
        model.beginRemoveRows(QModelIndex(), self.start, len(model.rows) - 1)
        del model.rows[self.start:]
        model.endRemoveRows()
        self.editor.store.truncate_rows(self.editor.draft_id, self.form, self.start)
        self.editor._changed()


class FormPanel(QScrollArea):
    """The selected row as a generated form: every field with its help, nested groups and tables included."""

    def __init__(self, editor: DossierEditor, form: Form) -> None:
        super().__init__()
        self.editor, self.form = editor, form
        self.row: int | None = None
        self.setWidgetResizable(True)
        self.setWidget(QWidget())
        self.nested_models: list[RowsModel] = []

    def show_row(self, row: int | None) -> None:
        self.row = row
        body = QWidget()
        layout = QVBoxLayout(body)
        self.nested_models = []
        if row is not None and row < len(self.editor.draft.rows(self.form.code)):
            values = self.editor.draft.rows(self.form.code)[row]
            if self.form.kind in ("person", "parts"):   # the whole record as a form, with each field's help
                plain = Field(name="", label_vi=self.form.name_vi, label_en=self.form.name_en, type=FieldType.GROUP,
                              fields=tuple(f for f in self.form.fields if not f.nested))
                layout.addWidget(self._group(plain, values, []))
            for f in self.form.fields:
                if f.type is FieldType.GROUP:
                    layout.addWidget(self._group(f, values.get(f.name) or {}, [f.name]))
                elif f.type is FieldType.TABLE:       # a part of the record (01B-HSB's OmDau, ThaiSan...)
                    part = Field(name="", label_vi=f.label_vi, label_en=f.label_en, type=FieldType.GROUP, fields=(f,))
                    layout.addWidget(self._group(part, values, []))
        layout.addStretch(1)
        self.setWidget(body)

    def _group(self, group: Field, values: dict[str, Any], path: list[str]) -> QGroupBox:
        box = QGroupBox(group.label(self.editor.lang))
        form = QFormLayout(box)
        for f in group.fields:
            if f.type is FieldType.SEQ:
                continue
            if f.type is FieldType.TABLE:
                rows = values.get(f.name) or []
                model = RowsModel(f.fields, rows, self.editor.lang)
                model.edit_requested.connect(
                    lambda r, name, text, p=[*path, f.name]: self.editor.edit_nested(self.form.code, self.row, p, r,
                                                                                     name, text))
                self.nested_models.append(model)
                view = QTableView()
                view.setModel(model)
                view.setItemDelegate(CellDelegate(view))
                view.setMinimumHeight(140)
                add = QPushButton(tr("+ Thêm dòng"))
                add.clicked.connect(lambda _=False, p=[*path, f.name]: self.editor.add_nested(self.form.code,
                                                                                               self.row, p))
                holder = QWidget()
                v = QVBoxLayout(holder)
                v.setContentsMargins(0, 0, 0, 0)
                v.addWidget(view)
                v.addWidget(add)
                form.addRow(f.label(self.editor.lang), holder)
            elif f.type is FieldType.GROUP:
                form.addRow(self._group(f, values.get(f.name) or {}, [*path, f.name]))
            else:
                edit = QLineEdit(str(values.get(f.name) or ""))
                edit.setObjectName(".".join([*path, f.name]))
                edit.setToolTip(f.help_en if self.editor.lang == "en" and f.help_en else f.help_vi)
                edit.setEnabled(not f.retired)
                edit.editingFinished.connect(
                    lambda e=edit, p=[*path, f.name]: self.editor.edit_nested(self.form.code, self.row, p[:-1], None,
                                                                              p[-1], e.text()))
                form.addRow(f.label(self.editor.lang), edit)
        return box


class FormTab(QWidget):
    def __init__(self, editor: DossierEditor, form: Form) -> None:
        super().__init__()
        self.editor, self.form = editor, form
        self.model = RowsModel(form.fields, editor.draft.forms.setdefault(form.code, []), editor.lang)
        self.model.edit_requested.connect(lambda row, name, text: editor.edit_cell(form.code, row, name, text))
        self.view = GridView(self.model)          # the name column stays in view while scrolling right
        self.view.setObjectName(f"table-{form.code}")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 0)
        layout.setSpacing(2)
        if form.unconfirmed:
            layout.addWidget(QLabel(tr("Biểu mẫu chưa được xác nhận theo tài liệu chính thức")))
        has_nested = any(f.nested for f in form.fields)
        if has_nested:
            split = QSplitter(Qt.Orientation.Vertical)
            split.addWidget(self.view)
            self.panel = FormPanel(editor, form)
            split.addWidget(self.panel)
            layout.addWidget(split)
            self.view.selectionModel().currentRowChanged.connect(lambda cur, _: self.panel.show_row(cur.row()))
        else:
            self.panel = None
            layout.addWidget(self.view)
        QShortcut(QKeySequence.StandardKey.Paste, self.view, activated=self.paste)

    def add_row(self) -> None:
        self.editor.add_row(self.form.code, self._current_row() + 1)

    def delete_row(self) -> None:
        self.editor.delete_row(self.form.code, self._current_row())

    def _current_row(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else len(self.model.rows) - 1

    def paste(self) -> None:
        """A tab-separated block from Excel, typed in from the current cell; leading zeros kept as text."""
        text = QGuiApplication.clipboard().text()
        if not text:
            return
        start = self.view.currentIndex()
        row0 = start.row() if start.isValid() else len(self.model.rows)
        col0 = max(1, start.column()) if start.isValid() else 1
        lines = [line for line in text.replace("\r\n", "\n").split("\n")]
        if lines and lines[-1] == "":
            lines.pop()
        self.editor.undo.beginMacro(tr("Dán từ Excel"))
        for r, line in enumerate(lines):
            row = row0 + r
            while row >= len(self.model.rows):
                self.editor.add_row(self.form.code, len(self.model.rows))
            for c, cell in enumerate(line.split("\t")):
                f = self.model.field_at(col0 + c)
                if f is not None:
                    self.editor.edit_cell(self.form.code, row, f.name, cell.strip())
        self.editor.undo.endMacro()


class DossierEditor(QWidget):
    state_changed = Signal(int)                # draft id
    issues_changed = Signal(int, int)          # errors, warnings
    edit_blocked = Signal()                    # an edit was tried while read-only (the window asks)
    read_only = False

    def __init__(self, store: Store, draft_id: int, catalog: Catalog, runner: TaskRunner, lang: str = "vi") -> None:
        super().__init__()
        self.store, self.draft_id, self.catalog, self.runner, self.lang = store, draft_id, catalog, runner, lang
        self.draft: Draft = store.load_draft(draft_id)
        self.procedure = catalog.procedure(self.draft.procedure)
        self.undo = QUndoStack(self)
        self.issues: list[Issue] = []
        self._validating = False
        self._again = False
        self.timer = QTimer(self, singleShot=True, interval=300)
        self.timer.timeout.connect(self.revalidate)

        info = store.draft_info(draft_id)
        title = QLabel(f"<b>{self.procedure.name(lang) if self.procedure else self.draft.procedure}</b> — "
                       f"{self.draft.unit.name} ({self.draft.unit.code})")
        title.setToolTip(title.text())
        title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)    # cut, never wrapped
        add, remove = QPushButton(tr("+ Thêm dòng")), QPushButton(tr("− Xóa dòng"))
        add.setObjectName("add-row")
        remove.setObjectName("delete-row")
        add.clicked.connect(lambda: self._current_tab() and self._current_tab().add_row())
        remove.clicked.connect(lambda: self._current_tab() and self._current_tab().delete_row())
        self.state_label = QLabel(LABELS_VI.get(info.state, str(info.state)) if lang != "en" else str(info.state))
        self.period = QLineEdit(self.draft.period)
        self.period.setObjectName("period")
        self.period.setPlaceholderText("MM/yyyy")
        self.period.setMaximumWidth(100)
        self.period.editingFinished.connect(self.edit_period)
        header = QHBoxLayout()           # one line above the grid: the row buttons, the dossier, its period
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(add)
        header.addWidget(remove)
        header.addSpacing(12)
        header.addWidget(title, 1)
        header.addWidget(QLabel(tr("Kỳ kê khai")))
        header.addWidget(self.period)
        header.addWidget(self.state_label)
        self.totals_label = QLabel()
        self.totals_label.setObjectName("totals")
        self.totals_label.setWordWrap(True)
        self.totals_label.setVisible(False)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.form_tabs: dict[str, FormTab] = {}
        for form in catalog.forms_of(self.procedure) if self.procedure else []:
            tab = FormTab(self, form)
            self.form_tabs[form.code] = tab
            self.tabs.addTab(tab, form.code)
            self.tabs.setTabToolTip(self.tabs.count() - 1, form.name(lang))

        self.issue_list = QListWidget()
        self.issue_list.setObjectName("issues")
        self.issue_list.setMinimumHeight(36)
        self.issue_list.itemActivated.connect(self.jump_to)
        self.issue_list.itemClicked.connect(self.jump_to)
        split = self.split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("split-issues")
        split.addWidget(self.tabs)
        split.addWidget(self.issue_list)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setSizes([600, 52])              # the grid gets the space; the issue list can be pulled up
        # What was moved to open a draft of an earlier version (forms.migrate), in the core's own words.
        self.migrations = QLabel("\n".join(m.message(lang) for m in self.draft.migrations))
        self.migrations.setObjectName("migrations")
        self.migrations.setWordWrap(True)
        self.migrations.setStyleSheet("background: #fff4ce; padding: 4px;")
        self.migrations.setVisible(bool(self.draft.migrations))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.migrations)
        layout.addWidget(self.totals_label)
        layout.addWidget(split)
        self.revalidate()

    # ---------------------------------------------------------------- edits (each saved at once)

    def set_read_only(self, on: bool) -> None:
        """A locked dossier (app.workflow.lock) shows its rows and takes no edit: every edit method below
        refuses while read-only and emits ``edit_blocked`` instead, whatever widget it came from."""
        self.read_only = on
        for tab in self.form_tabs.values():      # the grid's own triggers come back as they were
            usual = tab.view.property("usual_triggers") or tab.view.editTriggers()
            tab.view.setProperty("usual_triggers", usual)
            tab.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers if on else usual)
        for name in ("add-row", "delete-row"):
            self.findChild(QPushButton, name).setEnabled(not on)
        self.period.setReadOnly(on)

    def _blocked(self) -> bool:
        if self.read_only:
            self.edit_blocked.emit()
        return self.read_only

    def edit_cell(self, form: str, row: int, name: str, text: str) -> None:
        if self._blocked():
            return
        values = self.draft.rows(form)[row]
        old = str(values.get(name) or "")
        if old == text:
            return
        fills = register.fill(self.store, self.draft.unit.code, self.catalog.form(form), {**values, name: text}, name)
        if not fills:
            self.undo.push(EditCell(self, form, row, name, old, text))
            return
        # A person already on the unit's register: the rest of the row comes from it, as one step.
        self.undo.beginMacro(tr("Điền từ sổ lao động"))
        self.undo.push(EditCell(self, form, row, name, old, text))
        for field_name, value in fills.items():
            self.undo.push(EditCell(self, form, row, field_name, "", value))
        self.undo.endMacro()

    def apply_cell(self, form: str, row: int, name: str, text: str) -> None:
        tab = self.form_tabs[form]
        tab.model.put(row, name, text)
        self.store.set_row(self.draft_id, form, row, self.draft.rows(form)[row])
        self._changed()

    def append_rows(self, form: str, rows: list[dict[str, Any]]) -> None:
        if rows and not self._blocked():
            self.undo.push(AppendRows(self, form, rows))

    def _current_tab(self) -> FormTab | None:
        tab = self.tabs.currentWidget()
        return tab if isinstance(tab, FormTab) else None

    def current_form(self) -> str:
        tab = self.tabs.currentWidget()
        return tab.form.code if isinstance(tab, FormTab) else next(iter(self.form_tabs))

    def add_row(self, form: str, row: int) -> None:
        if self._blocked():
            return
        self.undo.push(InsertRow(self, form, max(0, row), {}))

    def delete_row(self, form: str, row: int) -> None:
        if 0 <= row < len(self.draft.rows(form)) and self._blocked():
            return
        if 0 <= row < len(self.draft.rows(form)):
            self.undo.push(DeleteRow(self, form, row))

    def apply_insert(self, form: str, row: int, values: dict[str, Any]) -> None:
        self.form_tabs[form].model.insert(row, values)
        self.store.insert_row(self.draft_id, form, row, values)
        self._changed()

    def apply_delete(self, form: str, row: int) -> dict[str, Any]:
        values = self.form_tabs[form].model.remove(row)
        self.store.delete_row(self.draft_id, form, row)
        self._changed()
        return values

    def apply_row(self, form: str, row: int, values: dict[str, Any]) -> None:
        rows = self.draft.rows(form)
        rows[row].clear()
        rows[row].update(values)
        self.store.set_row(self.draft_id, form, row, rows[row])
        tab = self.form_tabs[form]
        tab.model.dataChanged.emit(tab.model.index(row, 0), tab.model.index(row, tab.model.columnCount() - 1))
        if tab.panel is not None and tab.panel.row == row:
            tab.panel.show_row(row)
        self._changed()

    def _nested(self, values: dict[str, Any], path: list[str], create_list: bool = False) -> Any:
        node: Any = values
        for i, key in enumerate(path):
            last = i == len(path) - 1
            node = node.setdefault(key, [] if (last and create_list) else {})
        return node

    def edit_nested(self, form: str, row: int | None, path: list[str], item: int | None, name: str, text: str) -> None:
        if row is None:
            return
        old = copy.deepcopy(self.draft.rows(form)[row])
        new = copy.deepcopy(old)
        target = self._nested(new, path, create_list=item is not None)
        if item is not None:
            target = target[item]
        if text:
            target[name] = text
        else:
            target.pop(name, None)
        if new != old and not self._blocked():          # leaving a field unchanged is no edit
            self.undo.push(EditRow(self, form, row, old, new))

    def add_nested(self, form: str, row: int | None, path: list[str]) -> None:
        if row is None or self._blocked():
            return
        old = copy.deepcopy(self.draft.rows(form)[row])
        new = copy.deepcopy(old)
        self._nested(new, path, create_list=True).append({})
        self.undo.push(EditRow(self, form, row, old, new))

    def edit_period(self) -> None:
        text = self.period.text().strip()
        if text != self.draft.period and not self._blocked():
            self.draft.period = text
            self.store.set_header(self.draft_id, period=text)
            self._changed()

    def _changed(self) -> None:
        self._set_state_label()
        self.state_changed.emit(self.draft_id)
        self.timer.start()

    # ---------------------------------------------------------------- validation, off the UI thread

    def revalidate(self) -> None:
        if self._validating:
            self._again = True
            return
        self._validating = True
        # A shallow copy of each row is enough (the validator only reads) and costs ~10 ms for 10,000 rows.
        snapshot = Draft(procedure=self.draft.procedure, period=self.draft.period, unit=self.draft.unit,
                         forms={k: [dict(r) for r in v] for k, v in self.draft.forms.items()},
                         attachments=list(self.draft.attachments))          # rules ask for papers by kind
        store_path, catalog, draft_id = self.store.path, self.catalog, self.draft_id

        lang = self.lang

        def work(progress) -> tuple[list[Issue], str]:
            checked = check(snapshot, catalog, pause=_yield)
            with Store(store_path) as own:          # this thread's own connection
                return checked.issues + register_check(own, snapshot, draft_id), _totals_text(snapshot, checked, lang)

        self.runner.start(work, on_done=lambda result: self._validated(*result),
                          on_error=lambda failure: self._validated([], ""))

    def _validated(self, issues: list[Issue], totals: str) -> None:
        self._validating = False
        if self.store.closed:          # the window is closing; nothing left to show
            return
        self.totals_label.setText(totals)
        self.totals_label.setVisible(bool(totals))
        if self._again:
            self._again = False
            self.revalidate()
            return
        self.issues = issues
        by_form: dict[str, dict[tuple[int, str], tuple[str, bool]]] = {code: {} for code in self.form_tabs}
        self.issue_list.clear()
        for issue in issues:
            if issue.form in by_form and issue.row is not None and issue.field:
                by_form[issue.form][(issue.row - 1, issue.field.split(".")[0])] = (
                    issue.message(self.lang), issue.severity is Severity.ERROR)
            where = issue.form + (f" #{issue.row}" if issue.row else "")
            item = QListWidgetItem(f"{where}: {issue.message(self.lang)}")
            item.setData(Qt.ItemDataRole.UserRole, issue)
            self.issue_list.addItem(item)
        for code, tab in self.form_tabs.items():
            tab.model.set_issues(by_form[code])
        errors = sum(1 for i in issues if i.severity is Severity.ERROR)
        record_check(self.store, self.draft_id, errors)          # the core moves Draft ⇄ Valid
        self._set_state_label()
        self.state_changed.emit(self.draft_id)
        self.issues_changed.emit(errors, len(issues) - errors)

    def _set_state_label(self) -> None:
        from bhxh_desk.app.actions.receipts import state_text

        self.state_label.setText(state_text(self.store.draft_info(self.draft_id).state, self.lang))

    def jump_to(self, item: QListWidgetItem) -> None:
        issue: Issue = item.data(Qt.ItemDataRole.UserRole)
        tab = self.form_tabs.get(issue.form)
        if tab is None or issue.row is None:
            return
        self.tabs.setCurrentWidget(tab)
        column = tab.model.column_of((issue.field or "").split(".")[0])
        index = tab.model.index(issue.row - 1, column)
        tab.view.setCurrentIndex(index)
        tab.view.scrollTo(index)
        tab.view.setFocus()

    def error_count(self) -> int:
        return sum(1 for i in self.issues if i.severity is Severity.ERROR)

    def cell_index(self, form: str, row: int, name: str) -> QModelIndex:
        tab = self.form_tabs[form]
        return tab.model.index(row, tab.model.column_of(name))
