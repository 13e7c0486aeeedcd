"""A table model over one form's rows, generated from the catalog: no form is known by name here.

Columns are the form's plain fields in catalog order (the row number first); nested groups and tables are
edited in the form panel below the table. Cells hold text exactly as typed (leading zeros kept); the
validator's issues colour the cells and explain themselves in the tooltip. Edits go out through
``edit_requested`` so that the editor can save them and put them on the undo stack.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemDelegate, QStyledItemDelegate, QWidget

from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.app.ui.pickers import CodePicker, is_code, parent_codes, settle
from bhxh_desk.forms import codelookup, fieldtypes
from bhxh_desk.forms.display import vnd
from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.forms.model import Field, FieldType

ERROR_BG = QBrush(QColor("#fde2e1"))
WARNING_BG = QBrush(QColor("#fff4ce"))
DEFAULT_FG = QBrush(QColor("#6b6b6b"))      # a value the catalog fills in, shown until the clerk types one
Index = QModelIndex | QPersistentModelIndex


def display(f: Field, value: Any) -> str:
    """Amounts shown the Vietnamese way (5.310.000) once they parse; anything else exactly as typed (a
    code's label is added when the cell is painted, ``CellDelegate``)."""
    text = str(value)
    if f.type in (FieldType.MONEY, FieldType.SALARY):
        try:
            parsed = fieldtypes.parse(f, value)
        except BhxhError:
            return text
        amount = parsed if isinstance(parsed, int) else getattr(parsed, "amount", None)
        if amount is not None:
            return vnd(amount)
        coefficient = getattr(parsed, "coefficient", None)
        if coefficient is not None:
            return str(coefficient).replace(".", ",")
    return text


def two_lines(label: str, short: int = 14) -> str:
    """A header label in at most two lines, broken at the space nearest its middle, so that it shows whole."""
    if len(label) <= short or " " not in label:
        return label
    middle = len(label) / 2
    cut = min((i for i, ch in enumerate(label) if ch == " "), key=lambda i: abs(i - middle))
    return label[:cut] + "\n" + label[cut + 1:]


def field_rule(f: Field, siblings: list[Field] | tuple[Field, ...], lang: str = "vi") -> str:
    """What the validator asks of a field, in words, for its header's tooltip: required or when, the form
    of its value, its list and what narrows the list, its limits."""
    kinds = {
        FieldType.DATE: tr("Ngày, dạng dd/mm/yyyy"),
        FieldType.BIRTHDATE: tr("Ngày sinh dd/mm/yyyy, hoặc mm/yyyy hay yyyy khi chỉ biết đến đó"),
        FieldType.PERIOD: tr("Tháng, dạng MM/yyyy"),
        FieldType.BHXH_ID: tr("Mã số BHXH: 10 chữ số"),
        FieldType.PERSONAL_ID: tr("Số CCCD 12 chữ số hoặc CMND 9 chữ số"),
        FieldType.TAX_CODE: tr("Mã số thuế: 10 chữ số, hoặc 10 chữ số-3 chữ số với chi nhánh"),
        FieldType.PHONE: tr("Số điện thoại"),
        FieldType.EMAIL: tr("Địa chỉ thư điện tử"),
        FieldType.MONEY: tr("Số tiền (đồng), số nguyên"),
        FieldType.SALARY: tr("Số tiền (đồng), hoặc hệ số lương (từ 100 trở xuống)"),
        FieldType.RATE: tr("Tỷ lệ phần trăm, từ 0 đến 100"),
        FieldType.INT: tr("Số nguyên"),
    }
    parts = []
    if f.retired:
        parts.append(tr("Không còn dùng"))
    if f.required:
        parts.append(tr("Bắt buộc"))
    elif f.required_if is not None:
        other = next((s for s in siblings if s.name == f.required_if.field), None)
        parts.append(tr("Bắt buộc khi «{0}» là {1}").format(other.label(lang) if other else f.required_if.field,
                                                             ", ".join(f.required_if.values)))
    if f.type is FieldType.CODE and f.codes:
        codes = codelookup.codes_of(f)
        parts.append(tr("Một mã của danh mục «{0}» ({1} mục): gõ mã hoặc tên, Alt+↓ để xem danh sách").format(
            codes.title_en if lang == "en" and codes.title_en else codes.title_vi, len(codes.entries)))
        if not codes.complete:
            parts.append(tr("Danh mục chưa đầy đủ: mã đúng dạng vẫn được nhận, kèm cảnh báo"))
        parent = next((s for s in siblings if s.name == f.parent), None) if f.parent else None
        if parent is not None:
            parts.append(tr("Chỉ các mục thuộc «{0}» của dòng").format(parent.label(lang)))
    elif f.type in kinds:
        parts.append(kinds[f.type])
    if f.max_len:
        parts.append(tr("Tối đa {0} ký tự").format(f.max_len))
    if f.min_value is not None and f.max_value is not None:
        parts.append(tr("Từ {0} đến {1}").format(f"{f.min_value:g}", f"{f.max_value:g}"))
    return tr("Quy tắc: ") + "; ".join(parts) + "." if parts else ""


def column_fields(fields: tuple[Field, ...]) -> list[Field]:
    return [f for f in fields if not f.nested and f.type is not FieldType.SEQ]


class RowsModel(QAbstractTableModel):
    edit_requested = Signal(int, str, str)          # row, field name, new text

    def __init__(self, fields: tuple[Field, ...], rows: list[dict[str, Any]], lang: str = "vi") -> None:
        super().__init__()
        self.fields = column_fields(fields)
        self.rows = rows
        self.lang = lang
        self.issues: dict[tuple[int, str], tuple[str, bool]] = {}      # (row, field) → (message, is_error)

    # ---------------------------------------------------------------- shape

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.fields) + 1

    def field_at(self, column: int) -> Field | None:
        return self.fields[column - 1] if 1 <= column <= len(self.fields) else None

    def column_of(self, name: str) -> int:
        for i, f in enumerate(self.fields, start=1):
            if f.name == name:
                return i
        return 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            f = self.field_at(section)
            if role == Qt.ItemDataRole.DisplayRole:
                return "STT" if f is None else two_lines(f.label(self.lang) + (" *" if f.required else ""))
            if role == Qt.ItemDataRole.ToolTipRole and f is not None:
                help_text = f.help_en if self.lang == "en" and f.help_en else f.help_vi
                return "\n".join(p for p in (f.label(self.lang), help_text, field_rule(f, self.fields, self.lang),
                                             f"({f.name})") if p)
        elif role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    # ---------------------------------------------------------------- cells

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        f = self.field_at(index.column())
        if f is None or f.retired:            # the row number; a column kept in the layout, no longer filled
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, f = index.row(), self.field_at(index.column())
        if f is None:
            return row + 1 if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.EditRole:
            value = self.rows[row].get(f.name)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.rows[row].get(f.name)
            if value is None:
                default = self._default(row, f)
                return "" if default is None else display(f, default)
            return display(f, value)
        if role == Qt.ItemDataRole.ForegroundRole and self.rows[row].get(f.name) is None \
                and self._default(row, f) is not None:
            return DEFAULT_FG
        issue = self.issues.get((row, f.name))
        if issue and role == Qt.ItemDataRole.BackgroundRole:
            return ERROR_BG if issue[1] else WARNING_BG
        if issue and role == Qt.ItemDataRole.ToolTipRole:
            return issue[0]
        return None

    def _default(self, row: int, f: Field) -> str | None:
        """What the catalog fills into an empty cell (daCoSo follows the phương án): shown, in grey, so the
        clerk sees what will be filed."""
        if f.default is None and not f.default_when:
            return None
        from bhxh_desk.forms.catalog import row_default

        return row_default(f, self.rows[row], self.fields)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        f = self.field_at(index.column())
        if role != Qt.ItemDataRole.EditRole or f is None:
            return False
        text = "" if value is None else str(value)
        if str(self.rows[index.row()].get(f.name) or "") == text:
            return False
        self.edit_requested.emit(index.row(), f.name, text)
        return True

    # ---------------------------------------------------------------- called by the editor

    def put(self, row: int, name: str, text: str) -> None:
        """Show a value the editor has saved (or undone)."""
        if text:
            self.rows[row][name] = text
        else:
            self.rows[row].pop(name, None)
        column = self.column_of(name)
        index = self.index(row, column)
        self.dataChanged.emit(index, index)
        for other in self.fields:          # defaults that follow this row, and only those cells
            if other.default_when and other.name != name and self.rows[row].get(other.name) is None:
                cell = self.index(row, self.column_of(other.name))
                self.dataChanged.emit(cell, cell)

    def insert(self, row: int, values: dict[str, Any]) -> None:
        self.beginInsertRows(QModelIndex(), row, row)
        self.rows.insert(row, values)
        self.endInsertRows()

    def remove(self, row: int) -> dict[str, Any]:
        self.beginRemoveRows(QModelIndex(), row, row)
        values = self.rows.pop(row)
        self.endRemoveRows()
        return values

    def set_issues(self, issues: dict[tuple[int, str], tuple[str, bool]]) -> None:
        """New colours and tooltips for the cells whose issue changed, and only those (a repaint; the open
        editor is left alone by ``CellDelegate``)."""
        changed = {key for key in issues.keys() | self.issues.keys() if issues.get(key) != self.issues.get(key)}
        self.issues = issues
        roles = [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ToolTipRole]
        if len(changed) > 200:                      # a whole new picture: one signal, not thousands
            if self.rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.fields)), roles)
            return
        for row, name in changed:
            if row < len(self.rows):
                cell = self.index(row, self.column_of(name))
                self.dataChanged.emit(cell, cell, roles)


