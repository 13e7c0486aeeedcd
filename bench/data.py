"""Synthetic but valid procedure-600 drafts of any size, for benchmarks."""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests.conftest import example_dict

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Thu", "Hồng"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Lan", "Linh", "Long",
         "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]


def d02_rows(n: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        pa = rng.choice(["DC", "DC", "DC", "GH", "KL"])
        row = {
            "pa": pa, "Hoten": f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            "Masobhxh": f"{7900000000 + i:010d}", "Ngaysinh": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/"
            f"{rng.randint(1965, 2004)}", "Gioitinh": rng.choice("01"), "Cmnd": f"0791{i:08d}",
            "chucVu": rng.choice(["Công nhân", "Nhân viên", "Kỹ sư", "Tổ trưởng"]), "tuThang": "03/2026",
        }
        if pa == "DC":
            row.update(tienLuong=str(rng.randrange(5_400_000, 40_000_000, 1000)), maVungLTT="01",
                       phuCapLuong=str(rng.randrange(0, 2_000_000, 1000)), noiLamViec="Phường Sài Gòn")
        rows.append(row)
    return rows


def write_draft(path: Path, rows: int) -> Path:
    d = example_dict()
    d["forms"] = {"D02-TS": d02_rows(rows)}
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    return path
