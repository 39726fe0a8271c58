#!/bin/sh
# Without a display every GUI test binary given as an argument must say so the way meson counts as
# SKIP under protocol 'tap': the plan "1..0 # SKIP <reason>" and exit status 0. (Under 'tap' meson
# reports a non-zero status as ERROR even after that plan: exit 77 is SKIP only for the 'exitcode'
# protocol; test-series-window and test-open-bad-recipes exited 77 and were ERROR in a headless run.)
# Each binary runs here with DISPLAY and WAYLAND_DISPLAY removed, so this check runs the same under
# Xvfb as without it. TAP out: one line a binary.
set -u
echo "1..$#"
n=0
rc=0
for bin in "$@"; do
  n=$((n + 1))
  out=$(env -u DISPLAY -u WAYLAND_DISPLAY GSETTINGS_BACKEND=memory "$bin" 2>&1)
  status=$?
  name=$(basename "$bin")
  if [ "$status" -eq 0 ] && printf '%s\n' "$out" | grep -q '^1\.\.0 # SKIP .'; then
    echo "ok $n $name: plan 1..0 with SKIP, exit status 0"
  else
    echo "not ok $n $name: exit $status, output:"
    printf '%s\n' "$out" | sed 's/^/# /'
    rc=1
  fi
done
exit $rc