class CellDelegate(QStyledItemDelegate):
    """Fills a cell editor once, when it opens, and never again while it is open.

    Qt pushes the model's value into an open editor on every dataChanged that covers its cell, whatever the
    roles. Revalidation changes the edited cell's own colour and tooltip, and autosave or a register fill
    touches its row, so without this the text being typed (and the cursor) was reset under the clerk's
    fingers. Only what the clerk types goes into an open editor; the model's value goes in at opening."""

    FILLED = "bhxh_filled"

    def initStyleOption(self, option, index: Index) -> None:
        """A code is painted with its label ("0 · Nữ"); the model's value stays the code."""
        super().initStyleOption(option, index)
        model = index.model()
        f = model.field_at(index.column()) if isinstance(model, RowsModel) else None
        if is_code(f) and option.text:
            label = codelookup.label_of(f, option.text, model.lang)
            if label:
                option.text = f"{option.text} · {label}"

    def createEditor(self, parent: QWidget, option, index: Index) -> QWidget:
        """A code field's cell opens a picker over its code list (a commune's narrowed to the row's
        province); any other cell, Qt's line edit."""
        model = index.model()
        f = model.field_at(index.column()) if isinstance(model, RowsModel) else None
        if not is_code(f):
            return super().createEditor(parent, option, index)
        parent_list = parent_codes(f, model.fields)
        parent_code = str(model.rows[index.row()].get(f.parent) or "") if f.parent else ""
        if parent_list is None or parent_code not in codelookup.codes_of(parent_list).entries:
            parent_code = ""
        editor = CodePicker(f, parent_code=parent_code, parent_list=parent_list, lang=model.lang, parent=parent)
        editor.setFrame(False)
        editor.chosen.connect(lambda e=editor: self._chosen(e))
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if editor.property(self.FILLED):
            return
        if isinstance(editor, CodePicker):
            editor.set_code(str(index.data(Qt.ItemDataRole.EditRole) or ""))
        else:
            super().setEditorData(editor, index)
        editor.setProperty(self.FILLED, True)

    def setModelData(self, editor: QWidget, model, index: Index) -> None:
        """A picker's cell takes the code its text resolves to; a name several entries share is asked about
        once the editor has closed (the clerk's next cell is left as it is)."""
        if not isinstance(editor, CodePicker):
            super().setModelData(editor, model, index)
            return
        answer = editor.resolution()
        if isinstance(answer, codelookup.Ambiguous):
            cell = QPersistentModelIndex(index)
            f, parent_list, window = editor.field, editor.parent_list, editor.window()

            def ask() -> None:
                text = settle(f, answer, parent_list=parent_list, lang=model.lang, parent=window)
                if cell.isValid():
                    model.setData(model.index(cell.row(), cell.column()), text)

            QTimer.singleShot(0, ask)
            return
        model.setData(index, settle(editor.field, answer, parent_list=editor.parent_list, lang=model.lang,
                                    parent=editor))

    def _chosen(self, editor: CodePicker) -> None:
        """An entry clicked in the list is committed at once, as a combo box does."""
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter commits and moves down a row, as in Excel (Qt's delegate would stay on the cell)."""
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and isinstance(watched, QWidget) and not event.modifiers() & Qt.KeyboardModifier.AltModifier:
            view = self.parent()
            self.commitData.emit(watched)
            self.closeEditor.emit(watched, QAbstractItemDelegate.EndEditHint.NoHint)
            if hasattr(view, "move_down"):
                view.move_down()
            return True
        return super().eventFilter(watched, event)
