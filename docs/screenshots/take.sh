#!/usr/bin/env bash
# Takes the README's screenshots under Xvfb (Debian package xvfb), with the app in test mode.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=.venv/bin/python
[ -x "$py" ] || py=python3
exec xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb "$py" docs/screenshots/take.py
