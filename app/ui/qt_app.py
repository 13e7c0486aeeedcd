"""Starting the desktop app: settings, translator, store, the main window, and in test mode the bundled
sandbox gateway with its demo unit and token, started after the window is on screen."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from bhxh_desk.app import testmode
from bhxh_desk.app.paths import default_paths
from bhxh_desk.app.settings import Settings
from bhxh_desk.forms.resources import resource

log = logging.getLogger("bhxh-desk.ui")


def install_translator(app: QApplication, lang: str, folder: Path | None = None) -> QTranslator | None:
    """Vietnamese is the source language of every string; English comes from resources/translations, built
    to .qm by the installer (pyside6-lrelease). In Vietnamese, Qt's own dialogs (file, message, input and
    print dialogs, a text box's menu) speak it too, from our qtbase_vi: Qt ships none."""
    if lang != "en":
        qt = QTranslator(app)
        if qt.load(str((folder or resource("translations")) / "qtbase_vi.qm")):
            app.installTranslator(qt)
            return qt
        log.warning("Vietnamese for Qt's dialogs not built (run: pyside6-lrelease resources/translations/qtbase_vi.ts)")
        return None
    translator = QTranslator(app)
    if translator.load(str((folder or resource("translations")) / "bhxh_desk_en.qm")):
        app.installTranslator(translator)
        return translator
    log.warning("English translation not built (run: pyside6-lrelease resources/translations/bhxh_desk_en.ts)")
    return None


class Application:
    def __init__(self, argv: list[str]) -> None:
        # Workers validate and build in Python threads; a short GIL switch interval hands the interpreter back
        # to the UI thread quickly, so typing stays smooth while 10,000 rows are checked (see bench/editor.py).
        sys.setswitchinterval(0.0005)
        self.qt = QApplication.instance() or QApplication(argv)
        self.qt.setApplicationName("bhxh-desk")
        self.qt.setOrganizationName("bhxh-desk")
        self.qt.setDesktopFileName("vn.bhxh_desk.BhxhDesk")     # resources/desktop: the menu entry it belongs to
        self.qt.setWindowIcon(QIcon(str(resource("icons", "bhxh-desk.svg"))))
        self.paths = default_paths()
        self.settings = Settings.load(self.paths)
        if self.settings.is_first_start():
            self.settings.save()          # test mode by default: the declared default
        self.sandbox: testmode.EmbeddedSandbox | None = None
        self.window = None
        self.store = None
        self.translator = None

    def build(self):
        from bhxh_desk.app.store import Store
        from bhxh_desk.app.ui.main_window import MainWindow
        from bhxh_desk.forms.catalog import load_catalog

        lang = self.settings.get("language")
        if self.translator is not None:
            self.qt.removeTranslator(self.translator)
        self.translator = install_translator(self.qt, lang)
        QLocale.setDefault(QLocale(QLocale.Language.Vietnamese if lang != "en" else QLocale.Language.English))
        test_mode = bool(self.settings.get("test_mode"))
        if self.store is None:
            from bhxh_desk.app.store.backend import chosen_location

            # Test mode keeps its own file; otherwise an office store when one is chosen (docs/office.md).
            self.store = Store((None if test_mode else chosen_location()) or testmode.store_path(self.paths, test_mode))
        old = self.window
        self.window = MainWindow(self.settings, self.store, load_catalog(), lang=lang, test_mode=test_mode)
        self.window.language_changed.connect(self.rebuild)
        self.window.show()
        self.window.restore_open()
        if old is not None:
            if old.test is not None:
                self.window.set_test_mode(old.test)
            old.close()
            old.deleteLater()
        elif test_mode:
            self._sandbox_port = testmode.sandbox_port(self.settings)      # chosen here, on the UI thread
            self.window.runner.start(self._start_sandbox, on_done=self._sandbox_ready,
                                     on_error=self.window.message)
        return self.window

    def rebuild(self) -> None:
        if self.window is not None:
            self.window.save_layout()          # the new window opens with the old one's size and columns
        self.build()

    def _start_sandbox(self, progress):
        demo = testmode.ensure_demo(self.paths)
        self.sandbox = testmode.EmbeddedSandbox(self.paths, port=self._sandbox_port)
        return self.sandbox.start(), demo

    def _sandbox_ready(self, result) -> None:
        from bhxh_desk.forms.draft import Unit

        url, demo = result
        units = {u.code for u in self.store.units()}
        if demo.unit not in units:
            from bhxh_desk.app.gateway.sandbox.demo import DEMO_NAME, DEMO_TAX_CODE

            self.store.upsert_unit(Unit(code=demo.unit, name=DEMO_NAME, tax_code=DEMO_TAX_CODE, agency_code="07906",
                                        signer="Nguyễn Thị Lan", phone="0901234567"))
        self.window.set_test_mode(testmode.TestMode(url, demo, self.paths))

    def close(self) -> None:
        if self.window is not None:
            self.window.poll.stop()
            self.window.runner.wait(30_000)
            self.qt.processEvents()
        if self.sandbox is not None:
            self.sandbox.stop()
        if self.store is not None:
            self.store.close()
        if self.translator is not None:          # the next window in this process speaks its own language
            self.qt.removeTranslator(self.translator)
            self.translator = None


def run(argv: list[str] | None = None) -> int:
    from bhxh_desk.app import logs

    argv = list(sys.argv if argv is None else argv)
    app = Application(argv)
    logs.setup(app.paths.logs)
    app.build()
    try:
        return app.qt.exec()
    finally:
        app.close()
