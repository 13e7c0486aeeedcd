"""The catalog's vocabulary: procedures, forms, fields and code lists as frozen dataclasses.

These are filled from the TOML files in ``resources/catalog`` by ``forms.catalog``. The editor, the
validator, the XML builder, Excel and the printout all read the same objects; none of them knows a form
by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"                # dd/mm/yyyy
    BIRTHDATE = "birthdate"      # dd/mm/yyyy, or mm/yyyy or yyyy where only that is known
    PERIOD = "period"            # MM/yyyy
    BHXH_ID = "bhxh_id"          # mã số BHXH, 10 digits
    PERSONAL_ID = "personal_id"  # CCCD 12 digits or CMND 9 digits
    TAX_CODE = "tax_code"        # MST: 10 digits, or 10-3 for a branch
    PHONE = "phone"
    EMAIL = "email"
    MONEY = "money"              # VND, integer
    SALARY = "salary"            # VND amount, or a pay-scale coefficient (<= 100)
    RATE = "rate"                # a percentage, 0..100
    INT = "int"
    CODE = "code"                # a key of a code list
    SEQ = "seq"                  # row number, filled by the builder (STT)
    GROUP = "group"              # a nested element holding fields
    TABLE = "table"              # a nested repeated element


@dataclass(frozen=True, slots=True)
class Condition:
    """``field`` holds one of ``values`` (used by ``required_if``)."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DefaultCase:
    """One case of a field's default that follows its row: ``value`` when ``filled`` is filled, or when the
    code in ``field`` is one of ``values``, or its code-list entry has the attribute ``has``."""

    value: str
    filled: str | None = None
    field: str | None = None
    values: tuple[str, ...] = ()
    has: str | None = None


@dataclass(frozen=True, slots=True)
class Field:
    name: str                      # the XML element name, also the key in a draft row
    label_vi: str
    label_en: str
    type: FieldType
    required: bool = False
    required_if: Condition | None = None
    codes: str | None = None       # code list name, for CODE
    parent: str | None = None      # sibling field whose code must be this code's parent (commune → province)
    max_len: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    pattern: str | None = None
    multiline: bool = False
    retired: bool = False          # kept in the file layout but no longer filled (district codes since 7/2025)
    default: str | None = None
    default_when: tuple[DefaultCase, ...] = ()      # the default follows the row; the first case that holds wins
    follows: str | None = None     # a birthdate sibling whose precision this code states (CCNS: 0, 1, 2)
    help_vi: str = ""
    help_en: str = ""
    aliases: tuple[str, ...] = ()           # other headers a spreadsheet gives this column (forms.columns)
    row_element: str | None = None          # for TABLE: the repeated child element
    fields: tuple[Field, ...] = ()          # for GROUP and TABLE

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" and self.label_en else self.label_vi

    @property
    def nested(self) -> bool:
        return self.type in (FieldType.GROUP, FieldType.TABLE)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A cross-field rule named in the catalog, with its parameters (field names, limits)."""

    id: str
    params: dict[str, object] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Form:
    code: str
    name_vi: str
    name_en: str
    decision: str                  # the decision that issued this form version, e.g. "QĐ 595/QĐ-BHXH"
    kind: str                      # "list" (many rows) or "person" (one declaration per row)
    root: str                      # root element of the form file
    rows_path: tuple[str, ...]     # elements from the root down to the row container
    row_element: str
    header: tuple[Field, ...]      # form-level fields written before the rows (defaults allowed)
    fields: tuple[Field, ...]
    rules: tuple[RuleSpec, ...] = ()
    paper_name: str = ""
    unconfirmed: bool = False
    signature_element: str = "Cky"
    register: bool = False         # its rows are people the unit employs: the employee register keeps them
    # which fields carry the salary, zone, months and code, for forms.contributions ([contributions])
    contributions: dict[str, object] = field(default_factory=dict, hash=False, compare=False)
    # what the employee register fills and checks ([register_rules]; app/store/register.py)
    register_rules: dict[str, object] = field(default_factory=dict, hash=False, compare=False)
    decision_unconfirmed: str = ""  # a later decision public sources cite but no official text confirms

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_vi

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


@dataclass(frozen=True, slots=True)
class FormUse:
    form: str
    required: bool
    description_vi: str = ""


@dataclass(frozen=True, slots=True)
class Procedure:
    code: str
    name_vi: str
    name_en: str
    decision: str
    filer: str                     # "unit" or "person"
    forms: tuple[FormUse, ...]
    rules: tuple[RuleSpec, ...] = ()
    unconfirmed: bool = False
    iso_process: str = ""

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_vi

    def form_codes(self) -> tuple[str, ...]:
        return tuple(u.form for u in self.forms)


@dataclass(frozen=True, slots=True)
class CodeEntry:
    code: str
    label_vi: str
    label_en: str = ""
    parent: str | None = None
    attrs: dict[str, object] = field(default_factory=dict, hash=False, compare=False)

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" and self.label_en else self.label_vi


@dataclass(frozen=True, slots=True)
class CodeList:
    name: str
    title_vi: str
    title_en: str
    source: str
    entries: dict[str, CodeEntry] = field(hash=False, compare=False)
    complete: bool = True          # False: a sample; unknown codes are warnings, not errors
    code_pattern: str | None = None

    def __contains__(self, code: object) -> bool:
        return code in self.entries
