"""Printable forms (forms.printing, bhxh-desk print) and contribution totals (forms.contributions)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from bhxh_desk.forms.contributions import compute
from bhxh_desk.forms.draft import draft_from_dict
from bhxh_desk.forms.printing import render
from tests.conftest import EXAMPLE, ROOT, example_dict, minimal_dict

PDFTOTEXT = shutil.which("pdftotext")


def text_pages(pdf) -> list[str]:
    assert PDFTOTEXT, "pdftotext is installed by the test bootstrap (poppler-utils)"
    out = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [p for p in out.split("\f") if p.strip()]


def test_a_thousand_rows_print_with_the_header_on_every_page(tmp_path):
    d = minimal_dict()
    base = d["forms"]["D02-TS"][0]
    d["forms"]["D02-TS"] = [dict(base, Hoten=f"Nguyễn Văn Thứ {i:04d}", Masobhxh=f"{i:010d}") for i in range(1000)]
    pdf = tmp_path / "d02.pdf"
    pages = render(draft_from_dict(d), pdf)
    texts = text_pages(pdf)
    assert pages == len(texts) > 10
    everything = "\n".join(texts)
    assert all(f"{i:010d}" in everything for i in range(1000))          # every row, by its unique mã số
    assert "Nguyễn Văn Thứ 0999" in everything
    for page in texts:
        assert "Họ và tên" in page and re.search(r"Trang \d+", page)
    assert "DANH SÁCH LAO ĐỘNG THAM GIA" in texts[0] and "Thủ trưởng đơn vị" in texts[-1]
    assert "Tổng cộng: 1000 dòng" in re.sub(r"\s+", " ", texts[-1])


def test_print_command_and_vietnamese_text(tmp_path):
    out = tmp_path / "hs.pdf"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "bhxh_desk.app", "print", str(EXAMPLE), "-o", str(out), "--place",
                        "TP. Hồ Chí Minh"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    everything = " ".join(text_pages(out))
    for expected in ("Trần Văn Minh", "Đỗ Minh Châu", "8.500.000", "Mẫu D02-LT", "TP. Hồ Chí Minh",
                     "Nguyễn Thị Lan", "BẢNG KÊ THÔNG TIN"):
        assert expected in everything, expected


def test_printout_totals_are_the_contributions_commands(tmp_path):
    d = minimal_dict()
    d["period"] = "12/2026"
    d["forms"]["D02-TS"][0].update(pa="TM", tienLuong="80.000.000", tuThang="12/2026")
    draft = draft_from_dict(d)
    owed = compute(draft)
    assert (owed.employee_total, owed.employer_total) == (5_607_000, 11_173_000)
    pdf = tmp_path / "d02.pdf"
    render(draft, pdf, forms=["D02-TS"])
    text = re.sub(r"\s+", " ", " ".join(text_pages(pdf)))
    assert "Người lao động đóng 5.607.000 đồng" in text and "đơn vị đóng 11.173.000 đồng" in text
    assert "BHTNLĐ-BNN 253.000" in text and "50.600.000" in text


def test_print_refuses_nothing_it_cannot_show(tmp_path):
    d = example_dict()
    d["forms"]["D02-TS"][0]["tienLuong"] = "abc"          # an invalid value still prints as typed
    pdf = tmp_path / "x.pdf"
    render(draft_from_dict(d), pdf, forms=["D02-TS"])
    assert "abc" in " ".join(text_pages(pdf))
