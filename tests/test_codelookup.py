"""Readable values to codes (forms.codelookup), without a display: what the pickers, the paste and an
import rely on. The code lists are the catalog's own."""

from __future__ import annotations

import pytest

from bhxh_desk.forms.catalog import code_list, load_catalog
from bhxh_desk.forms.codelookup import Ambiguous, NotFound, fold, label_of, matches, resolve


def field(form: str, name: str):
    return next(f for f in load_catalog().form(form).fields if f.name == name)


def test_fold_ignores_case_accents_and_spacing():
    assert fold("  Thành phố  Hồ Chí Minh ") == "thanh pho ho chi minh"
    assert fold("Đắk Lắk") == "dak lak"
    assert fold("Xã Thanh Thuỷ") == fold("xa thanh thủy")


@pytest.mark.parametrize(("form", "name", "text", "code"), [
    ("D02-TS", "Gioitinh", "Nữ", "0"),
    ("D02-TS", "Gioitinh", "nu", "0"),
    ("D02-TS", "Gioitinh", "Female", "0"),
    ("D02-TS", "Gioitinh", "1", "1"),               # a code as typed stays itself
    ("D02-TS", "pa", "tm", "TM"),
    ("D02-TS", "pa", "Tăng mới", "TM"),
    ("D02-TS", "maVungLTT", "Vùng II", "02"),
    ("D02-TS", "maVungLTT", "1", "01"),            # an all-digit list takes the short number
    ("TK1-TS", "QuocTich", "Việt Nam", "VN"),
    ("TK1-TS", "QuocTich", "viet nam", "VN"),
    ("TK1-TS", "DanToc", "Kinh", "01"),
    ("TK1-TS", "Matinh_NN", "Hà Nội", "01"),       # "Thành phố Hà Nội" without its kind of place
    ("TK1-TS", "Matinh_NN", "TP Hồ Chí Minh", "79"),
    ("TK1-TS", "Matinh_NN", "ho chi", "79"),           # the start of the name, its kind of place aside
    ("TK1-TS", "Maxa_NN", "Phường Sài Gòn", "26740"),
    ("TK1-TS", "Maxa_NN", "sai gon", "26740"),
])
def test_a_readable_value_resolves_to_its_code(form, name, text, code):
    assert resolve(field(form, name), text) == code


def test_a_name_several_communes_share_is_asked_about_and_the_province_settles_it():
    communes = field("TK1-TS", "Maxa_NN")
    answer = resolve(communes, "Xã Vĩnh Thanh")
    assert isinstance(answer, Ambiguous)
    parents = {e.parent for e in answer.choices}
    assert len(answer.choices) >= 2 and len(parents) >= 2
    one = sorted(parents)[0]
    expected = next(e.code for e in answer.choices if e.parent == one)
    assert resolve(communes, "xa vinh thanh", parent=one) == expected


def test_a_commune_of_another_province_is_not_found_under_this_one():
    communes = field("TK1-TS", "Maxa_NN")
    assert resolve(communes, "Phường Sài Gòn", parent="79") == "26740"
    assert resolve(communes, "Phường Sài Gòn", parent="01") == NotFound("Phường Sài Gòn")


def test_the_start_of_one_label_is_enough_and_the_start_of_several_is_asked():
    gender = field("D02-TS", "Gioitinh")
    assert resolve(gender, "Nư") == "0"
    assert isinstance(resolve(gender, "N"), Ambiguous)
    assert resolve(gender, "Khác") == NotFound("Khác")
    assert resolve(gender, "  ") == ""


def test_hospitals_are_searched_by_code_and_name_and_never_narrowed_by_the_new_province():
    hospitals = field("TK1-TS", "MaBenhVien")
    assert hospitals.parent is None           # codes keep the 63 provinces' prefixes: no filter by Matinh
    listed = code_list("hospitals")
    assert not listed.complete
    assert resolve(hospitals, "79024") == "79024"      # the bundled list is incomplete: a code of its form
    assert isinstance(resolve(hospitals, "7902"), NotFound)


def test_matches_rank_the_code_then_label_starts_then_words_then_the_rest():
    pa = field("D02-TS", "pa")
    first = matches(pa, "tm")
    assert first[0].code == "TM"
    names = [e.code for e in matches(field("TK1-TS", "Matinh_NN"), "ho chi")]
    assert names[0] == "79"
    words = matches(field("TK1-TS", "Maxa_NN"), "sai gon")
    assert words[0].code == "26740"
    assert len(matches(field("TK1-TS", "Maxa_NN"), "", parent="79")) == 50      # the first of that province
    assert all(e.parent == "79" for e in matches(field("TK1-TS", "Maxa_NN"), "phuong", parent="79"))


def test_label_of():
    assert label_of("gender", "0") == "Nữ" and label_of("gender", "0", "en") == "Female"
    assert label_of("gender", "7") is None
