"""Parsing and canonical writing of each field type.

``parse`` turns what a user typed (or what a draft file holds) into a typed value, or raises
``FieldError`` with a stable code. ``to_xml`` writes the canonical text that goes into the form file.
The two are inverse on valid input, which the round-trip tests rely on.

Decisions where the public record is loose:
- IDs (mã số BHXH, CCCD, MST) are text. A JSON number is accepted only when it already has the full
  length, because a number has lost any leading zero and guessing it back is Excel import's job.
- Money is whole VND; "5.310.000" with Vietnamese thousands dots is read as 5310000.
- Salary: a value of 100 or less that is not written with thousands dots is a pay-scale coefficient
  (2.34 or 2,34); anything else is an amount in VND (domain reference, D02-TS).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from bhxh_desk.forms.errors import FieldError
from bhxh_desk.forms.model import Field, FieldType

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_SINGLELINE = re.compile(r"[\t\n\r]")
_DIGITS = re.compile(r"[0-9]+")
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_MONTH = re.compile(r"(\d{1,2})/(\d{4})")
_YEAR = re.compile(r"\d{4}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+")
_DECIMAL = re.compile(r"\d+([.,]\d+)?")
_TAX_CODE = re.compile(r"\d{10}(-\d{3})?")
_PHONE = re.compile(r"0\d{9,10}")

MAX_TEXT = 1000
COEFFICIENT_LIMIT = Decimal(100)


@dataclass(frozen=True, order=True, slots=True)
class Period:
    """A declared month (kỳ kê khai), MM/yyyy."""

    year: int
    month: int

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def months_until(self, other: Period) -> int:
        return (other.year - self.year) * 12 + (other.month - self.month)

    def __str__(self) -> str:
        return f"{self.month:02d}/{self.year:04d}"


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A birth date where only the year, or month and year, may be known (older records)."""

    year: int
    month: int | None = None
    day: int | None = None

    def __str__(self) -> str:
        if self.day is not None:
            return f"{self.day:02d}/{self.month:02d}/{self.year:04d}"
        if self.month is not None:
            return f"{self.month:02d}/{self.year:04d}"
        return f"{self.year:04d}"


@dataclass(frozen=True, slots=True)
class Salary:
    """Either an amount in VND or a pay-scale coefficient, never both."""

    amount: int | None = None
    coefficient: Decimal | None = None

    @property
    def is_coefficient(self) -> bool:
        return self.coefficient is not None

    def __str__(self) -> str:
        if self.coefficient is not None:
            return _decimal_text(self.coefficient)
        return str(self.amount)


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def clean_text(raw: str, *, multiline: bool = False) -> str:
    """NFC-normalise, trim, and refuse control characters (XML 1.0 cannot carry most of them)."""
    text = unicodedata.normalize("NFC", raw).strip()
    if _CONTROL.search(text) or (not multiline and _CONTROL_SINGLELINE.search(text)):
        raise FieldError("field.control_char")
    return text


def _as_text(field: Field, raw: object) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        raise FieldError("field.not_text")
    if isinstance(raw, str):
        return clean_text(raw, multiline=field.multiline)
    return str(raw)


def _id_digits(field: Field, raw: object, lengths: tuple[int, ...], code: str) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        text = str(raw)
        if len(text) < max(lengths):
            raise FieldError("field.id_lost_zero", length=max(lengths))
    text = _as_text(field, raw).replace(" ", "")
    if not _DIGITS.fullmatch(text) or len(text) not in lengths:
        raise FieldError(code)
    return text


_PASSPORT = re.compile(r"(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,20}")


