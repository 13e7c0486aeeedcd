"""The layout on a 1366×768 laptop: the window fits the screen at first start and remembers its size,
splitters and column widths; the grid gets the space; the name column stays in view while scrolling right;
headers show their whole label."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pytestqt")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter

from tests.test_gui_typing import new_600

BANNER = ("CHẾ ĐỘ THỬ NGHIỆM — hồ sơ được nộp vào cổng thử nghiệm http://127.0.0.1:8765, không gửi tới BHXH. "
          "USB token thử nghiệm: PIN 123456. Tài khoản TA1234A, mật khẩu demo-password-123.")


from tests.conftest import offline_home  # noqa: E402


@pytest.fixture
def start(qtbot, tmp_path, monkeypatch):
    from bhxh_desk.app.ui.qt_app import Application

    offline_home(tmp_path, monkeypatch)

    apps = []

    def start():
        app = Application(["bhxh-desk"])
        window = app.build()
        qtbot.addWidget(window)
        qtbot.waitExposed(window)
        apps.append(app)
        return app, window

    yield start
    for app in apps:
        app.close()


def laptop(window, qtbot) -> None:
    """1366×768 less openbox's title bar, with the test-mode banner as the window shows it."""
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(1366, 738)
    window.banner.setText(BANNER)
    window.banner.setVisible(True)
    qtbot.wait(50)


def test_first_start_fits_the_available_screen(start):
    _, window = start()
    available = window.screen().availableGeometry()
    assert available.contains(window.frameGeometry()), (available, window.frameGeometry())
    assert available.contains(window.geometry().bottomRight())          # the status bar is on screen


def test_size_splitters_and_column_widths_are_remembered(start, qtbot):
    app, window = start()
    laptop(window, qtbot)
    window.resize(760, 560)
    editor = window.open_draft(new_600(window))
    split = window.findChild(QSplitter, "split-main")
    split.setSizes([300, 800])
    editor.split.setSizes([10_000, 90])
    editor.form_tabs["D02-TS"].view.setColumnWidth(2, 333)
    qtbot.wait(20)
    sizes, issues = split.sizes(), editor.split.sizes()
    window.close()
    app.close()
    _, again = start()
    assert (again.width(), again.height()) == (760, 560)
    assert again.findChild(QSplitter, "split-main").sizes() == sizes
    reopened = again.current_editor()
    assert reopened is not None and reopened.split.sizes()[1] == issues[1] == 90
    assert reopened.form_tabs["D02-TS"].view.columnWidth(2) == 333


def test_grid_gets_the_space_and_the_name_stays_in_view(start, qtbot):
    _, window = start()
    laptop(window, qtbot)
    editor = window.open_draft(new_600(window))
    for i in range(40):
        editor.add_row("D02-TS", i)
    editor.edit_cell("D02-TS", 5, "Hoten", "Trần Văn Minh")
    qtbot.wait(50)
    view = editor.form_tabs["D02-TS"].view
    assert view.viewport().height() // view.rowHeight(0) >= 15
    name = editor.cell_index("D02-TS", 5, "Hoten")
    assert view.model().data(name) == "Trần Văn Minh"
    last = editor.cell_index("D02-TS", 5, "ghiChu")
    view.scrollTo(last)
    qtbot.wait(20)
    assert view.horizontalScrollBar().value() > 0
    assert not view.viewport().rect().intersects(view.visualRect(name)) or view.frozen.isVisible()
    frozen = view.frozen
    assert frozen.isVisible()
    cell = frozen.visualRect(name)
    assert frozen.viewport().rect().contains(cell), "the name is not shown by the frozen column"
    assert frozen.geometry().left() <= view.viewport().geometry().left() + 2
    assert view.visualRect(last).left() >= frozen.width() - 2             # the cell in view is not under it
    qtbot.mouseClick(frozen.viewport(), Qt.MouseButton.LeftButton, pos=cell.center())
    assert view.currentIndex() == name and view.horizontalScrollBar().value() == 0


def test_headers_show_their_whole_label_and_help(start):
    _, window = start()
    editor = window.open_draft(new_600(window))
    for code, tab in editor.form_tabs.items():
        model, view = tab.model, tab.view
        metrics = view.horizontalHeader().fontMetrics()
        for column in range(1, model.columnCount()):
            f = model.field_at(column)
            text = model.headerData(column, Qt.Orientation.Horizontal)
            assert text.replace("\n", " ") == f.label("vi") + (" *" if f.required else "")
            assert len(text.split("\n")) <= 2
            widest = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
            assert widest <= view.columnWidth(column), (code, f.name, text)
            tip = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
            assert f.label("vi") in tip and f.help_vi in tip and f.name in tip
