"""The main window: units and clients on the left, their dossiers, the open editors, and the actions
(new, sign, submit, sync, export, result) in the toolbar. Test mode shows a banner that cannot be missed."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from bhxh_desk.app import workflow
from bhxh_desk.app.actions.receipts import state_text
from bhxh_desk.app.settings import Settings
from bhxh_desk.app.store import DraftInfo, Store
from bhxh_desk.app.testmode import TestMode
from bhxh_desk.app.ui import lease_keeper
from bhxh_desk.app.ui.dialogs import NewDossierDialog, SettingsDialog, UnitDialog
from bhxh_desk.app.ui.editor import DossierEditor
from bhxh_desk.app.ui.i18n import tr
from bhxh_desk.app.ui.lock_banner import EditAttempts, LockBanner
from bhxh_desk.app.ui.signing_dialog import SigningDialog
from bhxh_desk.app.ui.tasks import TaskFailure, TaskRunner
from bhxh_desk.app.workflow import Action, Lock, State
from bhxh_desk.forms.catalog import Catalog
from bhxh_desk.forms.draft import Draft
from bhxh_desk.forms.errors import BhxhError


class DossiersModel(QAbstractTableModel):
    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.HEADERS = (tr("Đơn vị"), tr("Thủ tục"), tr("Kỳ"), tr("Trạng thái"), tr("Số hồ sơ"), tr("Số dòng"),
                        tr("Cập nhật"))
        self.items: list[tuple[DraftInfo, str, tuple]] = []         # the dossier, its số hồ sơ, its reasons

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        from bhxh_desk.app.actions.receipts import state_text

        if not index.isValid():
            return None
        info, so_ho_so, reasons = self.items[index.row()]
        if index.column() == 3 and role == Qt.ItemDataRole.ForegroundRole:
            from PySide6.QtGui import QColor

            colour = {State.RESULT: "#1b5e20", State.REJECTED: "#b3261e"}.get(info.state)
            return QColor(colour) if colour else None
        if index.column() == 3 and role == Qt.ItemDataRole.ToolTipRole:
            return state_text(info.state, self.lang, reasons)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        state = state_text(info.state, self.lang, reasons)     # the words the status bar and receipt use
        from bhxh_desk.app.actions.receipts import local_time

        updated = local_time(info.updated_at)          # the store keeps UTC; the clerk reads Vietnam's time
        return (info.unit_code, info.procedure, info.period, state, so_ho_so, info.rows, updated)[index.column()]

    def reset(self, items: list[tuple[DraftInfo, str, tuple]]) -> None:
        self.beginResetModel()
        self.items = items
        self.endResetModel()


class MainWindow(QMainWindow):
    language_changed = Signal()

    def __init__(self, settings: Settings, store: Store, catalog: Catalog, *, lang: str, test_mode: bool,
                 runner: TaskRunner | None = None) -> None:
        super().__init__()
        self.settings, self.store, self.catalog, self.lang, self.test_mode = settings, store, catalog, lang, test_mode
        self.runner = runner or TaskRunner(self)
        self.test: TestMode | None = None         # set once test mode's sandbox is up
        self.setWindowTitle("bhxh-desk" + (tr(" — CHẾ ĐỘ THỬ NGHIỆM") if test_mode else ""))
        self._fit_screen()

        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #ffd54f; color: #3e2723; padding: 6px; font-weight: bold")
        self.banner.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.banner.setVisible(test_mode)
        self.banner.setText(tr("CHẾ ĐỘ THỬ NGHIỆM — đang khởi động cổng tiếp nhận thử nghiệm…"))

        self.state_filter = QComboBox()
        self.state_filter.addItem(tr("Mọi trạng thái"), None)
        for s in State:
            self.state_filter.addItem(state_text(s, lang), s)
        self.state_filter.currentIndexChanged.connect(lambda *_: self.refresh_dossiers())
        self.unit_search = QLineEdit()
        self.unit_search.setPlaceholderText(tr("Tìm đơn vị (mã, tên, MST)"))
        self.unit_search.textChanged.connect(self.refresh_units)
        self.units = QListWidget()
        self.units.setObjectName("units")
        self.units.currentItemChanged.connect(lambda *_: self.refresh_dossiers())
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addWidget(QLabel(tr("<b>Đơn vị / khách hàng</b>")))
        lv.addWidget(self.unit_search)
        lv.addWidget(self.units)
        lv.addWidget(self.state_filter)          # here, so that the dossiers' side has no extra line

        self.dossiers_model = DossiersModel(lang)
        self.dossiers = QTableView()
        self.dossiers.setObjectName("dossiers")
        self.dossiers.setModel(self.dossiers_model)
        self.dossiers.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.dossiers.doubleClicked.connect(lambda index: self.open_draft(self.dossiers_model.items[index.row()][0].id))
        self.dossiers.activated.connect(lambda index: self.open_draft(self.dossiers_model.items[index.row()][0].id))
        self.dossiers.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.dossiers.customContextMenuRequested.connect(self.dossier_menu)
        from PySide6.QtGui import QShortcut

        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.dossiers, activated=self.delete_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)        # Delete in the list, never in the grid
        self.editors = QTabWidget()
        self.editors.setObjectName("editors")
        self.editors.setTabsClosable(True)
        self.editors.setDocumentMode(True)
        self.editors.tabCloseRequested.connect(self.close_editor)
        middle = QWidget()
        mv = QVBoxLayout(middle)
        split_v = QSplitter(Qt.Orientation.Vertical)
        split_v.setObjectName("split-dossiers")
        split_v.addWidget(self.dossiers)
        split_v.addWidget(self.editors)
        split_v.setStretchFactor(0, 0)
        split_v.setStretchFactor(1, 1)
        split_v.setSizes([84, 600])           # the open dossier's grid gets the space
        mv.addWidget(split_v)
        split = QSplitter()
        split.setObjectName("split-main")
        split.addWidget(left)
        split.addWidget(middle)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([220, 1100])
        self.splitters = (split, split_v)
        for box in (lv, mv):
            box.setContentsMargins(4, 4, 4, 0)
        central = QWidget()
        cv = QVBoxLayout(central)
        cv.setContentsMargins(0, 0, 0, 0)
        cv.addWidget(self.banner)
        cv.addWidget(split, 1)          # the work area takes the height; the banner only its text
        self.setCentralWidget(central)
        self._actions()
        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)
        for splitter in self.splitters:
            self._restore_splitter(splitter)
        self.refresh_units()
        self.refresh_dossiers()
        self.poll = QTimer(self, interval=30_000)
        self.poll.timeout.connect(self.sync)
        self.poll.start()

    # ---------------------------------------------------------------- actions

    def _action(self, text: str, slot, name: str, shortcut=None) -> QAction:
        """One action for the toolbar and the menu bar. A click emits ``triggered(checked)``; the slot is
        called with no argument, so that ``checked`` never lands in a parameter such as a file path."""
        action = QAction(text, self)
        action.setObjectName(name)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        self.actions_by_name[name] = action
        return action

    def _actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        a = self._action
        new_unit = a(tr("Đơn vị mới"), self.new_unit, "new-unit", "Ctrl+Shift+N")
        new_dossier = a(tr("Hồ sơ mới"), self.new_dossier, "new-dossier", QKeySequence.StandardKey.New)
        self.undo_action = a(tr("Hoàn tác"), lambda: self._editor_call("undo"), "undo", QKeySequence.StandardKey.Undo)
        self.redo_action = a(tr("Làm lại"), lambda: self._editor_call("redo"), "redo", QKeySequence.StandardKey.Redo)
        sign = a(tr("Ký số…"), self.sign_selected, "sign", "Ctrl+K")
        otp = a(tr("Mã xác thực…"), self.otp_selected, "otp", "Ctrl+Shift+K")
        submit = a(tr("Nộp hồ sơ"), self.submit_selected, "submit", "Ctrl+Shift+G")
        sync = a(tr("Đồng bộ"), self.sync, "sync", "F5")
        result = a(tr("Xem biên nhận, kết quả"), self.show_result, "result", "Ctrl+R")
        import_excel = a(tr("Nhập Excel…"), self.import_excel, "import-excel", "Ctrl+I")
        export_excel = a(tr("Xuất Excel…"), self.export_excel, "export-excel", "Ctrl+E")
        print_now = a(tr("Xem trước và in…"), self.print_now, "print-now", QKeySequence.StandardKey.Print)
        copy_ = a(tr("Sao chép thành hồ sơ mới"), self.copy_selected, "copy-dossier", "Ctrl+D")
        delete = a(tr("Xóa hồ sơ…"), self.delete_selected, "delete-dossier", "Ctrl+Shift+Del")
        export_draft = a(tr("Xuất tệp hồ sơ (.json)…"), self.export_selected, "export-draft", "Ctrl+Shift+S")
        open_ = a(tr("Mở hồ sơ"), self.open_selected, "open-dossier", "Ctrl+O")
        employees = a(tr("Sổ lao động của đơn vị"), self.show_register, "register", "Ctrl+Shift+L")
        attachments = a(tr("Tệp đính kèm…"), self.show_attachments, "attachments", "Ctrl+Shift+A")
        self.dossier_actions = (open_, copy_, delete, export_draft, print_now, result)
        switch = a(tr("Chuyển giữa danh sách hồ sơ và bảng"), self.switch_focus, "switch-focus", "F6")
        pdf = a(tr("Lưu PDF…"), self.print_pdf, "print", "Ctrl+Shift+P")
        settings = a(tr("Cài đặt"), self.open_settings, "settings", "Ctrl+,")
        language = a("English" if self.lang != "en" else "Tiếng Việt", self.toggle_language, "language", "Ctrl+L")
        about = a(tr("Giới thiệu bhxh-desk"), self.about, "about", "F1")
        quit_ = a(tr("Thoát"), self.close, "quit", "Ctrl+Q")

        bar = QToolBar(tr("Thao tác"))
        bar.setObjectName("toolbar")
        self.addToolBar(bar)
        for group in ((new_unit, new_dossier, self.undo_action, self.redo_action), (sign, otp, submit, sync, result),
                      (import_excel, export_excel, print_now, pdf), (settings, language)):
            bar.addActions(group)
            bar.addSeparator()

        menus = self.menuBar()
        menus.setObjectName("menubar")
        for title, name, group in (
                (tr("&Tệp"), "menu-file", (new_unit, new_dossier, None, import_excel, export_excel, None, print_now,
                                           pdf, None, settings, None, quit_)),
                (tr("&Hồ sơ"), "menu-dossier", (new_dossier, open_, copy_, delete, export_draft, None, attachments,
                                                employees, None, self.undo_action, self.redo_action, None, switch)),
                (tr("&Ký và nộp"), "menu-filing", (sign, otp, None, submit, sync, result)),
                (tr("T&rợ giúp"), "menu-help", (language, None, about))):
            menu = menus.addMenu(title)
            menu.setObjectName(name)
            for action in group:
                if action is None:
                    menu.addSeparator()
                else:
                    menu.addAction(action)

    def about(self) -> None:
        from bhxh_desk import __version__

        QMessageBox.about(self, tr("Giới thiệu bhxh-desk"), tr(
            "bhxh-desk {0}\nLập, kiểm tra, ký số và nộp hồ sơ giao dịch điện tử Bảo hiểm xã hội.").format(__version__))

    def _editor_call(self, what: str) -> None:
        editor = self.current_editor()
        if editor is not None:
            getattr(editor.undo, what)()

    def message(self, error: BhxhError | TaskFailure) -> None:
        err = error.error if isinstance(error, TaskFailure) else error
        self.statusBar().showMessage(err.message(self.lang), 15000)
        QMessageBox.warning(self, "bhxh-desk", err.message(self.lang))

    # ---------------------------------------------------------------- test mode

    def set_test_mode(self, test: TestMode) -> None:
        self.test = test
        self.banner.setText(tr("CHẾ ĐỘ THỬ NGHIỆM — hồ sơ được nộp vào cổng thử nghiệm {0}, không gửi tới BHXH. "
                               "USB token thử nghiệm: PIN {1}. Tài khoản {2}, mật khẩu {3}.")
                            .format(test.url, test.pin, test.demo.unit, test.demo.password))
        self.refresh_units()

    def access(self):
        """Where this window files, and how it signs in: test mode's sandbox, or the gateway in the settings."""
        from bhxh_desk.app.actions.gateway import GatewayAccess

        if self.test is not None:
            return self.test.access()
        return GatewayAccess(self.settings.get("gateway_url"), self.settings.get("gateway_ca") or None)

    def ask_password(self, account: str) -> str | None:
        """The password box, when neither the keyring nor the profile has the account's password."""
        label = tr("Mật khẩu cổng tiếp nhận của {0}").format(account)
        password, ok = QInputDialog.getText(self, "bhxh-desk", label, QLineEdit.EchoMode.Password)
        return password if ok and password else None

    # ---------------------------------------------------------------- units and dossiers

    def refresh_units(self) -> None:
        current = self.current_unit()
        self.units.blockSignals(True)
        self.units.clear()
        everything = QListWidgetItem(tr("Tất cả đơn vị"))
        everything.setData(Qt.ItemDataRole.UserRole, None)
        self.units.addItem(everything)
        for u in self.store.units(self.unit_search.text().strip()):
            item = QListWidgetItem(f"{u.name}\n{u.code} · MST {u.tax_code}")
            item.setData(Qt.ItemDataRole.UserRole, u.code)
            self.units.addItem(item)
            if u.code == current:
                self.units.setCurrentItem(item)
        if self.units.currentItem() is None:
            self.units.setCurrentRow(0)
        self.units.blockSignals(False)
        self.refresh_dossiers()

    def current_unit(self) -> str | None:
        item = self.units.currentItem() if hasattr(self, "units") else None
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def refresh_dossiers(self) -> None:
        """The list, the status bar's tally and the open editors' state and lock, from the store, in the
        same words (app.actions.receipts)."""
        from bhxh_desk.app.actions.receipts import tally
        from bhxh_desk.app.store.outbox import Outbox

        if self.store.closed:
            return
        filings = {s.draft_id: s for s in Outbox(self.store).all() if s.draft_id is not None}   # newest wins
        selected = set(self.selected_rows_ids()) if hasattr(self, "dossiers") else set()
        infos = self.store.drafts(unit_code=self.current_unit(), state=self.state_filter.currentData())
        items = []
        for i in infos:
            sub = filings.get(i.id) if i.state not in (State.DRAFT, State.VALID, State.SIGNED) else None
            items.append((i, (sub.so_ho_so or "") if sub else "", sub.reasons if sub else ()))
        self.dossiers_model.reset(items)
        for column in (3, 4, 6):          # the state's words, the whole số hồ sơ, the time on one line
            self.dossiers.resizeColumnToContents(column)
        for row, (info, _n, _r) in enumerate(items):
            if info.id in selected:
                self.dossiers.selectionModel().select(
                    self.dossiers_model.index(row, 0), self.dossiers.selectionModel().SelectionFlag.Select
                    | self.dossiers.selectionModel().SelectionFlag.Rows)
        self.status_label.setText(tally([i.state for i in self.store.drafts()], self.lang)
                                  or tr("Chưa có hồ sơ nào được nộp"))
        self._sync_editors()

    def selected_rows_ids(self) -> list[int]:
        rows = {i.row() for i in self.dossiers.selectionModel().selectedRows()}
        return [self.dossiers_model.items[r][0].id for r in sorted(rows) if r < len(self.dossiers_model.items)]

    def _sync_editors(self) -> None:
        """Each open dossier shows its state as it is now (signed, filed, refused...) and locks to match."""
        for i in range(self.editors.count() if hasattr(self, "editors") else 0):
            editor = self.editors.widget(i)
            try:
                state = self.store.draft_info(editor.draft_id).state
            except BhxhError:
                continue
            editor.state_label.setText(state_text(state, self.lang))
            self._apply_lock(editor, state)

    def selected_drafts(self) -> list[int]:
        ids = self.selected_rows_ids()
        if not ids and self.current_editor() is not None:
            ids = [self.current_editor().draft_id]
        return ids

    def new_unit(self) -> None:
        dialog = UnitDialog(self.catalog, self.lang, parent=self)
        if dialog.exec():
            self.store.upsert_unit(dialog.unit())
            self.refresh_units()

    def new_dossier(self) -> NewDossierDialog | None:
        """Ctrl+N: the dialog opens with the selected unit, or the only unit, chosen; Enter makes it."""
        units = self.store.units()
        if not units:
            QMessageBox.information(self, "bhxh-desk", tr("Hãy tạo một đơn vị trước (Tệp → Đơn vị mới)."))
            return None
        from datetime import date

        today = date.today()
        dialog = NewDossierDialog(self.catalog, self.lang, f"{today.month:02d}/{today.year}", self, units=units,
                                  unit_code=self.current_unit())
        self.last_new_dialog = dialog
        if not dialog.exec():
            return None
        from bhxh_desk.forms.draft import Unit

        unit = next((u for u in units if u.code == dialog.unit_code()), None)
        code = dialog.procedure_code()
        if unit is None or code is None:          # the dialog's own accept() asks for both
            return None
        draft = Draft(procedure=code, period=dialog.period.text().strip(),
                      unit=Unit(code=unit.code, name=unit.name, tax_code=unit.tax_code, agency_code=unit.agency_code,
                                signer=unit.signer, phone=unit.phone),
                      forms={use.form: [] for use in self.catalog.procedure(code).forms})
        draft_id = self.store.create_draft(draft)
        self.open_draft(draft_id)
        self.refresh_dossiers()
        for other in self.store.same_filing(draft.unit.code, draft.procedure, draft.period, other_than=draft_id)[:1]:
            # Most often the same filing made twice, by two clerks: said with the first one's owner and state.
            self.statusBar().showMessage(BhxhError(
                "store.same_filing", unit=draft.unit.code, procedure=draft.procedure, period=draft.period,
                draft=other.draft_id, owner=other.owner_name or other.owner,
                state=state_text(other.state, self.lang)).message(self.lang), 30000)
        return dialog

    # ---------------------------------------------------------------- editors

    def open_draft(self, draft_id: int) -> DossierEditor:
        for i in range(self.editors.count()):
            editor = self.editors.widget(i)
            if editor.draft_id == draft_id:
                self.editors.setCurrentIndex(i)
                return editor
        editor = DossierEditor(lease_keeper.editor_store(self), draft_id, self.catalog, self.runner, self.lang)
        editor.state_changed.connect(lambda *_: self.refresh_dossiers())
        info = self.store.draft_info(draft_id)
        banner = LockBanner(self.lang, editor)
        editor.layout().insertWidget(0, banner)
        editor.lock_banner, editor.unlocked_in = banner, None
        banner.edit_requested.connect(lambda e=editor: self.ask_to_edit(e))
        banner.copy_requested.connect(lambda e=editor: self.copy_dossier(e.draft_id))
        banner.result_requested.connect(lambda e=editor: self.show_result([e.draft_id]))
        editor.edit_blocked.connect(lambda e=editor: self.ask_to_edit(e))
        editor.edit_attempts = EditAttempts(editor)
        self._apply_lock(editor, info.state)
        lease_keeper.hold(self, editor)          # an office store: leased to this window, or read-only
        self.editors.addTab(editor, f"{info.procedure} · {info.unit_code} · {info.period}")
        self._restore_editor_layout(editor)
        self.editors.setCurrentWidget(editor)
        self._remember_open()
        return editor

    def _apply_lock(self, editor: DossierEditor, state: State) -> None:
        """Read-only with its banner while the state locks it (app.workflow.lock); a signed dossier the clerk
        chose to change stays open until its state moves on."""
        lock = workflow.lock(state)
        if lock is Lock.ASK and editor.unlocked_in is state:
            lock = Lock.OPEN
        elif editor.unlocked_in is not state:
            editor.unlocked_in = None
        read_only = (lock is not Lock.OPEN or getattr(editor, "leased", True) is False
                     or bool(getattr(self.store, "moved_to", None)))      # moved to an office store
        shown = (read_only, state if lock is not Lock.OPEN else State.DRAFT)
        if getattr(editor, "lock_shown", None) == shown:       # every edit refreshes: change only what moved
            return
        editor.lock_shown = shown
        editor.set_read_only(read_only)
        editor.lock_banner.show_state(shown[1])

    def ask_to_edit(self, editor: DossierEditor) -> bool:
        """A change to a locked dossier: a signed (or refused) one asks first and says what it costs; a
        filed one cannot change, and the way to a correction is offered."""
        from bhxh_desk.forms.messages import render

        state = self.store.draft_info(editor.draft_id).state
        if getattr(self, "_asking", False):
            return False
        self._asking = True
        try:
            keeper = getattr(editor, "lease_keeper", None)
            if getattr(self.store, "moved_to", None) or (keeper is not None and editor.leased is False):
                # Not the dossier's state: another clerk holds it, or this store moved to the office's.
                why = (BhxhError("store.moved", path=self.store.location, url=self.store.moved_to).message(self.lang)
                       if getattr(self.store, "moved_to", None) else keeper.label.text())
                QMessageBox.information(self, tr("Hồ sơ chỉ xem"), why)
                self._show_stored(editor)
                return False
            if workflow.lock(state) is Lock.ASK:
                answer = QMessageBox.question(self, tr("Sửa hồ sơ"), render(workflow.EDIT_QUESTION[state], self.lang),
                                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                              QMessageBox.StandardButton.No)
                if answer == QMessageBox.StandardButton.Yes:
                    editor.unlocked_in = state
                    self._apply_lock(editor, state)
                    return True
                self._show_stored(editor)
                return False
            if workflow.lock(state) is Lock.CLOSED:
                answer = QMessageBox.question(
                    self, tr("Hồ sơ chỉ xem"), render(workflow.LOCK_NOTICE[state], self.lang,
                                                      state_vi=workflow.LABELS_VI[state],
                                                      state_en=workflow.LABELS_EN[state])
                    + "\n\n" + tr("Sao chép thành hồ sơ mới để điều chỉnh?"),
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
                if answer == QMessageBox.StandardButton.Yes:
                    self.copy_dossier(editor.draft_id)
            self._show_stored(editor)
            return False
        finally:
            self._asking = False

    @staticmethod
    def _show_stored(editor: DossierEditor) -> None:
        """A refused change leaves nothing typed on screen: each row's form panel shows the stored values
        again (later: the field that asked may still be sending its signal)."""
        def again() -> None:
            for tab in editor.form_tabs.values():
                panel = getattr(tab, "panel", None)
                if panel is not None and panel.row is not None:
                    panel.show_row(panel.row)

        QTimer.singleShot(0, again)

    # ---------------------------------------------------------------- the dossier list's menu

    def dossier_menu(self, pos) -> QMenu:
        """Right click on a dossier: open, copy, delete, export, print, receipt; what its state does not
        allow is greyed (app.workflow)."""
        index = self.dossiers.indexAt(pos)
        if index.isValid() and index.row() not in {i.row() for i in self.dossiers.selectionModel().selectedRows()}:
            self.dossiers.selectRow(index.row())
        menu = QMenu(self)
        menu.setObjectName("dossier-menu")
        ids = self.selected_rows_ids()
        states = [self.store.draft_info(d).state for d in ids]
        for action in self.dossier_actions:
            menu.addAction(action)
        enabled = {"open-dossier": len(ids) == 1, "copy-dossier": len(ids) == 1,
                   "delete-dossier": bool(ids) and all(workflow.allowed(s, Action.DELETE) for s in states),
                   "export-draft": len(ids) == 1, "print-now": len(ids) == 1,
                   "result": len(ids) == 1 and states[0] not in (State.DRAFT, State.VALID, State.SIGNED)}
        for action in self.dossier_actions:
            action.setEnabled(enabled.get(action.objectName(), True))
        menu.aboutToHide.connect(lambda: [a.setEnabled(True) for a in self.dossier_actions])
        if not self._no_popup:
            menu.popup(self.dossiers.viewport().mapToGlobal(pos))
        self.last_menu = menu
        return menu

    _no_popup = False          # tests read the menu without showing it

    def switch_focus(self) -> None:
        """F6: from the open dossier's grid to the dossier list and back, so the keyboard reaches both."""
        editor = self.current_editor()
        in_list = self.dossiers.hasFocus()
        if in_list and editor is not None:
            view = editor.form_tabs[editor.current_form()].view
            view.setFocus()
            if not view.currentIndex().isValid() and view.model().rowCount():
                view.setCurrentIndex(view.model().index(0, 1))
            return
        self.dossiers.setFocus()
        if not self.dossiers.currentIndex().isValid() and self.dossiers_model.rowCount():
            self.dossiers.selectRow(0)

    def _one_selected(self) -> int | None:
        ids = self.selected_drafts()
        if len(ids) != 1:
            QMessageBox.information(self, "bhxh-desk", tr("Hãy chọn một hồ sơ."))
            return None
        return ids[0]

    def open_selected(self) -> None:
        draft_id = self._one_selected()
        if draft_id is not None:
            self.open_draft(draft_id)

    def copy_selected(self) -> None:
        draft_id = self._one_selected()
        if draft_id is not None:
            self.copy_dossier(draft_id)

    def copy_dossier(self, draft_id: int) -> int | None:
        """Copy into a new dossier: the way to correct a filed one; the original keeps its receipt."""
        from bhxh_desk.app.actions import dossiers

        try:
            new_id = dossiers.copy_into_new(self.store, draft_id)
        except BhxhError as exc:
            self.message(exc)
            return None
        self.refresh_dossiers()
        self.open_draft(new_id)
        self.statusBar().showMessage(tr("Đã sao chép thành hồ sơ mới; hồ sơ gốc giữ nguyên."), 15000)
        return new_id

    def delete_selected(self) -> None:
        from bhxh_desk.app.actions import dossiers

        ids = self.selected_rows_ids() or self.selected_drafts()
        if not ids:
            QMessageBox.information(self, "bhxh-desk", tr("Hãy chọn một hồ sơ."))
            return
        for draft_id in ids:
            state = self.store.draft_info(draft_id).state
            if not workflow.allowed(state, Action.DELETE):
                self.message(BhxhError("workflow.cannot_delete", state_vi=workflow.LABELS_VI[state],
                                       state_en=workflow.LABELS_EN[state]))
                return
        answer = QMessageBox.question(self, tr("Xóa hồ sơ"), tr("Xóa {0} hồ sơ? Không hoàn tác được.").format(len(ids)),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        for draft_id in ids:
            for i in range(self.editors.count()):
                if self.editors.widget(i).draft_id == draft_id:
                    self.close_editor(i)
                    break
            try:
                dossiers.delete(self.store, draft_id)
            except BhxhError as exc:
                self.message(exc)
                break
        self.refresh_dossiers()

    def export_selected(self, path: str | None = None) -> None:
        from bhxh_desk.app.actions import dossiers

        draft_id = self._one_selected()
        if draft_id is None:
            return
        info = self.store.draft_info(draft_id)
        if path is None:
            suggested = f"{info.procedure}-{info.period.replace('/', '-')}.json"
            path, _ = QFileDialog.getSaveFileName(self, tr("Xuất tệp hồ sơ"), suggested,
                                                  tr("Tệp hồ sơ bhxh-desk (*.json)"))
            if not path:
                return
        try:
            dossiers.export(self.store, draft_id, Path(path))
        except BhxhError as exc:
            self.message(exc)
            return
        self.statusBar().showMessage(tr("Đã xuất {0}").format(path), 15000)

    def show_register(self):
        from bhxh_desk.app.ui.register_view import RegisterView

        unit = self.current_unit() or (self.current_editor().draft.unit.code if self.current_editor() else None)
        units = self.store.units()
        if unit is None and len(units) == 1:
            unit = units[0].code
        if unit is None:
            QMessageBox.information(self, "bhxh-desk", tr("Hãy chọn một đơn vị."))
            return None
        view = RegisterView(self.store, self.catalog, unit, self.lang, self)
        view.show()
        return view

    def show_attachments(self):
        from bhxh_desk.app.ui.attachments_view import AttachmentsView

        editor = self.current_editor()
        if editor is None:
            QMessageBox.information(self, "bhxh-desk", tr("Hãy mở một hồ sơ trước."))
            return None
        view = AttachmentsView(self.store, editor.draft_id, self.catalog, self.lang, self,
                               read_only=editor.read_only)
        view.changed.connect(lambda *_: self._attachments_changed(editor))
        view.show()
        return view

    def apply_lease(self, editor: DossierEditor) -> None:
        """The office lease of an open dossier was taken or lost (app.ui.lease_keeper)."""
        self._apply_lock(editor, self.store.draft_info(editor.draft_id).state)

    def _attachments_changed(self, editor: DossierEditor) -> None:
        """The editor checks the papers the rules ask for: it validates again with the stored attachments."""
        editor.draft.attachments = self.store.load_draft(editor.draft_id).attachments
        editor.revalidate()
        self.refresh_dossiers()

    def close_editor(self, index: int) -> None:
        lease_keeper.let_go(self.editors.widget(index))
        self._remember_editor_layout(self.editors.widget(index))
        self.editors.removeTab(index)
        self._remember_open()

    def _remember_open(self) -> None:
        ids = [self.editors.widget(i).draft_id for i in range(self.editors.count())]
        self.store.ui_set("open_drafts", json.dumps(ids))

    def restore_open(self) -> None:
        """After a crash or a close, the same dossiers open again, as the store holds them."""
        if getattr(self.store, "moved_to", None):      # `store migrate` moved it: read-only here, and said so
            self.statusBar().showMessage(BhxhError("store.moved", path=self.store.location,
                                                   url=self.store.moved_to).message(self.lang))
        try:
            ids = json.loads(self.store.ui_get("open_drafts", "[]"))
        except ValueError:
            ids = []
        for draft_id in ids:
            try:
                self.open_draft(int(draft_id))
            except BhxhError:
                continue

    def current_editor(self) -> DossierEditor | None:
        widget = self.editors.currentWidget() if hasattr(self, "editors") else None
        return widget if isinstance(widget, DossierEditor) else None

    # ---------------------------------------------------------------- sign, submit, sync

    def _module(self) -> str | None:
        return self.settings.get("pkcs11_module") or (self.test.module if self.test else None)

    def _trust_files(self) -> list[str]:
        return self.test.trust_files() if self.test else []

    def sign_selected(self) -> SigningDialog | None:
        # A Draft is checked by the signing itself (app.actions.signing.from_store); the others need Valid.
        ids = [d for d in self.selected_drafts() if self.store.draft_info(d).state is State.DRAFT
               or workflow.allowed(self.store.draft_info(d).state, Action.SIGN)]
        if not ids:
            QMessageBox.information(self, "bhxh-desk", tr("Chọn các hồ sơ hợp lệ cần ký."))
            return None
        pin_hint = tr("PIN thử nghiệm: {0}").format(self.test.pin) if self.test else ""
        dialog = SigningDialog(self.runner, self.store.path, ids, module=self._module(),
                               extra_trust=self._trust_files(), lang=self.lang, parent=self, pin_hint=pin_hint)
        dialog.signed.connect(lambda *_: self.refresh_dossiers())
        dialog.show()
        return dialog

    def otp_selected(self):
        """Individuals without a certificate confirm their dossier with the SMS code instead of signing."""
        from bhxh_desk.app.actions.otp import refused_code
        from bhxh_desk.app.ui.otp_dialog import OtpDialog

        ids = self.selected_drafts()
        person = [d for d in ids if (p := self.catalog.procedure(self.store.draft_info(d).procedure)) is not None
                  and p.filer == "person" and (workflow.allowed(self.store.draft_info(d).state, Action.CONFIRM_OTP)
                                               or refused_code(self.store, d))]
        if len(person) != 1:
            QMessageBox.information(self, "bhxh-desk", tr("Chọn một hồ sơ cá nhân hợp lệ để xác thực bằng mã OTP."))
            return None
        dialog = OtpDialog(self.runner, self, person[0], self)
        dialog.attached.connect(lambda *_: (self.refresh_dossiers(),
                                            self.statusBar().showMessage(dialog.result_text, 30000)))
        dialog.show()
        return dialog

    def submit_selected(self) -> None:
        ids = [d for d in self.selected_drafts() if workflow.allowed(self.store.draft_info(d).state, Action.SUBMIT)]
        if not ids:
            QMessageBox.information(self, "bhxh-desk", tr("Chọn các hồ sơ đã ký cần nộp."))
            return
        try:
            access = self.access()
            unit = self.store.load_draft(ids[0]).unit.code
            password = access.password(unit, ask=self.ask_password)
        except BhxhError as exc:
            self.message(exc)
            return
        store_path, cancel = self.store.path, threading.Event()

        def work(progress):
            from bhxh_desk.app.actions import gateway
            from bhxh_desk.app.gateway.errors import Unreachable
            from bhxh_desk.app.store import Store

            with Store(store_path) as own:          # this thread's own connection
                queued = gateway.queue(own, gateway.from_store(own, ids), gateway=access.url, account=unit)
                try:
                    client = access.connect(unit, secret=password)
                except Unreachable:
                    client = None                   # queued: sent when the gateway can be reached
                try:
                    return gateway.send(own, queued, client, access.trust(), progress=progress.report,
                                        cancel=cancel)
                finally:
                    if client is not None:
                        client.close()

        def done(outcome) -> None:
            from bhxh_desk.app.actions.receipts import sent_summary

            self.refresh_dossiers()
            self.statusBar().showMessage(sent_summary(outcome.results, len(outcome.waiting), self.lang), 30000)

        self.statusBar().showMessage(tr("Đang nộp hồ sơ…"))
        self.runner.start(work, on_done=done, on_error=self.message)

    def sync(self) -> None:
        from bhxh_desk.app.store.outbox import Outbox

        if self.store.closed:
            return
        self.refresh_units()            # F5 also shows what another window or the command line stored
        pending = Outbox(self.store).all((State.QUEUED, State.SUBMITTED, State.RECEIVED, State.PROCESSING))
        try:
            access = self.access()
        except BhxhError:
            return
        pending = [p for p in pending if p.gateway == access.url]
        if not pending:
            return
        account = pending[0].account
        try:
            password = access.password(account)
        except BhxhError:
            return
        store_path = self.store.path

        def work(progress):
            from bhxh_desk.app.actions import gateway
            from bhxh_desk.app.store import Store

            with Store(store_path) as own, access.connect(account, secret=password) as client:
                return gateway.sync(own, client, access.trust())

        self.runner.start(work, on_done=self._synced,
                          on_error=lambda f: self.statusBar().showMessage(f.error.message(self.lang), 15000))

    def _synced(self, report) -> None:
        """What the gateway decided since the last look, said in the status bar in the list's own words."""
        self.refresh_dossiers()
        settled = list(report.settled) + list(report.refused)
        if settled:
            self.statusBar().showMessage(" · ".join(f"{s.so_ho_so or '#' + str(s.id)}: "
                                                    f"{state_text(s.state, self.lang, s.reasons)}" for s in settled),
                                         60000)

    def show_result(self, ids: list[int] | None = None):
        """The receipt and result in words (app.actions.receipts), the signed XML a button away."""
        from bhxh_desk.app.actions.receipts import readable
        from bhxh_desk.app.store.outbox import Outbox
        from bhxh_desk.app.ui.result_view import ResultView

        ids = ids or self.selected_drafts()
        outbox = Outbox(self.store)
        subs = [s for s in outbox.all() if s.draft_id in ids]
        if not subs:
            QMessageBox.information(self, "bhxh-desk", tr("Hồ sơ này chưa được nộp."))
            return None
        sub = subs[-1]
        result = outbox.result(sub.id)
        view = ResultView(readable(sub, result, self.lang), result or outbox.file(sub.id),
                          f"{(sub.so_ho_so or str(sub.id)).replace('/', '-')}.xml", self)
        self.last_result_view = view
        view.show()
        return view

    def closeEvent(self, event) -> None:
        for i in range(self.editors.count()):
            lease_keeper.let_go(self.editors.widget(i))
        if getattr(self, "_write_behind", None) is not None:
            self._write_behind.close()
        self.poll.stop()
        self.save_layout()
        super().closeEvent(event)

    # ---------------------------------------------------------------- layout: fits the screen, remembered

    def _fit_screen(self) -> None:
        """The size it had when last closed; at first start, what fits the screen's available area (a
        1366×768 laptop opens maximized, with the status bar in view)."""
        from PySide6.QtCore import QByteArray
        from PySide6.QtGui import QGuiApplication

        saved = self.settings.get("window_geometry")
        if saved and self.restoreGeometry(QByteArray.fromBase64(saved.encode("ascii"))):
            return
        screen = self.screen() or QGuiApplication.primaryScreen()
        available = screen.availableGeometry()
        width, height = min(1280, available.width() - 40), min(800, available.height() - 60)
        self.resize(width, height)
        self.move(available.x() + (available.width() - width) // 2, available.y() + (available.height() - height) // 2)
        if available.width() < 1440 or available.height() < 900:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def _restore_splitter(self, splitter: QSplitter) -> None:
        from PySide6.QtCore import QByteArray

        saved = self.settings.get("splitters").get(splitter.objectName())
        if isinstance(saved, str):
            splitter.restoreState(QByteArray.fromBase64(saved.encode("ascii")))

    def _restore_editor_layout(self, editor: DossierEditor) -> None:
        issues = self.settings.get("splitters").get(editor.split.objectName())
        if isinstance(issues, int) and 0 <= issues <= 2000:      # the issue list's height; the grid takes the rest
            editor.split.setSizes([10_000, issues])
        widths = self.settings.get("column_widths")
        for code, tab in editor.form_tabs.items():
            if isinstance(widths.get(code), list):
                tab.view.set_column_widths(widths[code])

    def _remember_editor_layout(self, editor: DossierEditor) -> None:
        splitters = self.settings.get("splitters")
        splitters[editor.split.objectName()] = editor.split.sizes()[1]
        self.settings.set("splitters", splitters)
        widths = self.settings.get("column_widths")
        widths.update({code: tab.view.column_widths() for code, tab in editor.form_tabs.items()})
        self.settings.set("column_widths", widths)

    def save_layout(self) -> None:
        """The window's size, its splitters and the open grids' column widths, into the settings file."""
        if getattr(self, "_layout_saved", False):
            return
        self._layout_saved = True
        self.settings.set("window_geometry", bytes(self.saveGeometry().toBase64()).decode("ascii"))
        splitters = self.settings.get("splitters")
        splitters.update({s.objectName(): bytes(s.saveState().toBase64()).decode("ascii") for s in self.splitters})
        self.settings.set("splitters", splitters)
        if self.current_editor() is not None:
            self._remember_editor_layout(self.current_editor())
        for i in range(self.editors.count()):
            widths = self.settings.get("column_widths")
            editor = self.editors.widget(i)
            widths.update({code: tab.view.column_widths() for code, tab in editor.form_tabs.items()})
            self.settings.set("column_widths", widths)
        with contextlib.suppress(OSError):      # a read-only config folder costs the layout, never the close
            self.settings.save()

    # ---------------------------------------------------------------- Excel and printing

    def import_excel(self, path: str | None = None):
        """Rows from an Excel sheet into the open form, after a preview (app/ui/import_dialog.py) of the column
        mapping, every repair and every refused cell: nothing is applied before the clerk says so, nor half."""
        editor = self.current_editor()
        if editor is None:
            QMessageBox.information(self, "bhxh-desk", tr("Hãy mở một hồ sơ trước."))
            return None
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, tr("Nhập Excel"), "", "Excel (*.xlsx)")
            if not path:
                return None
        form = editor.current_form()
        from bhxh_desk.app.ui.import_dialog import ImportDialog

        dialog = ImportDialog(Path(path), self.catalog.form(form), self.runner, self.lang, self)

        def applied(result) -> None:
            editor.undo.beginMacro(tr("Nhập Excel"))        # one undo step, the blank rows it replaces included
            rows = editor.draft.rows(form)
            while rows and not any(str(v).strip() for v in rows[-1].values()):
                editor.delete_row(form, len(rows) - 1)       # the new dossier's empty row is no person
            editor.append_rows(form, result.rows)
            editor.undo.endMacro()
            self.last_import_report = tr("Đã nhập {0} dòng vào {1}.").format(len(result.rows), form) + "\n" + \
                dialog.report()
            self.statusBar().showMessage(self.last_import_report.splitlines()[0], 15000)

        dialog.applied.connect(applied)
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def export_excel(self) -> None:
        editor = self.current_editor()
        if editor is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, tr("Xuất Excel"), "hoso.xlsx", "Excel (*.xlsx)")
        if not path:
            return
        from bhxh_desk.forms.excel import export

        rows = {code: editor.draft.rows(code) for code in editor.form_tabs
                if self.catalog.form(code).kind == "list" and editor.draft.rows(code)}
        self.runner.start(lambda progress: export(rows, Path(path)),
                          on_done=lambda *_: self.statusBar().showMessage(path, 10000), on_error=self.message)

    def print_pdf(self, path: str | None = None) -> None:
        editor = self.current_editor()
        if editor is None:
            QMessageBox.information(self, "bhxh-desk", tr("Hãy mở một hồ sơ trước."))
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, tr("Lưu PDF"), "hoso.pdf", "PDF (*.pdf)")
            if not path:
                return
        from bhxh_desk.forms.printing import render

        draft = self.store.load_draft(editor.draft_id)
        self.runner.start(lambda progress: render(draft, Path(path)),
                          on_done=lambda pages: self.statusBar().showMessage(
                              tr("Đã lưu {0} ({1} trang)").format(path, pages), 15000),
                          on_error=self.message)

    def print_now(self) -> None:
        """The printout shown inside the app first (app/ui/print_preview.py), then printed from there; with
        no printer installed the preview says so and offers the PDF."""
        import tempfile

        editor = self.current_editor()
        ids = self.selected_rows_ids()
        draft_id = editor.draft_id if editor is not None else (ids[0] if len(ids) == 1 else None)
        if draft_id is None:
            QMessageBox.information(self, "bhxh-desk", tr("Hãy mở một hồ sơ trước."))
            return
        path = Path(tempfile.mkdtemp(prefix="bhxh-in-")) / f"hoso-{draft_id}.pdf"
        from bhxh_desk.forms.printing import render

        draft = self.store.load_draft(draft_id)
        info = self.store.draft_info(draft_id)
        self.statusBar().showMessage(tr("Đang dàn trang…"))
        self.runner.start(lambda progress: render(draft, path),
                          on_done=lambda pages: self._preview(path, f"{info.procedure} · {info.period}", pages),
                          on_error=self.message)

    def _preview(self, path: Path, title: str, pages: int = 1):
        from bhxh_desk.app.ui.print_preview import PrintPreview

        self.statusBar().clearMessage()
        if not pages:
            QMessageBox.information(self, "bhxh-desk", tr("Hồ sơ chưa có dòng nào để in."))
            return None
        self.last_preview = PrintPreview(path, title, self)
        self.last_preview.show()
        return self.last_preview

    # ---------------------------------------------------------------- settings and language

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self.lang, self)
        if dialog.exec():
            dialog.apply()
            QMessageBox.information(self, "bhxh-desk", tr("Cài đặt đã lưu; một số thay đổi có hiệu lực khi mở lại."))

    def toggle_language(self) -> None:
        self.settings.set("language", "en" if self.lang != "en" else "vi")
        self.settings.save()
        self.language_changed.emit()

