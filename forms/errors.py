"""The one exception tree of bhxh-desk.

Every error a user can meet is a ``BhxhError``: it carries a stable ``code`` and the parameters of its
message, and renders itself in Vietnamese or English from ``resources/i18n/messages.toml``. The UI and the
CLI show ``err.message(lang)`` and never a traceback. ``signing`` and ``app`` subclass these; nothing else
raises bare exceptions across a layer.

    BhxhError
    ├── CatalogError        the shipped catalog is broken (a packaging fault)
    ├── DraftError          a draft file cannot be read or has the wrong shape
    ├── FieldError          one value fails its field type (carried into an Issue, rarely raised far)
    ├── XmlError            XML from outside is unsafe or malformed
    │   └── SchemaError     a built or received file fails its XSD
    └── StoreError          the local store cannot be opened or written
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bhxh_desk.forms.messages import render

if TYPE_CHECKING:
    from bhxh_desk.forms.validate import Issue


class BhxhError(Exception):
    """Base of every user-facing error; ``code`` keys the translated message."""

    default_code = "error.internal"

    def __init__(self, code: str | None = None, /, **params: object) -> None:
        self.code = code or self.default_code
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "vi") -> str:
        return render(self.code, lang, **self.params)


class CatalogError(BhxhError):
    default_code = "catalog.invalid"


class DraftError(BhxhError):
    default_code = "draft.unreadable"


class FieldError(BhxhError):
    default_code = "field.invalid"


class XmlError(BhxhError):
    default_code = "xml.malformed"


class SchemaError(XmlError):
    default_code = "xml.schema"


class InvalidDossier(XmlError):
    """The draft still has validation errors; ``issues`` lists them."""

    default_code = "xml.invalid_dossier"

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("xml.invalid_dossier", count=len(issues))


class StoreError(BhxhError):
    default_code = "store.failed"
