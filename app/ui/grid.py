"""The rows grid: a table view whose first columns (the row number through the name) stay in view while the
clerk scrolls right, and whose columns are wide enough for their two-line headers.

The frozen part is a second QTableView over the same model and selection model, laid over the left edge of
the grid (Qt's "frozen column" example). It only shows and selects: every edit happens in the grid itself,
so Tab, the delegate and the undo stack work as everywhere else. The overlay shows only while the grid is
scrolled right; a click on it brings the grid back to its left edge, where the cell is the grid's own.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from bhxh_desk.app.ui.rows_model import CellDelegate, RowsModel
from bhxh_desk.forms.model import FieldType

ROW_HEIGHT = 23
MIN_WIDTH, MAX_WIDTH = 72, 260


def frozen_columns(model: RowsModel) -> int:
    """How many columns stay in view: the row number, and through the name (the first text field) when it
    is among the first three fields. Nothing is known of any form by name."""
    for column in range(1, min(4, model.columnCount())):
        f = model.field_at(column)
        if f is not None and f.type is FieldType.TEXT:
            return column + 1
    return 1


class GridView(QTableView):
    """Keys as in Excel: typing starts editing, F2 edits, Tab commits and moves right (past the last column
    to the next row's first cell, a new row after the last), Enter commits and moves down, Delete clears
    the selected cells (one undo step, through ``clear_wanted``)."""

    row_wanted = Signal()                  # Tab past the last cell of the last row
    clear_wanted = Signal(list)            # the cells Delete clears, as (row, column) pairs

    def __init__(self, model: RowsModel) -> None:
        super().__init__()
        self.setModel(model)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.setItemDelegate(CellDelegate(self))
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setVisible(False)          # the STT column numbers the rows
        self.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.frozen_count = frozen_columns(model)

        frozen = self.frozen = QTableView(self)
        frozen.setObjectName("frozen")
        frozen.setModel(model)
        frozen.setSelectionModel(self.selectionModel())
        frozen.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        frozen.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        frozen.setItemDelegate(CellDelegate(frozen))     # paints codes with their labels, as the grid does
        frozen.verticalHeader().setVisible(False)
        frozen.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        frozen.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        frozen.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        frozen.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        frozen.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        frozen.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        frozen.setStyleSheet("QTableView#frozen { border: none; border-right: 2px solid #9e9e9e; }")
        for column in range(model.columnCount()):
            frozen.setColumnHidden(column, column >= self.frozen_count)
        self.viewport().stackUnder(frozen)
        frozen.pressed.connect(self._pressed_frozen)
        frozen.doubleClicked.connect(self._double_clicked_frozen)
        self.horizontalHeader().sectionResized.connect(self._section_resized)
        self.horizontalScrollBar().valueChanged.connect(lambda *_: self._place_frozen())
        self.verticalScrollBar().valueChanged.connect(frozen.verticalScrollBar().setValue)
        frozen.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.fit_columns()

    # ---------------------------------------------------------------- keys

    def moveCursor(self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        """Tab and Shift+Tab go from one editable cell to the next (a retired column is stepped over), and
        from the last column to the next row's first cell, making that row after the last one."""
        if action not in (QAbstractItemView.CursorAction.MoveNext, QAbstractItemView.CursorAction.MovePrevious):
            return super().moveCursor(action, modifiers)
        model: RowsModel = self.model()
        current = self.currentIndex()
        if not current.isValid():
            return super().moveCursor(action, modifiers)
        forward = action == QAbstractItemView.CursorAction.MoveNext
        row, column = current.row(), current.column()
        last = model.columnCount() - 1
        for _ in range(model.columnCount() + 1):
            column += 1 if forward else -1
            if column > last:
                if row + 1 >= model.rowCount():
                    self.row_wanted.emit()
                if row + 1 >= model.rowCount():
                    return current
                row, column = row + 1, 1
            elif column < 1:
                if row == 0:
                    return current
                row, column = row - 1, last
            index = model.index(row, column)
            if index.flags() & Qt.ItemFlag.ItemIsEditable:
                return index
        return current

    def move_down(self) -> None:
        current = self.currentIndex()
        if current.isValid() and current.row() + 1 < self.model().rowCount():
            self.setCurrentIndex(self.model().index(current.row() + 1, current.column()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self.state() != QAbstractItemView.State.EditingState and not event.modifiers() & ~(
                Qt.KeyboardModifier.KeypadModifier):
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.move_down()
                return
            if key == Qt.Key.Key_Delete:
                cells = sorted({(i.row(), i.column()) for i in self.selectedIndexes() if i.column() > 0}
                               or ({(self.currentIndex().row(), self.currentIndex().column())}
                                   if self.currentIndex().isValid() and self.currentIndex().column() > 0 else set()))
                if cells:
                    self.clear_wanted.emit(cells)
                return
        super().keyPressEvent(event)

    def first_cell(self) -> None:
        """The cursor in the first editable cell, the grid focused: where a new list starts. A cursor the
        clerk has already placed, or a cell being edited, is left alone."""
        if self.state() == QAbstractItemView.State.EditingState:
            return
        if self.model().rowCount() and not self.currentIndex().isValid():
            self.setCurrentIndex(self.model().index(0, 1))
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    # ---------------------------------------------------------------- columns

    def fit_columns(self) -> None:
        """Each column as wide as its header's longest line (the header wraps to two lines), within bounds."""
        model: RowsModel = self.model()
        metrics = self.horizontalHeader().fontMetrics()
        self.setColumnWidth(0, 44)
        for column in range(1, model.columnCount()):
            text = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            width = max(metrics.horizontalAdvance(line) for line in text.split("\n")) + 22
            self.setColumnWidth(column, max(MIN_WIDTH, min(MAX_WIDTH, width)))
        if self.frozen_count > 1:
            self.setColumnWidth(self.frozen_count - 1, max(self.columnWidth(self.frozen_count - 1), 180))

    def column_widths(self) -> list[int]:
        return [self.columnWidth(c) for c in range(self.model().columnCount())]

    def set_column_widths(self, widths: list[int]) -> None:
        if len(widths) == self.model().columnCount():
            for column, width in enumerate(widths):
                if isinstance(width, int) and 20 <= width <= 2000:
                    self.setColumnWidth(column, width)

    def frozen_width(self) -> int:
        return sum(self.columnWidth(c) for c in range(self.frozen_count))

    def _section_resized(self, column: int, _old: int, new: int) -> None:
        if column < self.frozen_count:
            self.frozen.setColumnWidth(column, new)
        self._place_frozen()

    # ---------------------------------------------------------------- the overlay

    def _place_frozen(self) -> None:
        scrolled = self.horizontalScrollBar().value() > 0
        self.frozen.setVisible(scrolled)
        if scrolled:
            self.frozen.horizontalHeader().setFixedHeight(self.horizontalHeader().height())
            border = self.frozen.width() - self.frozen.viewport().width()       # its own frame and right edge
            self.frozen.setGeometry(self.verticalHeader().width() + self.frameWidth(), self.frameWidth(),
                                    self.frozen_width() + max(0, border),
                                    self.viewport().height() + self.horizontalHeader().height())
            self.frozen.verticalScrollBar().setValue(self.verticalScrollBar().value())
            self.frozen.raise_()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_frozen()

    def _pressed_frozen(self, index: QModelIndex) -> None:
        self.horizontalScrollBar().setValue(0)          # the cell is the grid's own again, and edits there
        self.setFocus()
        self.setCurrentIndex(index)

    def _double_clicked_frozen(self, index: QModelIndex) -> None:
        self._pressed_frozen(index)
        self.edit(index)

    def scrollTo(self, index: QModelIndex, hint=QAbstractItemView.ScrollHint.EnsureVisible) -> None:
        """A cell right of the frozen part is never left under it."""
        super().scrollTo(index, hint)
        if index.isValid() and index.column() >= self.frozen_count and self.horizontalScrollBar().value() > 0:
            hidden = self.frozen_width() - self.visualRect(index).left()
            if hidden > 0:
                bar = self.horizontalScrollBar()
                bar.setValue(max(0, bar.value() - hidden))