def _personal_id(field: Field, raw: object) -> str:
    """The 12-digit personal identification number (CCCD/ĐDCN), an old 9-digit CMND (a rule warns that it is
    void), or a foreign worker's passport number: letters and digits, written in capitals."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return _id_digits(field, raw, (12, 9), "field.personal_id")
    text = _as_text(field, raw).replace(" ", "")
    if _DIGITS.fullmatch(text):
        if len(text) not in (12, 9):
            raise FieldError("field.personal_id")
        return text
    text = text.upper()
    if not _PASSPORT.fullmatch(text):
        raise FieldError("field.personal_id")
    return text


def is_cmnd(value: str) -> bool:
    return len(value) == 9 and value.isdigit()


def is_passport(value: str) -> bool:
    return not value.isdigit()


def _date(text: str) -> date:
    m = _DATE.fullmatch(text)
    if not m:
        raise FieldError("field.date")
    try:
        return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:            # the right shape, but no such day (31/02, 29/02 of a common year, month 13)
        raise FieldError("field.date_not_exist", value=text) from None


def _period(text: str) -> Period:
    m = _MONTH.fullmatch(text)
    if not m or not 1 <= int(m[1]) <= 12 or int(m[2]) < 1900:
        raise FieldError("field.period")
    return Period(int(m[2]), int(m[1]))


def _birthdate(text: str) -> PartialDate:
    try:
        if _DATE.fullmatch(text):
            d = _date(text)
            value = PartialDate(d.year, d.month, d.day)
        elif _MONTH.fullmatch(text):
            p = _period(text)
            value = PartialDate(p.year, p.month)
        elif _YEAR.fullmatch(text):
            value = PartialDate(int(text))
        else:
            raise FieldError("field.birthdate")
    except FieldError as err:
        if err.code == "field.date_not_exist":
            raise FieldError("field.birthdate_not_exist", value=text) from None
        raise FieldError("field.birthdate") from None
    if value.year < 1900 or (value.year, value.month or 1, value.day or 1) > date.today().timetuple()[:3]:
        raise FieldError("field.birthdate_range")
    return value


def _money(raw: object, field: Field) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    else:
        text = _as_text(field, raw).replace(" ", "")
        if _THOUSANDS.fullmatch(text):
            text = text.replace(".", "")
        if not _DIGITS.fullmatch(text):
            raise FieldError("field.money")
        value = int(text)
    if value < 0:
        raise FieldError("field.money")
    return value


def _salary(raw: object, field: Field) -> Salary:
    if isinstance(raw, int) and not isinstance(raw, bool):
        text = str(raw)
    elif isinstance(raw, float):
        text = repr(raw)
    else:
        text = _as_text(field, raw).replace(" ", "")
    if _THOUSANDS.fullmatch(text):
        return Salary(amount=int(text.replace(".", "")))
    if not _DECIMAL.fullmatch(text):
        raise FieldError("field.salary")
    value = Decimal(text.replace(",", "."))
    if value <= COEFFICIENT_LIMIT:
        # Pay-scale coefficients have two decimals; a third would read as a thousands group (1.234).
        if value <= 0 or value.as_tuple().exponent < -2:
            raise FieldError("field.salary")
        return Salary(coefficient=value)
    if value != value.to_integral_value():
        raise FieldError("field.salary")
    return Salary(amount=int(value))


def _decimal(raw: object, field: Field, code: str) -> Decimal:
    text = _as_text(field, raw).replace(" ", "")
    if not _DECIMAL.fullmatch(text):
        raise FieldError(code)
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise FieldError(code) from None


_CACHEABLE = frozenset({FieldType.DATE, FieldType.BIRTHDATE, FieldType.PERIOD, FieldType.CODE, FieldType.RATE,
                        FieldType.SALARY, FieldType.MONEY})


def parse(field: Field, raw: object) -> object:
    """Parse one non-empty value of ``field``; raises ``FieldError``.

    Values that repeat down a list (the month, the zone, a salary, a date) are parsed once and the same
    immutable object is shared by every row that has them."""
    if field.type in _CACHEABLE and type(raw) is str:
        return _parse_cached(field, raw)
    return _parse(field, raw)


@lru_cache(maxsize=32768)
def _parse_cached(field: Field, raw: str) -> object:
    return _parse(field, raw)


def parse_uncached(field: Field, raw: object) -> object:
    """``parse`` without its cache, for a caller that keeps its own (the validator's compiled plans, one
    per field): the cache's key hashes the whole frozen ``Field``, which costs more than most parses."""
    return _parse(field, raw)


def _parse(field: Field, raw: object) -> object:
    t = field.type
    if t is FieldType.BHXH_ID:
        digits = str(raw).strip().replace(" ", "") if isinstance(raw, (str, int)) else ""
        if len(digits) == 12 and digits.isdigit():
            raise FieldError("field.bhxh_id_is_personal")       # typed into the wrong column
        return _id_digits(field, raw, (10,), "field.bhxh_id")
    if t is FieldType.PERSONAL_ID:
        return _personal_id(field, raw)
    if t is FieldType.MONEY:
        value = _money(raw, field)
    elif t is FieldType.SALARY:
        return _salary(raw, field)
    elif t is FieldType.RATE:
        value = _decimal(raw, field, "field.rate")
        if not Decimal(0) <= value <= Decimal(100):
            raise FieldError("field.rate")
        return value
    elif t in (FieldType.INT, FieldType.SEQ):
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        else:
            text = _as_text(field, raw)
            if not _DIGITS.fullmatch(text):
                raise FieldError("field.int")
            value = int(text)
    else:
        text = _as_text(field, raw)
        if t is FieldType.TEXT or t is FieldType.CODE:
            limit = field.max_len or MAX_TEXT
            if len(text) > limit:
                raise FieldError("field.too_long", max=limit)
            if field.pattern and not re.fullmatch(field.pattern, text):
                raise FieldError("field.pattern")
            return text
        if t is FieldType.DATE:
            return _date(text)
        if t is FieldType.BIRTHDATE:
            return _birthdate(text)
        if t is FieldType.PERIOD:
            return _period(text)
        if t is FieldType.TAX_CODE:
            if not _TAX_CODE.fullmatch(text):
                raise FieldError("field.tax_code")
            return text
        if t is FieldType.PHONE:
            digits = re.sub(r"[\s.\-()]", "", text)
            if digits.startswith("+84"):
                digits = "0" + digits[3:]
            if not _PHONE.fullmatch(digits):
                raise FieldError("field.phone")
            return digits
        if t is FieldType.EMAIL:
            if len(text) > 254 or not _EMAIL.fullmatch(text):
                raise FieldError("field.email")
            return text
        raise FieldError("field.not_text")
    if field.min_value is not None and value < field.min_value:
        raise FieldError("field.min", min=field.min_value)
    if field.max_value is not None and value > field.max_value:
        raise FieldError("field.max", max=field.max_value)
    return value


def to_xml(field: Field, value: object) -> str:
    """Canonical text of a parsed value, as written into the form file."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return _decimal_text(value)
    return str(value)


def is_empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")
