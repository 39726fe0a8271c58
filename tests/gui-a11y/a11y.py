"""Drive Paramscope the way a user does: real key events (XTest through xdotool) in, the
accessibility tree (AT-SPI through pyatspi) out. Shared by the tests in this folder."""
import os
import shutil
import subprocess
import sys
import time

# Under the sanitizers the app runs several times slower: every pause and time limit here is scaled by
# PS_A11Y_SLOW (tests/meson.build sets it for a sanitized build), so keys never reach a dialog that
# is not there yet and no wait gives up early. Not a speed test: nothing asserts a duration.
SLOW = max(1.0, float(os.environ.get("PS_A11Y_SLOW", "1")))


def pause(seconds):
    time.sleep(seconds * SLOW)

SKIP = 77


class Skip(Exception):
    pass


def need_tools():
    if not os.environ.get("DISPLAY"):
        raise Skip("no display (run under xvfb-run)")
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        raise Skip("no session bus (run under dbus-run-session)")
    for tool in ("xdotool", "openbox"):
        if shutil.which(tool) is None:
            raise Skip(tool + " is not installed (build-aux/deps lists it)")
    try:
        import pyatspi  # noqa: F401
    except ImportError:
        raise Skip("python3-pyatspi is not installed")


class App:
    """One Paramscope process (and a window manager, so key events reach the focused window)."""

    def __init__(self, binary, *args):
        import pyatspi
        self.pyatspi = pyatspi
        self.actions = 0
        self.wm = subprocess.Popen(["openbox", "--sm-disable"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pause(0.5)
        env = dict(os.environ, GSETTINGS_BACKEND="memory", GDK_DEBUG="gl-disable", GSK_RENDERER="cairo",
                   GDK_BACKEND="x11")
        env.pop("NO_AT_BRIDGE", None)
        wrap = ["gdb", "-q", "-batch", "-ex", "run", "-ex", "bt", "--args"] if os.environ.get("PS_A11Y_GDB") else []
        self.proc = subprocess.Popen(wrap + [binary] + list(args), env=env)
        self.app = None
        deadline = time.time() + 30 * SLOW
        while time.time() < deadline and self.app is None:
            for a in pyatspi.Registry.getDesktop(0):
                if a is not None and a.name == "paramscope":
                    self.app = a
            pause(0.1)
        if self.app is None:
            self.close()
            raise Skip("the accessibility bus does not list the app (at-spi unavailable)")
        self.wait_for(lambda: self.main_window() is not None, "the main window")
        pause(0.5)

    def close(self):
        for p in (self.proc, self.wm):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()

    # ---- input: what a user does (each call counts as one action) ----
    def key(self, *keys):
        """Key chords as xdotool names them: "ctrl+l", "Return", "Tab"."""
        for k in keys:
            subprocess.run(["xdotool", "key", "--delay", "60", k], check=True)
            self.actions += 1
            pause(0.25)

    def type(self, text):
        subprocess.run(["xdotool", "type", "--delay", "40", text], check=True)
        self.actions += 1
        pause(0.25)

    # ---- output: the accessibility tree ----
    def windows(self):
        return [w for w in self.app if w is not None]

    def main_window(self):
        for w in self.windows():
            if w.getRoleName() == "frame" and w.name.endswith("Paramscope"):
                return w
        return None

    def dialog(self, name=None):
        for w in self.windows():
            if w.getRoleName() == "dialog" and (name is None or w.name == name):
                return w
        return None

    def wait_for(self, cond, what, timeout=15):
        deadline = time.time() + timeout * SLOW
        while time.time() < deadline:
            try:
                v = cond()
            except Exception:
                v = None
            if v:
                return v
            pause(0.1)
        raise AssertionError("timed out waiting for " + what)

    def wait_dialog(self, name):
        try:
            return self.wait_for(lambda: self.dialog(name), "the dialog “%s”" % name)
        except AssertionError as e:
            shown = ", ".join("%s %r" % (w.getRoleName(), w.name) for w in self.windows())
            raise AssertionError("%s (windows: %s)" % (e, shown))

    def choose(self, mnemonic, text):
        """Pick an item of a searchable drop-down by keyboard: its mnemonic opens the list,
        Shift+Tab reaches the search field, typing filters, Down + Return picks."""
        self.key(mnemonic, "shift+Tab")
        self.type(text)
        self.key("Down", "Return")

    def wait_no_dialog(self):
        self.wait_for(lambda: self.dialog() is None, "the dialog to close")


def walk(node, showing_only=True):
    """Every accessible below node (depth first), optionally only those on screen."""
    import pyatspi
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None:
            continue
        try:
            states = n.getState()
            # GTK 4.8 sets VISIBLE (not SHOWING) on what is mapped
            if showing_only and n is not node and not states.contains(pyatspi.STATE_VISIBLE):
                continue
            children = list(n)
        except Exception:
            continue
        yield n
        stack.extend(reversed(children))


def find(node, role, name=None, contains=None):
    for n in walk(node):
        try:
            if n.getRoleName() == role and (name is None or n.name == name) and (contains is None or contains in n.name):
                return n
        except Exception:
            continue
    return None


def name_of(n):
    try:
        return n.name
    except Exception:   # the widget went away while we looked (the tree is rebuilt on changes)
        return ""


def texts(node):
    """The names of every label, cell and image shown below node, in order."""
    return [t for t in (name_of(n) for n in walk(node)) if t]


# Controls a user needs: a name is mandatory, and a GTK class name does not count as one.
NEEDS_NAME = ("push button", "toggle button", "combo box", "slider", "spin button", "text", "image",
              "check box", "radio button", "menu button", "tree table", "list")


def unnamed_controls(node):
    bad = []
    for n in walk(node):
        role = n.getRoleName()
        if role not in NEEDS_NAME:
            continue
        # Parts of a composite control belong to it and are named through it: a GtkDropDown's
        # button and list (combo box), a GtkColumnView's inner list (tree table), the icon inside
        # a named button (AdwViewSwitcher's page buttons).
        parent = n.parent
        part_of = False
        while parent is not None and parent is not node:
            prole = parent.getRoleName()
            if prole in ("combo box", "tree table") or (prole in ("push button", "toggle button", "radio button", "page tab")
                                                       and parent.name and not parent.name.startswith("Gtk")):
                part_of = True
                break
            parent = parent.parent
        if part_of:
            continue
        if not n.name or n.name.startswith("Gtk") or n.name.startswith("Adw") or n.name.startswith("Ps"):
            chain = []
            p = n.parent
            while p is not None and p is not node and len(chain) < 4:
                chain.append("%s:%s" % (p.getRoleName(), p.name))
                p = p.parent
            bad.append("%s %r (in %s)" % (role, n.name, " < ".join(chain)))
    return bad


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what):
        self.n += 1
        print(("ok %d - %s" if cond else "not ok %d - %s") % (self.n, what), flush=True)
        if not cond:
            self.failed += 1
        return cond

    def done(self):
        print("1..%d" % self.n)
        return 1 if self.failed else 0


def private_session():
    """Re-run this script in a session bus of its own with a private runtime directory: the
    accessibility bus socket then cannot be shared with (or removed by) another session."""
    if os.environ.get("PS_A11Y_PRIVATE") or shutil.which("dbus-run-session") is None:
        return
    import tempfile
    runtime = tempfile.mkdtemp(prefix="ps-a11y-")
    os.chmod(runtime, 0o700)
    env = dict(os.environ, PS_A11Y_PRIVATE="1", XDG_RUNTIME_DIR=runtime)
    # the session's daemons (at-spi registry) print to the same stdout: pass on only TAP lines
    child = subprocess.Popen(["dbus-run-session", "--", sys.executable] + sys.argv, env=env,
                             stdout=subprocess.PIPE, text=True)
    for line in child.stdout:
        if line.startswith(("ok ", "not ok ", "1..", "#")):
            print(line, end="", flush=True)
        else:
            sys.stderr.write(line)
    child.wait()
    shutil.rmtree(runtime, ignore_errors=True)
    sys.exit(child.returncode)


def main(run):
    """run(binary, tap) → None; SKIPs honestly when the environment cannot run it (before any
    test ran; afterwards a missing app is a failure)."""
    private_session()
    binary = sys.argv[1]
    tap = Tap()
    try:
        need_tools()
        run(binary, tap)
    except Skip as e:
        if tap.n == 0:
            print("1..0 # SKIP %s" % e)
            return 0
        tap.ok(False, "the app vanished from the accessibility bus: %s" % e)
    except AssertionError as e:
        tap.ok(False, str(e))
    return tap.done()
