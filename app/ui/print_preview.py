"""The dossier's printout shown inside the app before anything is printed: the very PDF that "Lưu PDF"
writes (forms.printing), its pages drawn by PDFium (pypdfium2), so what is seen is what prints. "In…" opens
the system's printer dialog; with no printer installed it says so and offers the PDF instead.

Our own dialog rather than QPrintPreviewDialog: Qt ships no Vietnamese for its preview and print dialogs,
and this one speaks the user's language in every label (issue 17, deliver 12).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bhxh_desk.app.ui.i18n import tr

PREVIEW_DPI = 96


def page_images(pdf: Path, dpi: int = PREVIEW_DPI) -> list[QImage]:
    """Each page of the PDF as an image at ``dpi``."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        images = []
        for page in document:
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True, prefer_bgrx=True)
            images.append(QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                                 QImage.Format.Format_RGBX8888).copy())      # ours, before PDFium frees it
            page.close()
        return images
    finally:
        document.close()


def printers() -> list[str]:
    return list(QPrinterInfo.availablePrinterNames())


def print_pdf(pdf: Path, printer: QPrinter) -> int:
    """Every page onto ``printer``, each fitted to its paper; returns how many pages."""
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        dpi = min(printer.resolution(), 300)
        images = page_images(pdf, dpi)
        for n, image in enumerate(images):
            if n:
                printer.newPage()
            area = painter.viewport()
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.setViewport(area.x(), area.y(), size.width(), size.height())
            painter.setWindow(image.rect())
            painter.drawImage(0, 0, image)
            painter.setViewport(area)
        return len(images)
    finally:
        painter.end()


class PrintPreview(QDialog):
    """The pages, then "In…" (or why not), "Lưu PDF…" and "Đóng"."""

    def __init__(self, pdf: Path, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pdf = pdf
        self.setWindowTitle(tr("Xem trước khi in — {0}").format(title))
        self.pages = page_images(pdf)
        body = QWidget()
        column = QVBoxLayout(body)
        for image in self.pages:
            page = QLabel()
            page.setPixmap(QPixmap.fromImage(image))
            page.setStyleSheet("background: white; border: 1px solid #9e9e9e")
            column.addWidget(page, 0, Qt.AlignmentFlag.AlignHCenter)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setStyleSheet("QScrollArea { background: #757575 }")
        self.available = printers()
        self.note = QLabel(tr("{0} trang.").format(len(self.pages)) if self.available else
                           tr("Chưa cài máy in nào trên máy này: hãy cài máy in, hoặc bấm Lưu PDF rồi in tệp PDF "
                              "ở máy khác."))
        self.note.setObjectName("print-note")
        self.note.setWordWrap(True)
        self.print_button = QPushButton(tr("In…"))
        self.print_button.setObjectName("print-button")
        self.print_button.setEnabled(bool(self.available))
        self.print_button.clicked.connect(self.print_now)
        save = QPushButton(tr("Lưu PDF…"))
        save.setObjectName("print-save")
        save.clicked.connect(self.save)
        close = QPushButton(tr("Đóng"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(save)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.print_button.setDefault(bool(self.available))
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        widest = max((image.width() for image in self.pages), default=800)
        self.resize(min(screen.width() - 40, widest + 80), min(screen.height() - 40, 760))   # a whole page wide

    def print_now(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(tr("In hồ sơ"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        pages = print_pdf(self.pdf, printer)
        if pages:
            self.note.setText(tr("Đã gửi {0} trang tới máy in {1}.").format(pages, printer.printerName()))
        else:
            QMessageBox.warning(self, "bhxh-desk", tr("Không in được tới máy in {0}.").format(printer.printerName()))

    def save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Lưu PDF"), "hoso.pdf", "PDF (*.pdf)")
        if path:
            from bhxh_desk.app.actions.files import write_atomically

            write_atomically(Path(path), self.pdf.read_bytes())
            self.note.setText(tr("Đã lưu {0}").format(path))
