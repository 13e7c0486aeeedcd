"""Pickers for code fields, generated from the catalog's code lists: one widget for every code field of every
form, in the grid and in the form panel. No field is known here by name.

The clerk types the code ("TM", "1") or a readable value ("Nữ", "Việt Nam", "Phường Sài Gòn", or the start
of one); the matching entries drop down under the field, labels first, and Up/Down, a click or Alt+Down
choose among them. What is committed is decided by ``forms.codelookup.resolve`` (the Qt-free part): a
name that several entries share is asked about in ``ChoiceDialog``, never guessed, and a value that is
no code is kept as typed so that the validator names it. A commune's list is its row's province's; a
hospital's is never narrowed, since its code keeps the old 63 provinces' prefixes.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.forms import codelookup
from bhxh_desk.forms.codelookup import Ambiguous, NotFound
from bhxh_desk.forms.model import CodeEntry, Field, FieldType

POPUP_ROWS = 10


def is_code(f: Field | None) -> bool:
    return f is not None and f.type is FieldType.CODE and bool(f.codes)


def parent_codes(f: Field, siblings: tuple[Field, ...] | list[Field]) -> str | None:
    """The code list of the field ``f`` is narrowed by (a commune's province list), if any."""
    if not f.parent:
        return None
    source = next((s for s in siblings if s.name == f.parent), None)
    return source.codes if source is not None and source.codes else None


def entry_text(entry: CodeEntry, lang: str, parent_list: str | None = None, with_parent: bool = False) -> str:
    """An entry as the picker lists it: its label, then its code, then (for a commune listed without its
    province) the province it lies in."""
    text = f"{entry.label(lang)}  ·  {entry.code}"
    if with_parent and entry.parent and parent_list:
        where = codelookup.label_of(parent_list, entry.parent, lang)
        if where:
            text += f"  —  {where}"
    return text


class CodePicker(QLineEdit):
    """A line edit over a code list, with the matches dropping down as the clerk types.

    ``chosen`` is emitted when an entry is picked with the mouse (the grid then commits it, as a combo box
    does). ``resolution()`` says what the field holds: an entry the clerk moved to in the list, else what
    ``codelookup.resolve`` makes of the text."""

    chosen = Signal()

    def __init__(self, f: Field, *, parent_code: str | None = None, parent_list: str | None = None,
                 lang: str = "vi", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field, self.parent_code, self.parent_list, self.lang = f, parent_code or None, parent_list, lang
        self.setObjectName(f"picker-{f.name}")
        self._picked: str | None = None          # an entry chosen in the list, until the text changes again
        self._popup: QListWidget | None = None
        self.textEdited.connect(self._edited)
        self.setPlaceholderText(tr("gõ mã hoặc tên…"))

    # ---------------------------------------------------------------- what the field holds

    def resolution(self) -> codelookup.Resolution:
        if self._picked is not None:
            return self._picked
        answer = codelookup.resolve(self.field, self.text(), parent=self.parent_code)
        if isinstance(answer, Ambiguous) and answer.partial and self.list_shown() and self.popup.currentItem():
            return self.popup.currentItem().data(Qt.ItemDataRole.UserRole)     # the start of a name: the first match
        return answer

    def set_code(self, code: str) -> None:
        self.setText(code)
        self._picked = None

    # ---------------------------------------------------------------- the drop-down list

    @property
    def popup(self) -> QListWidget:
        """The drop-down list, a child of the window (made when first shown, once the picker has one), so
        that it is never clipped by the grid's cell and never takes the focus."""
        if self._popup is None or self._popup.parent() is not self.window():
            if self._popup is not None:
                self._popup.deleteLater()
            popup = self._popup = QListWidget(self.window())
            popup.setObjectName(f"picker-list-{self.field.name}")
            popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            popup.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            popup.setStyleSheet("QListWidget { border: 1px solid #7a7a7a; background: white; }")
            popup.hide()
            popup.itemClicked.connect(self._clicked)
            self.destroyed.connect(popup.deleteLater)
        return self._popup

    def list_shown(self) -> bool:
        return self._popup is not None and self._popup.isVisible()

    def open_list(self) -> None:
        self._fill(self.text() if self._picked is None else "")

    def _edited(self, text: str) -> None:
        self._picked = None
        self._fill(text)

    def _fill(self, text: str) -> None:
        found = codelookup.matches(self.field, text, parent=self.parent_code, limit=200)
        self.popup.clear()
        with_parent = self.parent_code is None and self.parent_list is not None
        for entry in found:
            item = QListWidgetItem(entry_text(entry, self.lang, self.parent_list, with_parent))
            item.setData(Qt.ItemDataRole.UserRole, entry.code)
            self.popup.addItem(item)
        if not found:
            self.hide_list()
            return
        answer = codelookup.resolve(self.field, text, parent=self.parent_code)
        if isinstance(answer, Ambiguous) and answer.partial:
            self.popup.setCurrentRow(0)          # what Tab takes for the start of a name, highlighted
        self._place()
        self.popup.show()
        self.popup.raise_()

    def _place(self) -> None:
        window = self.window()
        rows = min(POPUP_ROWS, self.popup.count())
        height = rows * max(18, self.popup.sizeHintForRow(0)) + 4
        width = max(self.width(), min(460, self.popup.sizeHintForColumn(0) + 30))
        below = self.mapTo(window, QPoint(0, self.height()))
        y = below.y() if below.y() + height <= window.height() else self.mapTo(window, QPoint(0, 0)).y() - height
        x = min(below.x(), max(0, window.width() - width))
        self.popup.setGeometry(x, max(0, y), width, height)

    def _move(self, step: int) -> None:
        if not self.popup.isVisible():
            self.open_list()
            if not self.popup.isVisible():
                return
        row = self.popup.currentRow() + step if self.popup.currentRow() >= 0 else 0
        row = max(0, min(self.popup.count() - 1, row))
        self.popup.setCurrentRow(row)
        self._picked = self.popup.item(row).data(Qt.ItemDataRole.UserRole)

    def _clicked(self, item: QListWidgetItem) -> None:
        self._picked = item.data(Qt.ItemDataRole.UserRole)
        self.hide_list()
        self.setText(self._picked)
        self._picked = item.data(Qt.ItemDataRole.UserRole)
        self.chosen.emit()

    def hide_list(self) -> None:
        if self._popup is not None:
            self._popup.hide()

    def hideEvent(self, event) -> None:
        self.hide_list()
        super().hideEvent(event)

    def focusOutEvent(self, event) -> None:
        self.hide_list()
        super().focusOutEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Up, Down, Page Up/Down and Alt+Down (or F4) move in the list; Escape closes the list first. Tab and
        Enter are left to whoever commits (the grid's delegate, the form panel)."""
        key = event.key()
        if key == Qt.Key.Key_F4 or (event.modifiers() & Qt.KeyboardModifier.AltModifier and key == Qt.Key.Key_Down):
            self.open_list()
            return
        steps = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: POPUP_ROWS,
                 Qt.Key.Key_PageUp: -POPUP_ROWS}
        if key in steps:
            self._move(steps[key])
            return
        if key == Qt.Key.Key_Escape and self.list_shown():
            self.hide_list()
            self._picked = None
            return
        super().keyPressEvent(event)


class ChoiceDialog(QDialog):
    """Which of the entries sharing a name: the clerk chooses, Enter confirms, Escape keeps the text.

    It opens right after the Tab that committed the name, while the clerk may still be typing the next cell:
    keys that arrive in its first moment (``TYPE_AHEAD_S``) are dropped, so that they choose nothing."""

    TYPE_AHEAD_S = 0.3

    def __init__(self, f: Field, ambiguous: Ambiguous, *, parent_list: str | None, lang: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("choose-code")
        self.setWindowTitle(f.label(lang))
        self.list = QListWidget()
        self.list.setObjectName("choices")
        for entry in ambiguous.choices:
            item = QListWidgetItem(entry_text(entry, lang, parent_list, with_parent=True))
            item.setData(Qt.ItemDataRole.UserRole, entry.code)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda *_: self.accept())
        self.list.installEventFilter(self)
        self.shown_at = float("inf")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Chọn"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Giữ như đã gõ"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        question = QLabel(tr("«{0}» ứng với nhiều mục của «{1}». Hãy chọn một:").format(ambiguous.text,
                                                                                    f.label(lang)))
        question.setWordWrap(True)
        layout.addWidget(question)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(520, 320)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.shown_at = time.monotonic()

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and time.monotonic() - self.shown_at < self.TYPE_AHEAD_S:
            return True
        return super().eventFilter(watched, event)

    def code(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


def settle(f: Field, answer: codelookup.Resolution, *, parent_list: str | None, lang: str,
           parent: QWidget | None) -> str:
    """The text to store for an answer of ``resolve``: its code; for a shared name, the entry the clerk
    chooses (the text as typed when they decline); for anything else, the text as typed."""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, Ambiguous):
        dialog = ChoiceDialog(f, answer, parent_list=parent_list, lang=lang, parent=parent)
        code = dialog.code() if dialog.exec() else None
        return code if code else answer.text
    assert isinstance(answer, NotFound)
    return answer.text
