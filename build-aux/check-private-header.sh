#!/bin/sh
# check-private-header.sh — keeps DESIGN.md's "GTK files thin, one concept per file" true for the main
# window: PsWindow's fields and helpers (src/app/ps-window-private.h) are its own files' business
# (src/app/ps-window*.c); the application, the drop target and every other source use the public
# API (ps-window.h, ps-application.h). Tests may look inside (white-box) and are not checked.
# Usage: check-private-header.sh [SOURCE_ROOT]; fails (exit 1, naming file:line) on an include
# elsewhere under src/. The meson test `private-header` runs it; `private-header-finds` runs it on
# tests/data/private-header/planted, which must fail.
set -eu

top=${1:-.}
cd "$top"
[ -d src ] || { echo "check-private-header: no src/ under $top"; exit 1; }
found=$(grep -rn --include='*.c' --include='*.h' '#include *"ps-window-private\.h"' src \
        | grep -v '^src/app/ps-window[^/]*\.[ch]:' || true)
if [ -n "$found" ]; then
  echo "ps-window-private.h included outside src/app/ps-window*.c (use ps-window.h or ps-application.h):"
  echo "$found"
  exit 1
fi
echo "ps-window-private.h: only the main window's own files include it"
