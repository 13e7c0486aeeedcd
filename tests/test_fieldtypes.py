"""Property tests for every field type's parser (forms.fieldtypes)."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bhxh_desk.forms import fieldtypes
from bhxh_desk.forms.errors import FieldError
from bhxh_desk.forms.fieldtypes import PartialDate, Period, Salary
from bhxh_desk.forms.model import Field, FieldType


def F(t: FieldType, **kw) -> Field:
    return Field(name="x", label_vi="X", label_en="X", type=t, **kw)


def code_of(t: FieldType, raw, **kw) -> str | None:
    try:
        fieldtypes.parse(F(t, **kw), raw)
    except FieldError as e:
        return e.code
    return None


digits = st.text(alphabet="0123456789", min_size=0, max_size=14)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_bhxh_id_keeps_leading_zeros(s):
    assert fieldtypes.parse(F(FieldType.BHXH_ID), s) == s


@given(digits)
def test_bhxh_id_refuses_wrong_length(s):
    assume(len(s) != 10)
    # 12 digits are the personal identification number, typed in the wrong column: said so
    expected = "field.bhxh_id_is_personal" if len(s) == 12 else "field.bhxh_id"
    assert code_of(FieldType.BHXH_ID, s) == expected


@given(st.integers(min_value=0, max_value=999_999_999))
def test_bhxh_id_number_that_lost_its_zero_is_flagged(n):
    assert code_of(FieldType.BHXH_ID, n) == "field.id_lost_zero"


@given(st.sampled_from([9, 12]).flatmap(lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)))
def test_personal_id_cccd_or_cmnd(s):
    assert fieldtypes.parse(F(FieldType.PERSONAL_ID), s) == s


@given(digits)
def test_personal_id_other_lengths_refused(s):
    assume(len(s) not in (9, 12))
    assert code_of(FieldType.PERSONAL_ID, s) == "field.personal_id"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_date_round_trip(d):
    text = d.strftime("%d/%m/%Y")
    f = F(FieldType.DATE)
    assert fieldtypes.parse(f, text) == d
    assert fieldtypes.to_xml(f, fieldtypes.parse(f, text)) == text


@given(st.integers(1, 31), st.integers(1, 12), st.integers(1900, 2100))
def test_date_rejects_impossible_days(day, month, year):
    try:
        date(year, month, day)
        valid = True
    except ValueError:
        valid = False
    assert (code_of(FieldType.DATE, f"{day:02d}/{month:02d}/{year}") is None) == valid


@pytest.mark.parametrize("bad", ["2026-03-01", "1/3/26", "01.03.2026", "abc"])  # no such day: test_gui_dates
def test_date_wrong_forms(bad):
    assert code_of(FieldType.DATE, bad) == "field.date"


@given(st.integers(1900, 2200), st.integers(1, 12))
def test_period_round_trip_and_order(year, month):
    text = f"{month:02d}/{year}"
    p = fieldtypes.parse(F(FieldType.PERIOD), text)
    assert p == Period(year, month) and str(p) == text
    assert p < Period(year + 1, 1)


@pytest.mark.parametrize("bad", ["13/2026", "00/2026", "2026/03", "3-2026", "03/26"])
def test_period_wrong_forms(bad):
    assert code_of(FieldType.PERIOD, bad) == "field.period"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date.today()))
def test_birthdate_full_partial(d):
    f = F(FieldType.BIRTHDATE)
    assert fieldtypes.parse(f, d.strftime("%d/%m/%Y")) == PartialDate(d.year, d.month, d.day)
    assert fieldtypes.parse(f, d.strftime("%m/%Y")) == PartialDate(d.year, d.month)
    assert str(fieldtypes.parse(f, str(d.year))) == f"{d.year:04d}"


def test_birthdate_in_future_refused():
    assert code_of(FieldType.BIRTHDATE, f"{date.today().year + 1}") == "field.birthdate_range"


@given(st.integers(0, 10**12))
def test_money_dotted_and_plain_agree(n):
    f = F(FieldType.MONEY)
    dotted = f"{n:,}".replace(",", ".")
    assert fieldtypes.parse(f, dotted) == fieldtypes.parse(f, str(n)) == fieldtypes.parse(f, n) == n


@pytest.mark.parametrize("bad", ["5,310,000", "1.2345", "-5", "abc", "5.31", 1.5])
def test_money_refuses_non_integers(bad):
    assert code_of(FieldType.MONEY, bad) == "field.money"


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2))
def test_salary_up_to_100_is_a_coefficient(c):
    f = F(FieldType.SALARY)
    for text in (str(c), str(c).replace(".", ",")):
        s = fieldtypes.parse(f, text)
        assert s.is_coefficient and s.coefficient == c
        assert fieldtypes.parse(f, fieldtypes.to_xml(f, s)) == s


@given(st.integers(101, 10**10))
def test_salary_above_100_is_an_amount(n):
    f = F(FieldType.SALARY)
    dotted = f"{n:,}".replace(",", ".")
    assert fieldtypes.parse(f, dotted) == fieldtypes.parse(f, n) == Salary(amount=n)
    assert fieldtypes.to_xml(f, Salary(amount=n)) == str(n)


def test_salary_thousands_group_is_never_a_coefficient():
    f = F(FieldType.SALARY)
    assert fieldtypes.parse(f, "100.000") == Salary(amount=100_000)
    assert code_of(FieldType.SALARY, "1,234") == "field.salary"
    assert code_of(FieldType.SALARY, "0") == "field.salary"


@given(st.decimals(min_value=0, max_value=100, places=3))
def test_rate_in_range(r):
    assert fieldtypes.parse(F(FieldType.RATE), str(r)) == r


@given(st.decimals(min_value=Decimal("100.001"), max_value=10**6, places=3))
def test_rate_out_of_range(r):
    assert code_of(FieldType.RATE, str(r)) == "field.rate"


@given(st.sampled_from(["0312345678", "0312345678-001", "0100109106"]))
def test_tax_code_forms(s):
    assert fieldtypes.parse(F(FieldType.TAX_CODE), s) == s


@given(digits)
def test_tax_code_wrong_length(s):
    assume(len(s) != 10)
    assert code_of(FieldType.TAX_CODE, s) == "field.tax_code"


@given(st.text(alphabet="0123456789", min_size=9, max_size=10))
def test_phone_normalised(rest):
    f = F(FieldType.PHONE)
    assert fieldtypes.parse(f, "0" + rest) == "0" + rest
    assert fieldtypes.parse(f, "+84" + rest) == "0" + rest
    assert fieldtypes.parse(f, f"0{rest[:3]} {rest[3:6]} {rest[6:]}") == "0" + rest


@pytest.mark.parametrize("bad", ["12345", "09012345678901", "abc", "1901234567"])
def test_phone_bad(bad):
    assert code_of(FieldType.PHONE, bad) == "field.phone"


@pytest.mark.parametrize("good", ["lan.nguyen@hoasen.vn", "a+b@mail.example.com"])
def test_email_good(good):
    assert fieldtypes.parse(F(FieldType.EMAIL), good) == good


@pytest.mark.parametrize("bad", ["lan", "lan@", "@x.vn", "lan@x", "a b@x.vn"])
def test_email_bad(bad):
    assert code_of(FieldType.EMAIL, bad) == "field.email"


@given(st.text(min_size=1, max_size=60))
def test_text_is_nfc_or_refused(s):
    f = F(FieldType.TEXT)
    try:
        out = fieldtypes.parse(f, s)
    except FieldError as e:
        assert e.code in {"field.control_char", "field.too_long"}
        return
    assert unicodedata.is_normalized("NFC", out)
    assert out == unicodedata.normalize("NFC", s).strip()


def test_decomposed_vietnamese_comes_out_nfc():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert decomposed != "Nguyễn Thị Ánh"
    assert fieldtypes.parse(F(FieldType.TEXT), decomposed) == "Nguyễn Thị Ánh"


@given(st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\n", "\t", "\u0085"]))
def test_control_characters_refused(ch):
    assert code_of(FieldType.TEXT, f"Công ty{ch}A") == "field.control_char"


def test_multiline_text_allows_line_breaks_only():
    f = F(FieldType.TEXT, multiline=True)
    assert fieldtypes.parse(f, "dòng 1\ndòng 2") == "dòng 1\ndòng 2"
    assert code_of(FieldType.TEXT, "a\x00b", multiline=True) == "field.control_char"


@given(st.text(alphabet="abc", min_size=11, max_size=30))
def test_text_max_len(s):
    assert code_of(FieldType.TEXT, s, max_len=10) == "field.too_long"


@given(st.one_of(st.lists(st.integers()), st.dictionaries(st.text(), st.text()), st.booleans()))
def test_non_scalar_values_are_refused_not_crashed(v):
    for t in (FieldType.TEXT, FieldType.DATE, FieldType.BHXH_ID, FieldType.SALARY, FieldType.MONEY):
        assert code_of(t, v) is not None
