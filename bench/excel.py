"""Excel import at its limits, as whole ``bhxh-desk import`` processes: the refusal of a sheet of 1,048,576 rows
(Excel's most; issue 18 once saw a minute and 1.85 GB for it; targets under 5 s and 200 MB), and the import of a
sheet at the limit itself (forms.excel.MAX_ROWS rows).

The sheets are written here, straight as XML (openpyxl would take minutes), and cached in the system's temp
folder under ``bhxh-bench-excel/``: they are never part of the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from bench.measure import GNU_TIME, Run

CACHE = Path(tempfile.gettempdir()) / "bhxh-bench-excel"
EXCEL_ROWS = 1_048_576

_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/>'
         '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Họ và tên</t></is></c>'
         '<c r="B1" t="inlineStr"><is><t>Mã số BHXH</t></is></c><c r="C1" t="inlineStr"><is><t>Phương án</t></is>'
         '</c></row>')
_TAIL = "</sheetData></worksheet>"


def sheet(rows: int) -> Path:
    """A D02-TS sheet of ``rows`` rows (its header included), one person a row, whose dimension tag says A1: the
    importer must count for itself. Cells carry no reference (it is optional) and names repeat, so that the file
    stays under the 20 MB file limit and the unpacked size under its own: the refusal is the row count's, not the
    file size's. Written once, then reused."""
    path = CACHE / f"d02-{rows}.xlsx"
    if path.exists():
        return path
    from openpyxl import Workbook

    CACHE.mkdir(parents=True, exist_ok=True)
    skeleton = CACHE / "skeleton.xlsx"
    wb = Workbook()
    wb.active.title = "D02-TS"
    wb.save(skeleton)
    part = path.with_suffix(".part")
    with zipfile.ZipFile(skeleton) as src, zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item.filename, src.read(item.filename))
        with dst.open("xl/worksheets/sheet1.xml", "w") as out:
            out.write(_HEAD.encode())
            chunk: list[str] = []
            for r in range(2, rows + 1):
                chunk.append(f'<row r="{r}"><c t="inlineStr"><is><t>Nguyễn Văn {r % 1000}</t></is></c>'
                             f'<c><v>{7900000000 + r}</v></c><c t="inlineStr"><is><t>TM</t></is></c></row>')
                if len(chunk) == 10_000:
                    out.write("".join(chunk).encode())
                    chunk.clear()
            out.write(("".join(chunk) + _TAIL).encode())
    skeleton.unlink()
    part.replace(path)
    return path


def measure(path: Path, expect_refusal: bool) -> tuple[Run, str]:
    """Wall time and peak RSS (GNU time's %M) of ``bhxh-desk import``, and the last line it printed on stderr."""
    cmd = [sys.executable, "-m", "bhxh_desk.app", "import", str(path), "--form", "D02-TS"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "BHXH_DESK_LANG": "en"}
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        wrapped = [GNU_TIME, "-f", "%M", "-o", report.name, *cmd] if GNU_TIME else cmd
        started = time.perf_counter()
        proc = subprocess.run(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        seconds = time.perf_counter() - started
        peak_kb = float(report.read().strip().splitlines()[-1]) if GNU_TIME else float("nan")
    last = (proc.stderr.strip().splitlines() or [""])[-1]
    if (proc.returncode != 0) != expect_refusal or "Traceback" in proc.stderr:
        raise RuntimeError(f"import {path.name}: exit {proc.returncode}: {proc.stderr[-500:]}")
    return Run(seconds=seconds, peak_mb=peak_kb / 1024), last


def table() -> str:
    from bhxh_desk.forms.excel import MAX_ROWS

    lines = [f"{'case':<46} {'seconds':>8} {'peak MB':>8}  answer"]
    started = time.perf_counter()
    big = sheet(EXCEL_ROWS)
    made = time.perf_counter() - started
    run, answer = measure(big, expect_refusal=True)
    lines.append(f"{f'refuse {EXCEL_ROWS:,} rows ({big.stat().st_size / 2**20:.1f} MB file)':<46} "
                 f"{run.seconds:>8.2f} {run.peak_mb:>8.0f}  {answer[:70]}")
    at_limit = sheet(MAX_ROWS + 1)            # the header and MAX_ROWS rows of data
    run, _ = measure(at_limit, expect_refusal=False)
    lines.append(f"{f'import {MAX_ROWS:,} rows (the limit)':<46} {run.seconds:>8.2f} {run.peak_mb:>8.0f}  "
                 f"accepted")
    lines.append(f"(targets for the refusal: under 5 s and 200 MB; sheets cached in {CACHE}"
                 + (f", written in {made:.0f} s" if made > 1 else "") + ")")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
