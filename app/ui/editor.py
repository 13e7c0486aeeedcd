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
    QApplication,
    QComboBox,
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
from bhxh_desk.app.ui.pickers import CodePicker, is_code, parent_codes, settle
from bhxh_desk.app.ui.rows_model import CellDelegate, RowsModel
from bhxh_desk.app.ui.tasks import TaskRunner
from bhxh_desk.app.workflow import LABELS_VI, State
from bhxh_desk.forms import codelookup
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


def _walk(values: Any, path: list[str]) -> Any:
    """The value at ``path`` in a row's nested dicts, or None."""
    node = values
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _same_person(a: dict[str, Any], b: dict[str, Any], pairs: list[tuple[str, ...]]) -> bool:
    """Whether a list row and a declaration are one person: on the first pair of fields both fill."""
    for pair in pairs:
        left, right = pair[0::2], pair[1::2]
        mine = [str(a.get(name) or "").strip() for name in left]
        theirs = [str(b.get(name) or "").strip() for name in right]
        if all(mine) and all(theirs):
            return [codelookup.fold(x) for x in mine] == [codelookup.fold(x) for x in theirs]
    return False


def _copy_person(source: Form, target: Form, person: dict[str, Any], pairs: list[tuple[str, ...]]) -> dict[str, Any]:
    """A declaration's fields from a list row: the fields the rule pairs, and those of the same name
    (case aside) and type on both forms."""
    names = {left: right for pair in pairs for left, right in zip(pair[0::2], pair[1::2], strict=True)}
    theirs = {f.name.casefold(): f for f in target.fields if not f.nested}
    for f in source.fields:
        other = theirs.get(f.name.casefold())
        if other is not None and other.type is f.type and other.codes == f.codes:
            names.setdefault(f.name, other.name)
    return {right: str(person[left]) for left, right in names.items() if person.get(left) not in (None, "")}


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
    """Rows from an Excel import: one step to undo, however many rows. They take the place of the empty rows
    at the end of the list (a new list's first row), which undo brings back."""

    def __init__(self, editor: DossierEditor, form: str, rows: list[dict[str, Any]]) -> None:
        super().__init__(tr("Nhập từ Excel"))
        self.editor, self.form, self.rows = editor, form, rows
        existing = editor.draft.rows(form)
        self.start = len(existing)
        while self.start and editor.is_blank(form, existing[self.start - 1]):
            self.start -= 1
        self.blank = copy.deepcopy(existing[self.start:])

    def _put_back(self, rows: list[dict[str, Any]]) -> None:
        model = self.editor.form_tabs[self.form].model
        model.beginInsertRows(QModelIndex(), len(model.rows), len(model.rows) + len(rows) - 1)
        model.rows.extend(copy.deepcopy(rows))
        model.endInsertRows()
        self.editor.store.append_rows(self.editor.draft_id, self.form, rows)

    def redo(self) -> None:
        model = self.editor.form_tabs[self.form].model
        if self.blank:
            model.beginRemoveRows(QModelIndex(), self.start, len(model.rows) - 1)
            del model.rows[self.start:]
            model.endRemoveRows()
            self.editor.store.truncate_rows(self.editor.draft_id, self.form, self.start)
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
        if self.blank:
            self._put_back(self.blank)
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
        self._model_paths: list[list[str]] = []
        self._shape: tuple = ()

    def _tables(self, fields: tuple[Field, ...], values: Any, path: list[str]) -> list[tuple[tuple[str, ...], int]]:
        """Every table of the row with its length: when these stay the same, an edit refreshes the panel
        in place instead of building it again (which took the focus from the field being typed in)."""
        found = []
        for f in fields:
            if f.type is FieldType.TABLE:
                found.append(((*path, f.name), len((values or {}).get(f.name) or [])))
            elif f.type is FieldType.GROUP:
                found += self._tables(f.fields, (values or {}).get(f.name) or {}, [*path, f.name])
        return found

    def refresh(self) -> None:
        """Show the row's values as they are now, keeping the widgets, the focus and the field being typed
        in; built anew only when a table gained or lost a row."""
        rows = self.editor.draft.rows(self.form.code)
        if self.row is None or self.row >= len(rows):
            self.show_row(None)
            return
        values = rows[self.row]
        if tuple(self._tables(self.form.fields, values, [])) != self._shape:
            self.show_row(self.row)
            return
        for edit in self.widget().findChildren(QLineEdit):
            path = edit.objectName().split(".") if edit.property("panel_field") else None
            if not path or edit.hasFocus():
                continue
            text = str(_walk(values, path) or "")
            if isinstance(edit, CodePicker):
                if edit.field.parent:
                    parent = str(_walk(values, [*path[:-1], edit.field.parent]) or "")
                    known = edit.parent_list and parent in codelookup.codes_of(edit.parent_list).entries
                    edit.parent_code = parent if known else None
                if edit.text() != text:
                    edit.set_code(text)
            elif edit.text() != text:
                edit.setText(text)
        for path, model in zip(self._model_paths, self.nested_models, strict=True):
            model.rows = _walk(values, path) or []
            if model.rows:
                model.dataChanged.emit(model.index(0, 0), model.index(len(model.rows) - 1, model.columnCount() - 1))

    def show_row(self, row: int | None) -> None:
        self.row = row
        body = QWidget()
        layout = QVBoxLayout(body)
        self.nested_models = []
        self._model_paths = []
        rows = self.editor.draft.rows(self.form.code)
        self._shape = tuple(self._tables(self.form.fields, rows[row], [])) if row is not None and row < len(rows) \
            else ()
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
                self._model_paths.append([*path, f.name])
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
            elif is_code(f):               # a picker over the field's code list, as in the grid
                parent_list = parent_codes(f, group.fields)
                parent_code = str(values.get(f.parent) or "") if f.parent else ""
                if parent_list is None or parent_code not in codelookup.codes_of(parent_list).entries:
                    parent_code = ""
                edit = CodePicker(f, parent_code=parent_code, parent_list=parent_list, lang=self.editor.lang)
                edit.set_code(str(values.get(f.name) or ""))
                self._plain(form, f, edit, path)
                edit.editingFinished.connect(lambda e=edit, p=[*path, f.name]: self._commit_picker(e, p))
                edit.chosen.connect(lambda e=edit, p=[*path, f.name]: self._commit_picker(e, p))
            else:
                edit = QLineEdit(str(values.get(f.name) or ""))
                self._plain(form, f, edit, path)
                edit.editingFinished.connect(
                    lambda e=edit, p=[*path, f.name]: self.editor.edit_nested(self.form.code, self.row, p[:-1], None,
                                                                              p[-1], e.text()))
        return box


    def _plain(self, form: QFormLayout, f: Field, edit: QLineEdit, path: list[str]) -> None:
        edit.setObjectName(".".join([*path, f.name]))
        edit.setProperty("panel_field", True)
        edit.setToolTip(f.help_en if self.editor.lang == "en" and f.help_en else f.help_vi)
        edit.setEnabled(not f.retired)
        form.addRow(f.label(self.editor.lang), edit)

    def _commit_picker(self, edit: CodePicker, path: list[str]) -> None:
        """The code a picker's text stands for (asked when several entries share it) goes into the row."""
        if edit.property("committing"):
            return
        edit.setProperty("committing", True)
        try:
            text = settle(edit.field, edit.resolution(), parent_list=edit.parent_list, lang=self.editor.lang,
                          parent=self)
        finally:
            edit.setProperty("committing", False)
        if text != edit.text():
            edit.set_code(text)
        self.editor.edit_nested(self.form.code, self.row, path[:-1], None, path[-1], text)


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
        self.find = QLineEdit()                   # Ctrl+F: a row by name, mã số BHXH or CCCD
        self.find.setObjectName(f"find-{form.code}")
        self.find.setPlaceholderText(tr("Tìm dòng theo họ tên, mã số BHXH hoặc CCCD (Enter: tiếp, Esc: đóng)"))
        self.find.setClearButtonEnabled(True)
        self.find.setVisible(False)
        self.find.textEdited.connect(lambda _text: self.find_row(0))
        self.find.returnPressed.connect(lambda: self.find_row(1))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.find, activated=self.close_find,
                  context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.open_find,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        layout.addWidget(self.find)
        self.view.row_wanted.connect(lambda: self.editor.add_row(form.code, len(self.model.rows)))
        self.view.clear_wanted.connect(self.clear_cells)
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
        """A new row after the current one, with the cursor in its first cell (and its form below)."""
        row = self._current_row() + 1
        self.editor.add_row(self.form.code, row)
        if row < len(self.model.rows):
            self.view.setCurrentIndex(self.model.index(row, 1))
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_cells(self, cells: list[tuple[int, int]]) -> None:
        """Delete: the selected cells emptied, as one step to undo."""
        self.editor.undo.beginMacro(tr("Xóa ô"))
        for row, column in cells:
            f = self.model.field_at(column)
            if f is not None and row < len(self.model.rows):
                self.editor.edit_cell(self.form.code, row, f.name, "")
        self.editor.undo.endMacro()

    def code_of(self, f: Field, row: int, text: str) -> str:
        """What a pasted cell stores: for a code field the code its text resolves to (within the row's
        province for a commune); anything else as it was."""
        if not is_code(f) or not text:
            return text
        parent_list = parent_codes(f, self.model.fields)
        parent = str(self.model.rows[row].get(f.parent) or "") if f.parent else ""
        if parent_list is None or parent not in codelookup.codes_of(parent_list).entries:
            parent = ""
        return settle(f, codelookup.resolve(f, text, parent=parent or None), parent_list=parent_list,
                      lang=self.editor.lang, parent=self)

    # ---------------------------------------------------------------- Ctrl+F

    def search_fields(self) -> list[Field]:
        """The name (the list's first text field) and the people's numbers."""
        name = next((f for f in self.model.fields if f.type is FieldType.TEXT), None)
        ids = [f for f in self.model.fields if f.type in (FieldType.BHXH_ID, FieldType.PERSONAL_ID)]
        return ([name] if name else []) + ids

    def open_find(self) -> None:
        self.find.setVisible(True)
        self.find.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find.selectAll()

    def close_find(self) -> None:
        self.find.setVisible(False)
        self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def find_row(self, step: int) -> int | None:
        """The next row (from the current one, or after it) whose name holds the text (accents and case
        ignored) or whose number holds the digits; the cursor goes there."""
        wanted = codelookup.fold(self.find.text())
        if not wanted or not self.model.rows:
            return None
        digits = "".join(ch for ch in wanted if ch.isdigit())
        fields = self.search_fields()
        start = max(0, self.view.currentIndex().row())
        count = len(self.model.rows)
        for offset in range(count):
            row = (start + step + offset) % count
            values = self.model.rows[row]
            for f in fields:
                value = str(values.get(f.name) or "")
                if (f.type is FieldType.TEXT and wanted in codelookup.fold(value)) or \
                        (f.type is not FieldType.TEXT and digits and digits == wanted.replace(" ", "")
                         and digits in value):
                    index = self.model.index(row, self.model.column_of(f.name))
                    self.view.setCurrentIndex(index)
                    self.view.scrollTo(index)
                    return row
        return None

    def delete_row(self) -> None:
        self.editor.delete_row(self.form.code, self._current_row())

    def _current_row(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else len(self.model.rows) - 1

    def paste(self) -> None:
        """A tab-separated block from Excel, typed in from the current cell; leading zeros kept as text, and
        readable values of code fields ("Nữ", "Việt Nam") taken as their codes, a shared name asked about."""
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
                    self.editor.edit_cell(self.form.code, row, f.name, self.code_of(f, row, cell.strip()))
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
        header.addSpacing(12)            # the cut title never runs into "Kỳ kê khai" (seen under Xvfb)
        header.addWidget(QLabel(tr("Kỳ kê khai")))
        header.addWidget(self.period)
        self.zone = self._zone_picker()
        if self.zone is not None:
            header.addWidget(self.zone)
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
        self._focused = False
        self._first_row()
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
        if tab.panel is not None and tab.panel.row == row:
            tab.panel.refresh()
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
        self.undo.push(InsertRow(self, form, max(0, row), self.new_row(form)))

    # ---------------------------------------------------------------- what a new row starts with

    def new_row(self, form: str) -> dict[str, Any]:
        """A new row starts from what the dossier already knows: the person of the list that this form
        declares (TK1-TS from D02-TS: name, date of birth, gender...), and the unit's default zone."""
        values = self._person_for(form)
        zone = self.zone_field(form)
        default = self.default_zone()
        if zone and default and not values.get(zone):
            values[zone] = default
        return values

    def is_blank(self, form: str, values: dict[str, Any]) -> bool:
        """A row nobody has typed in: empty, or holding only what a new row starts with (the zone)."""
        zone = self.zone_field(form)
        return not any(v not in (None, "", [], {}) for k, v in values.items()
                       if not (k == zone and v == self.default_zone()))

    def zone_field(self, form: str) -> str | None:
        """The field that holds a row's minimum-wage zone (the form's [contributions] names it)."""
        name = self.catalog.form(form).contributions.get("zone")
        return str(name) if name else None

    def _zone_setting(self) -> str:
        return f"unit.{self.draft.unit.code}.default_zone"

    def default_zone(self) -> str:
        return self.store.ui_get(self._zone_setting(), "")

    def _zone_picker(self) -> QComboBox | None:
        """The unit's zone, chosen once and filled into each new row (kept per unit in the store)."""
        forms = self.catalog.forms_of(self.procedure) if self.procedure else []
        zone = next((f for form in forms for f in form.fields if f.name == self.zone_field(form.code) and f.codes),
                    None)
        if zone is None:
            return None
        combo = QComboBox()
        combo.setObjectName("default-zone")
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)             # the header stays narrow enough for a laptop's split
        combo.setToolTip(tr("Vùng lương tối thiểu điền sẵn vào mỗi dòng mới của đơn vị này"))
        combo.addItem(tr("Vùng: chưa chọn"), "")
        for entry in codelookup.entries(codelookup.codes_of(zone)):
            combo.addItem(f"{entry.label(self.lang)} · {entry.code}", entry.code)
        combo.setCurrentIndex(max(0, combo.findData(self.default_zone())))
        combo.activated.connect(lambda _i: self.set_default_zone(combo.currentData() or ""))
        return combo

    def set_default_zone(self, code: str) -> None:
        """The unit's zone from now on; rows that are still empty (a new list's first row) take it too."""
        self.store.ui_set(self._zone_setting(), code)
        if self.zone is not None and self.zone.currentData() != code:
            self.zone.setCurrentIndex(max(0, self.zone.findData(code)))
        if not code or self.read_only:
            return
        for form in self.form_tabs:
            zone = self.zone_field(form)
            for row, values in enumerate(self.draft.rows(form)):
                if zone and self.is_blank(form, {k: v for k, v in values.items() if k != zone}) \
                        and values.get(zone) != code:
                    self.edit_cell(form, row, zone, code)

    def _person_for(self, form: str) -> dict[str, Any]:
        """The next person of a list whom this form must declare and who is not declared yet, as a new row
        of this form: the procedure's rule names the list, the codes that need a declaration and the fields
        that match a person on both sides; fields of the same name and type are copied."""
        for rule in self.procedure.rules if self.procedure else ():
            p = rule.params
            source_code = p.get("form")
            if p.get("declaration") != form or source_code not in self.form_tabs:
                continue
            source, target = self.catalog.form(str(source_code)), self.catalog.form(form)
            pairs = [tuple(m) for m in p.get("match", [])]
            declared = self.draft.rows(form)
            for person in self.draft.rows(str(source_code)):
                code_field, id_field = p.get("code_field"), p.get("id_field")
                if code_field and str(person.get(code_field) or "") not in p.get("codes", []):
                    continue
                if (id_field and person.get(id_field)) or not any(person.values()):
                    continue
                if any(_same_person(person, other, pairs) for other in declared):
                    continue
                return _copy_person(source, target, person, pairs)
        return {}

    def _first_row(self) -> None:
        """A new dossier opens on its first list with one empty row (the cursor goes there when shown)."""
        if not self.form_tabs or any(self.draft.rows(code) for code in self.form_tabs):
            return
        first = next(iter(self.form_tabs))
        if self.catalog.form(first).kind == "list" and self.store.draft_info(self.draft_id).state is State.DRAFT:
            self.apply_insert(first, 0, self.new_row(first))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._focused:
            self._focused = True
            QTimer.singleShot(0, self._focus_first)

    def _focus_first(self) -> None:
        """Focus the grid once the editor shows, unless the clerk is already working in it."""
        focus = QApplication.focusWidget()
        tab = self._current_tab()
        if tab is not None and self.isVisible() and (focus is None or not self.isAncestorOf(focus)):
            tab.view.first_cell()

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
            tab.panel.refresh()
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
