"""A date of the right shape that is not on the calendar ("31/02/1990") is reported as a day that does not
exist, not as a wrong format, in the core's message and in the editor's issue list."""

from __future__ import annotations

import pytest

from bhxh_desk.forms.errors import FieldError
from bhxh_desk.forms.fieldtypes import parse
from bhxh_desk.forms.messages import render
from bhxh_desk.forms.model import Field, FieldType


def code_and_text(kind: FieldType, text: str, lang: str = "vi") -> tuple[str, str]:
    try:
        parse(Field(name="x", label_vi="Ngày", label_en="Date", type=kind), text)
    except FieldError as err:          # the validator adds the field's label, as here
        return err.code, render(err.code, lang, **{"field": "Ngày", **err.params})
    raise AssertionError(f"{text} accepted")


@pytest.mark.parametrize("text", ["31/02/1990", "29/02/2023", "31/04/2026", "01/13/2026", "00/01/2026"])
def test_a_day_that_does_not_exist(text):
    code, vi = code_and_text(FieldType.DATE, text)
    assert code == "field.date_not_exist" and text in vi and "không có trên lịch" in vi
    assert "not a day of the calendar" in code_and_text(FieldType.DATE, text, "en")[1]
    code, vi = code_and_text(FieldType.BIRTHDATE, text)
    assert code == "field.birthdate_not_exist" and text in vi and "ngày sinh" in vi


@pytest.mark.parametrize("text", ["1990-02-01", "31.02.1990", "abc"])
def test_a_wrong_format_is_still_a_wrong_format(text):
    assert code_and_text(FieldType.DATE, text)[0] == "field.date"
    assert code_and_text(FieldType.BIRTHDATE, text)[0] == "field.birthdate"


def test_29_february_of_a_leap_year_is_a_day():
    assert str(parse(Field(name="x", label_vi="", label_en="", type=FieldType.DATE), "29/02/2024")) == "2024-02-29"


def test_the_editor_lists_it_as_a_day_that_does_not_exist(offline, qtbot):
    from tests.test_gui_typing import new_600

    window = offline
    editor = window.open_draft(new_600(window))
    editor.add_row("D02-TS", 0)
    editor.edit_cell("D02-TS", 0, "Ngaysinh", "31/02/1990")
    qtbot.waitUntil(lambda: any(i.code == "field.birthdate_not_exist" for i in editor.issues), timeout=10_000)
    texts = [editor.issue_list.item(i).text() for i in range(editor.issue_list.count())]
    assert any("Ngày sinh" in t and "31/02/1990" in t and "không có trên lịch" in t for t in texts), texts
