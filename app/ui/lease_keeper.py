"""On an office store, a dossier open in one window is leased to it: the others show it read-only with who
holds it and since when, and try again at every heartbeat, so it becomes editable there as soon as the
first window closes it or its lease runs out (a crashed PC). The lease and its heartbeat are the store's
(``Store.acquire_lease``), timed by the server's clock; the heartbeat runs off the UI thread, and so do
the editor's commits (``app.store.writebehind``). On a single PC's SQLite file nothing here applies.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from bhxh_desk.app.store.store import LEASE_SECONDS, Store, since_text
from bhxh_desk.app.ui.i18n import tr

HEARTBEAT_SHARE = 1 / 3          # the heartbeat's interval, as a share of the lease


def is_office(window) -> bool:
    return getattr(window.store, "dialect", "sqlite") == "postgresql"


class _Errors(QObject):
    """Carries a refused background commit to the UI thread."""
    failed = Signal(object)


def editor_store(window):
    """The store an editor writes through: on an office store, one write-behind per window."""
    if not is_office(window):
        return window.store
    behind = getattr(window, "_write_behind", None)
    if behind is None:
        from bhxh_desk.app.store.writebehind import WriteBehind

        errors = _Errors(window)
        errors.failed.connect(window.message)
        behind = window._write_behind = WriteBehind(window.store, on_error=errors.failed.emit)
    return behind


class LeaseKeeper(QObject):
    def __init__(self, window, editor, seconds: float = LEASE_SECONDS) -> None:
        super().__init__(editor)
        self.window, self.editor, self.seconds = window, editor, seconds
        self.token = uuid.uuid4().hex
        self.label = QLabel()
        self.label.setObjectName("lease-holder")
        self.label.setWordWrap(True)
        self.label.setStyleSheet("background: #ffe0b2; padding: 4px")
        self.label.setVisible(False)
        editor.layout().insertWidget(0, self.label)
        self.timer = QTimer(self)
        self.timer.setInterval(int(seconds * HEARTBEAT_SHARE * 1000))
        self.timer.timeout.connect(self.beat)
        self._busy = False
        self._show(window.store.acquire_lease(editor.draft_id, self.token, seconds))   # before the first edit
        self.timer.start()

    def beat(self) -> None:
        """Renew the lease (or try for it again) on a worker thread, with a connection of its own."""
        if self._busy:
            return
        self._busy = True
        where, clerk, draft_id, token, seconds = (self.window.store.path, self.window.store.clerk,
                                                  self.editor.draft_id, self.token, self.seconds)

        def work(progress):
            with Store(where, clerk=clerk) as own:
                return own.acquire_lease(draft_id, token, seconds)

        def done(lease) -> None:
            self._busy = False
            self._show(lease)

        def failed(_failure) -> None:
            self._busy = False

        self.window.runner.start(work, on_done=done, on_error=failed)

    def _show(self, lease) -> None:
        was = getattr(self.editor, "leased", None)
        self.editor.leased = lease.mine
        if lease.mine:
            self.label.setVisible(False)
        else:
            self.label.setText(tr("Đang được {0} sửa từ {1}: chỉ xem được cho tới khi người đó đóng hồ sơ.")
                               .format(lease.holder_name, since_text(lease.since)))
            self.label.setVisible(True)
        if was is not lease.mine:
            self.window.apply_lease(self.editor)

    def release(self) -> None:
        self.timer.stop()
        if getattr(self.editor, "leased", False):
            self.editor.leased = False
            self.window.store.release_lease(self.editor.draft_id, self.token)


def hold(window, editor) -> None:
    """Lease a dossier just opened in ``window`` (an office store only)."""
    if is_office(window):
        editor.lease_keeper = LeaseKeeper(window, editor, LEASE_SECONDS)


def let_go(editor) -> None:
    keeper = getattr(editor, "lease_keeper", None)
    if keeper is not None:
        keeper.release()
