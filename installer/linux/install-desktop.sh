#!/bin/sh
# Adds this bundle of bhxh-desk to the desktop menu of the user who runs it (a .desktop entry and icons
# in ~/.local/share); `install-desktop.sh --uninstall` removes them. It runs the bundle's own
# `bhxh-desk install-desktop`, which pip users run the same way.
set -e
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/bhxh-desk" install-desktop "$@"
