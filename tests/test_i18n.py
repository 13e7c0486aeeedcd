"""Vietnamese first, English one switch away: the Qt Linguist file is complete and current."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import ROOT

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
TS = ROOT / "resources" / "translations" / "bhxh_desk_en.ts"
TOOLS = Path(sys.executable).parent


def sources(ts: Path) -> set[str]:
    return {m.findtext("source") for m in etree.parse(str(ts)).iter("message")}


def test_every_string_has_an_english_translation():
    for m in etree.parse(str(TS)).iter("message"):
        translation = m.find("translation")
        assert translation.get("type") is None, m.findtext("source")
        assert (translation.text or "").strip(), m.findtext("source")


def test_translation_file_is_current_with_the_code(tmp_path):
    fresh = tmp_path / "fresh.ts"
    files = sorted(str(p) for p in (ROOT / "app" / "ui").glob("*.py"))
    subprocess.run([str(TOOLS / "pyside6-lupdate"), *files, "-ts", str(fresh)], check=True, capture_output=True)
    missing = sources(fresh) - sources(TS)
    assert not missing, f"run pyside6-lupdate: untranslated strings {sorted(missing)}"


def test_english_window(qtbot, tmp_path, monkeypatch):
    pytest.importorskip("pytestqt")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QApplication

    from bhxh_desk.app.settings import Settings
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.ui.main_window import MainWindow
    from bhxh_desk.app.ui.qt_app import install_translator
    from bhxh_desk.forms.catalog import load_catalog

    subprocess.run([str(TOOLS / "pyside6-lrelease"), "-silent", str(TS), "-qm", str(tmp_path / "bhxh_desk_en.qm")],
                   check=True)
    translator = install_translator(QApplication.instance(), "en", tmp_path)
    assert translator is not None
    try:
        store = Store(tmp_path / "s.sqlite3")
        window = MainWindow(Settings(tmp_path / "settings.json"), store, load_catalog(), lang="en", test_mode=False)
        qtbot.addWidget(window)
        assert window.findChild(QAction, "new-dossier").text() == "New dossier"
        assert window.dossiers_model.headerData(3, Qt.Orientation.Horizontal) == "State"
        window.close()
        store.close()
    finally:
        QApplication.instance().removeTranslator(translator)
