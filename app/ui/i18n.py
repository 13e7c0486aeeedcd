"""Translation of the window's own words. Vietnamese is the source language; English comes from
``resources/translations/bhxh_desk_en.ts`` (Qt Linguist), compiled to ``.qm`` at install. Field labels and
messages are not here: the catalog and ``resources/i18n/messages.toml`` carry both languages."""

from PySide6.QtCore import QCoreApplication


def tr(text: str) -> str:
    # pyside6-lupdate files bare tr() calls under the empty context
    return QCoreApplication.translate("", text)
