#!/usr/bin/env bash
# One-step set-up on a fresh Debian 12 (or Ubuntu) machine with Python 3.11+.
#
#   bash installer/bootstrap.sh app    install what the app needs, then start it
#   bash installer/bootstrap.sh test   install what the tests need, then run the whole suite
#
# It installs the Debian packages it needs (with sudo when not root), makes a virtual environment in
# .venv and installs bhxh-desk into it in editable mode. Running it again is quick: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-app}"
shift || true

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi

common_pkgs="python3 python3-venv python3-pip softhsm2 opensc"
# What Qt's window needs on a minimal system (README.md lists them for pip users too).
qt_pkgs="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 fonts-dejavu-core \
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0"
case "$mode" in
  app)  pkgs="$common_pkgs $qt_pkgs gnome-keyring"; extras="" ;;
  # The tests open real windows (Xvfb, openbox, xdotool; imagemagick's import takes the screenshot), check the
  # desktop entry and sign with xmlsec1.
  # gcc, libc6-dev: the PIN-state tests compile tests/pkcs11_pin_shim.c, a retry counter over SoftHSM2.
  # postgresql: the office store's tests start a throwaway cluster of it on 127.0.0.1 (tests/postgres.py:
  # initdb + pg_ctl into a temporary folder, as the postgres user when run as root) and create a test database.
  test) pkgs="$common_pkgs $qt_pkgs xmlsec1 libxml2-utils time xvfb openbox xdotool x11-utils \
desktop-file-utils poppler-utils imagemagick postgresql gcc libc6-dev"; extras="[test]" ;;
  *) echo "usage: bash installer/bootstrap.sh app|test" >&2; exit 2 ;;
esac

if command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "bootstrap: installing Debian packages:$missing"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
else
  echo "bootstrap: no apt-get here; install these yourself: $pkgs" >&2
fi

python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"

case "$mode" in
  app)
    exec .venv/bin/bhxh-desk "$@"          # no command: the window (or, with no display, why not and the help)
    ;;
  test)
    .venv/bin/ruff check .
    QT_QPA_PLATFORM=offscreen exec .venv/bin/python -m pytest "$@"
    ;;
esac
