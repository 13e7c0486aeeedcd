#!/usr/bin/env bash
# Builds the Linux one-folder bundle: dist/bhxh-desk/bhxh-desk. One command, after the set-up command
# (bash installer/bootstrap.sh app or test), which made .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
py="${PYTHON:-.venv/bin/python}"
[ -x "$py" ] || { echo "run bash installer/bootstrap.sh app first" >&2; exit 2; }
"$py" -m pip install -q --disable-pip-version-check "pyinstaller>=6.5" "PySide6-Essentials>=6.6"
dist="${DIST:-dist}"
"$py" -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$dist" --workpath "${WORK:-build/pyinstaller}" \
  installer/bhxh-desk.spec
cp installer/linux/install-desktop.sh "$dist/bhxh-desk/"
echo "built: $dist/bhxh-desk/bhxh-desk  (try: $dist/bhxh-desk/bhxh-desk --selftest;"
echo "       $dist/bhxh-desk/install-desktop.sh adds it to the menu)"
