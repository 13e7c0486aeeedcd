"""The band above a locked dossier's grid: why it is read-only and what the clerk can do instead. What is
locked, and what a change costs, is ``app.workflow``'s (``lock``, ``LOCK_NOTICE``); this only shows it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from bhxh_desk.app import workflow
from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.app.workflow import LABELS_EN, LABELS_VI, Lock, State
from bhxh_desk.forms.messages import render

STYLE = {Lock.ASK: "background: #e3f2fd; color: #0d47a1", Lock.CLOSED: "background: #eceff1; color: #263238"}


class LockBanner(QFrame):
    edit_requested = Signal()
    copy_requested = Signal()
    result_requested = Signal()

    def __init__(self, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lock-banner")
        self.lang = lang
        self.text = QLabel()
        self.text.setObjectName("lock-text")
        self.text.setWordWrap(True)
        self.edit = QPushButton(tr("Sửa hồ sơ…"))
        self.edit.setObjectName("lock-edit")
        self.edit.clicked.connect(self.edit_requested)
        self.copy = QPushButton(tr("Sao chép thành hồ sơ mới"))
        self.copy.setObjectName("lock-copy")
        self.copy.clicked.connect(self.copy_requested)
        self.result = QPushButton(tr("Xem biên nhận, kết quả"))
        self.result.setObjectName("lock-result")
        self.result.clicked.connect(self.result_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.text, 1)
        for button in (self.edit, self.copy, self.result):
            row.addWidget(button)
        self.setVisible(False)

    def show_state(self, state: State) -> None:
        """Shown for a locked state, hidden for an open one."""
        lock = workflow.lock(state)
        self.setVisible(lock is not Lock.OPEN)
        if lock is Lock.OPEN:
            return
        self.setStyleSheet(f"QFrame#lock-banner {{ {STYLE[lock]} }}")
        self.text.setText(render(workflow.LOCK_NOTICE[state], self.lang, state_vi=LABELS_VI[state],
                                 state_en=LABELS_EN[state]))
        self.edit.setVisible(lock is Lock.ASK)
        self.copy.setVisible(state in (State.RESULT, State.REJECTED, State.RECEIVED, State.PROCESSING,
                                       State.SUBMITTED))
        self.result.setVisible(state not in (State.SIGNED, State.QUEUED))


class EditAttempts(QObject):
    """Typing, F2, Delete or a double click in a read-only dossier's grid is an attempt to change it: the
    editor's ``edit_blocked`` says so (the window then asks, or offers the copy) instead of nothing at all."""

    KEYS = (Qt.Key.Key_F2, Qt.Key.Key_Delete, Qt.Key.Key_Backspace)

    def __init__(self, editor) -> None:
        super().__init__(editor)
        self.editor = editor
        for view in editor.findChildren(QAbstractItemView):
            view.installEventFilter(self)
            view.viewport().installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if not self.editor.read_only:
            return False
        kind = event.type()
        attempt = kind == QEvent.Type.MouseButtonDblClick or (
            kind == QEvent.Type.KeyPress and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
            and (event.key() in self.KEYS or (event.text() and event.text().isprintable())))
        if attempt:
            self.editor.edit_blocked.emit()
            return True
        return False
