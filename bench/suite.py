"""Every benchmark figure in one table. Run with ``bench/run``; nothing here asserts."""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys


def machine() -> str:
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass
    xmlsec = subprocess.run(["xmlsec1", "--version"], capture_output=True, text=True).stdout.strip()
    import os

    return (f"{platform.node()}: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, {xmlsec}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="bhxh-desk benchmarks")
    parser.add_argument("--quick", action="store_true", help="100 and 10,000 rows only")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    from bench import batch, editor, excel, signing, window

    sizes = (100, 10_000) if args.quick else (100, 10_000, 100_000)
    print(f"Machine: {machine()}")
    print()
    print("Start-up (offscreen Qt platform, and one row on Xvfb)")
    print(window.table(args.repeat))
    print()
    print("Editing (offscreen Qt platform)")
    print(editor.table())
    print()
    print(f"Signing (whole processes, median of {args.repeat} runs; xmlsec1 --sign and 'built here' take turns, "
          f"{2 * args.repeat + 1} runs each; 100,000 rows: one run)")
    print(signing.table(signing.run(sizes, args.repeat)))
    print()
    print("Batch")
    print(batch.table(100 if args.quick else 500))
    print()
    print("Excel import at its limits (whole processes)")
    print(excel.table())
    print()
    print("The office store (PostgreSQL on 127.0.0.1) against the file, medians")
    from bench import office

    print(office.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
