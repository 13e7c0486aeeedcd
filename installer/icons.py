"""Renders resources/icons/bhxh-desk.svg into the PNG sizes of a Linux icon theme and a Windows .ico.

    python installer/icons.py        (needs PySide6; the outputs are committed)

The .ico holds PNG images (Windows Vista and later read them), written by hand: the format is a 6-byte
header and a 16-byte entry per image, which is less than a dependency would weigh.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 256)
ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def render(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    QSvgRenderer(str(ICONS / "bhxh-desk.svg")).render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)


def ico(images: dict[int, bytes]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in images.items():
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
        blobs += png
    return header + entries + blobs


def main() -> int:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])     # noqa: F841 - QImage painting needs the application object
    pngs = {size: render(size) for size in SIZES}
    for size, png in pngs.items():
        (ICONS / f"bhxh-desk-{size}.png").write_bytes(png)
    (ICONS / "bhxh-desk.ico").write_bytes(ico({s: pngs[s] for s in ICO_SIZES}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
