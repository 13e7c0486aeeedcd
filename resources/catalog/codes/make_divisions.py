"""Regenerates provinces.json, communes.json and nationality.json from well-kept public packages.

Run by hand when the administrative layout changes (``pip install vietnam-provinces pycountry`` first); the
app itself reads only the JSON. Sources: vietnam-provinces (the General Statistics Office's codes for the
34 provinces and their communes, in force since 1/7/2025) and pycountry (ISO 3166-1).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

VI_COUNTRY = {
    "VN": "Việt Nam", "CN": "Trung Quốc", "KR": "Hàn Quốc", "JP": "Nhật Bản", "TW": "Đài Loan",
    "US": "Hoa Kỳ", "LA": "Lào", "KH": "Campuchia", "TH": "Thái Lan", "SG": "Singapore",
    "MY": "Malaysia", "PH": "Philippines", "ID": "Indonesia", "IN": "Ấn Độ", "FR": "Pháp",
    "DE": "Đức", "GB": "Vương quốc Anh", "AU": "Úc", "RU": "Nga", "CA": "Canada", "HK": "Hồng Kông",
    "IT": "Ý", "NL": "Hà Lan", "MM": "Myanmar",
}


def dump(name: str, payload: dict) -> None:
    """One entry a line: small diffs when the layout changes."""
    entries = payload.pop("entries")
    head = json.dumps(payload, ensure_ascii=False)[:-1]
    lines = ",\n".join(json.dumps(e, ensure_ascii=False) for e in entries)
    (HERE / f"{name}.json").write_text(f'{head}, "entries": [\n{lines}\n]}}\n', encoding="utf-8")


def main() -> int:
    import pycountry
    import vietnam_provinces
    from vietnam_provinces import Province

    version = getattr(vietnam_provinces, "__version__", "")
    provinces, communes = [], []
    for p in sorted(Province.iter_all(), key=lambda p: int(p.code)):
        pcode = f"{int(p.code):02d}"
        provinces.append({"code": pcode, "vi": p.name})
    from vietnam_provinces import Ward

    for w in sorted(Ward.iter_all(), key=lambda w: int(w.code)):
        communes.append({"code": f"{int(w.code):05d}", "vi": w.name, "parent": f"{int(w.province_code):02d}"})
    src = f"Tổng cục Thống kê, via vietnam-provinces {version}; layout in force since 01/07/2025"
    dump("provinces", {"name": "provinces", "title_vi": "Tỉnh, thành phố", "title_en": "Province",
                       "source": src, "entries": provinces})
    dump("communes", {"name": "communes", "title_vi": "Xã, phường, đặc khu", "title_en": "Commune",
                      "source": src, "entries": communes})
    countries = [
        {"code": c.alpha_2, "vi": VI_COUNTRY.get(c.alpha_2, c.name), "en": c.name}
        for c in sorted(pycountry.countries, key=lambda c: (c.alpha_2 != "VN", c.alpha_2))
    ]
    dump("nationality", {"name": "nationality", "title_vi": "Quốc tịch", "title_en": "Nationality",
                         "source": "ISO 3166-1 alpha-2, via pycountry",
                         "entries": countries})
    print(f"{len(provinces)} provinces, {len(communes)} communes, {len(countries)} countries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
