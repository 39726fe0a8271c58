#!/usr/bin/python3
"""A stand-in for the app in the monkey's own tests of its start-up wait (tests/meson.build,
monkey-start-*): it starts slowly, then shows an X window and waits for SIGTERM, as the app does.
  SLOW_START=busy:S   runs on the CPU for S seconds of CPU time first (a start-up on a loaded machine)
  SLOW_START=hang     never shows a window and never runs (a start-up stuck on something)
It ignores its arguments (the monkey passes --demo)."""
import os
import signal
import sys
import time

from Xlib import X, display as xdisplay

mode = os.environ.get('SLOW_START', 'busy:0')
if mode == 'hang':
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    while True:
        time.sleep(3600)
if mode.startswith('busy:'):
    need = float(mode[5:])
    x = 0
    while time.process_time() < need:
        for i in range(10000):
            x += i
d = xdisplay.Display()
root = d.screen().root
w = root.create_window(10, 10, 200, 100, 0, d.screen().root_depth, X.InputOutput, X.CopyFromParent)
w.set_wm_name('slow start')
w.map()
d.sync()
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
while True:
    while d.pending_events():
        d.next_event()
    time.sleep(0.05)
