"""Moving what an earlier version wrote onto the catalog of today, and saying so.

A draft file or a stored draft made before a catalog change still opens: each value is moved to the
field that now holds it, nothing is dropped, and every kind of change is reported once, with how many
rows it touched, so the user can check them (one line each, ``Migration.message``). Signed files are
never migrated: they are sent exactly as built (``forms.schemas`` keeps the schemas they were built with).

Each step is a plain function over the raw rows, so it works on a file being read and on rows coming out
of the store alike, and does nothing to rows that are already new.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from bhxh_desk.forms.messages import render

Rows = dict[str, list[dict[str, Any]]]


class Migration(NamedTuple):
    """One kind of change made to an old draft: a message code of messages.toml, the form, the rows."""

    code: str
    form: str
    count: int

    def message(self, lang: str = "vi") -> str:
        return render(self.code, lang, form=self.form, count=self.count)


OLD_WAGE_ZONES = {"1": "01", "2": "02", "3": "03", "4": "04"}


def _wage_zone(procedure: str, forms: Rows) -> list[Migration]:
    """Until 12/2026 the D02-TS wage zone was written into maVungSS as "1".."4". On the 2026 portal
    maVungLTT ("01".."04") is the wage zone and maVungSS the BHYT residence area (K1/K2/K3)."""
    count = 0
    for row in forms.get("D02-TS", ()):
        old = str(row.get("maVungSS") or "").strip()
        if old in OLD_WAGE_ZONES and not str(row.get("maVungLTT") or "").strip():
            row["maVungLTT"] = OLD_WAGE_ZONES[old]
            del row["maVungSS"]
            count += 1
    return [Migration("migrate.wage_zone", "D02-TS", count)] if count else []


# Release 0.1.0 (2/12/2026) filed five individual procedures on DN-CN, a form of our own, and the one-time payout
# on M14-HSB; both are now the one request form 14-HSB of QĐ 2222/QĐ-BHXH, whose "nội dung yêu cầu giải quyết"
# says which procedure it serves. The request is set from the procedure, as the procedure's rule requires.
OLD_REQUEST_FORMS = ("M14-HSB", "DN-CN")
REQUEST_FORM = "14-HSB"
REQUEST_OF_PROCEDURE = {"CN-1LAN": "HUONG_1_LAN", "CN-XNC": "DINH_CU", "CN-HUONGTIEP": "HUONG_TIEP",
                        "CN-DICHUYEN": "CHUYEN_NOI_HUONG", "CN-QD91": "QD91", "CN-QD52": "QD52"}


def _request_form(procedure: str, forms: Rows) -> list[Migration]:
    done = []
    for old in OLD_REQUEST_FORMS:
        rows = forms.pop(old, None)
        if rows is None:
            continue
        for row in rows:
            if procedure in REQUEST_OF_PROCEDURE and not str(row.get("NoiDungYeuCau") or "").strip():
                row["NoiDungYeuCau"] = REQUEST_OF_PROCEDURE[procedure]
        forms.setdefault(REQUEST_FORM, []).extend(rows)
        done.append(Migration("migrate.request_form", old, len(rows)))
    return done


# The one-time payout grounds of release 0.1.0 were those of Luật BHXH 58/2014 Art. 60 ("1".."4"). Under Luật
# 41/2024 Art. 70(1) three keep their meaning and get the new codes; "2" (pension age with under 20 years paid) has
# no counterpart (the new ground is fewer than 15 years): it is kept as it is, a retired code the validator
# refuses until the person chooses again. Never reinterpreted.
OLD_GROUNDS = {"1": "NGHI_12_THANG", "3": "DINH_CU", "4": "BENH_NANG"}
FLAGGED_GROUNDS = ("2",)


def _one_time_ground(procedure: str, forms: Rows) -> list[Migration]:
    mapped = flagged = 0
    for row in forms.get(REQUEST_FORM, ()):
        old = str(row.get("LyDo") or "").strip()
        if old in OLD_GROUNDS:
            row["LyDo"] = OLD_GROUNDS[old]
            mapped += 1
        elif old in FLAGGED_GROUNDS:
            flagged += 1
    return [Migration(code, REQUEST_FORM, n) for code, n in (("migrate.ground_mapped", mapped),
                                                              ("migrate.ground_flagged", flagged)) if n]


# Release 0.1.0 wrote 01B-HSB as one flat list with a part column (I new, II adjustments) and a per-row
# nop_giay of our invention. The list is now one record in four parts (OmDau, ThaiSan, DuongSuc, DieuChinh)
# with one dossier-level NopHoSoGiay. Part I rows go to the procedure's part, part II rows to DieuChinh; the
# kind of each case (loai) is not guessed, except that an adjustment in 630a adjusts a sickness case.
LIST_01B = "M01B-HSB"
PART_OF_PROCEDURE = {"630a": ("OmDau", "DC_OM_DAU"), "630b": ("ThaiSan", "DC_THAI_SAN"),
                     "630c": ("DuongSuc", "DC_DUONG_SUC")}
PARTS_01B = ("OmDau", "ThaiSan", "DuongSuc", "DieuChinh")


def _parts_01b(procedure: str, forms: Rows) -> list[Migration]:
    rows = forms.get(LIST_01B)
    if not rows or any(part in row for row in rows for part in PARTS_01B) or procedure not in PART_OF_PROCEDURE:
        return []
    part, adjusts = PART_OF_PROCEDURE[procedure]
    record: dict[str, Any] = {p: [] for p in PARTS_01B}
    papers = {str(row.get("nop_giay") or "").strip() for row in rows} - {""}
    for row in rows:
        row = dict(row)
        row.pop("nop_giay", None)
        if str(row.pop("phan", "") or "").strip() == "II":
            row.setdefault("loai", adjusts)
            record["DieuChinh"].append(row)
        else:
            record[part].append(row)
    done = [Migration("migrate.parts_01b", LIST_01B, len(rows))]
    if papers:
        record["NopHoSoGiay"] = "1" if "1" in papers else "0"
        if len(papers) > 1:
            done.append(Migration("migrate.paper_01b", LIST_01B, len(rows)))
    forms[LIST_01B] = [{k: v for k, v in record.items() if v != []}]
    return done


STEPS: tuple[Callable[[str, Rows], list[Migration]], ...] = (_wage_zone, _request_form, _one_time_ground,
                                                              _parts_01b)


def migrate(procedure: str, forms: Rows) -> list[Migration]:
    """Bring ``forms`` (changed in place) to today's catalog; the changes made, one per kind."""
    done: list[Migration] = []
    for step in STEPS:
        done += step(procedure, forms)
    return done
