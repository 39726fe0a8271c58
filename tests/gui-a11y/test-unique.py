#!/usr/bin/python3
"""A unique application: a second launch (a file opened from Files, `paramscope FILE` in a
terminal) hands its files to the running instance over D-Bus and exits; the recipe opens there, in
a window of that process. Two real processes in a session bus of their own, checked through the
accessibility tree. Usage: test-unique.py PATH/TO/paramscope"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a11y  # noqa: E402

APP_ID = "io.github.paramscope.Paramscope"
RECIPE = """{"format": "paramscope-recipe", "version": 1, "seed": 3, "root": "fc",
 "ops": [{"op": "module", "id": "fc", "type": "Linear", "args": {"in_features": 4, "out_features": 2}}]}"""


def frames(app):
    return [w.name for w in app.windows() if w.getRoleName() == "frame"]


def paramscope_apps(app):
    return [a for a in app.pyatspi.Registry.getDesktop(0) if a is not None and a.name == "paramscope"]


def run(binary, tap):
    app = a11y.App(binary)
    try:
        owner = subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus",
                                "--object-path", "/org/freedesktop/DBus", "--method",
                                "org.freedesktop.DBus.NameHasOwner", APP_ID],
                               capture_output=True, text=True, timeout=30 * a11y.SLOW)
        tap.ok("true" in owner.stdout, "the first instance owns %s on the session bus" % APP_ID)
        tap.ok(len(frames(app)) == 1, "one window at first: %s" % frames(app))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "second-launch.json")
            with open(path, "w") as f:
                f.write(RECIPE)
            env = dict(os.environ, GSETTINGS_BACKEND="memory", GDK_DEBUG="gl-disable", GSK_RENDERER="cairo",
                       GDK_BACKEND="x11")
            t0 = time.time()
            second = subprocess.run([binary, path], env=env, timeout=60 * a11y.SLOW)
            tap.ok(second.returncode == 0, "the second launch exits with status 0 (%d) after %.1f s"
                   % (second.returncode, time.time() - t0))
            app.wait_for(lambda: any("second-launch" in n for n in frames(app)), "the recipe's window")
            names = frames(app)
            tap.ok(len(names) == 2 and any("second-launch" in n for n in names),
                   "the recipe opened in a new window of the first instance: %s" % names)
            tap.ok(len(paramscope_apps(app)) == 1, "still one paramscope process on the accessibility bus")
            tap.ok(app.proc.poll() is None, "the first instance still runs")
            # its window actions are exported on the bus (GtkApplicationWindow)
            intro = subprocess.run(["gdbus", "introspect", "--session", "--dest", APP_ID, "--object-path",
                                    "/io/github/paramscope/Paramscope/window/2"], capture_output=True, text=True,
                                   timeout=30 * a11y.SLOW)
            tap.ok("org.gtk.Actions" in intro.stdout, "the new window's actions are exported over D-Bus")
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(a11y.main(run))
