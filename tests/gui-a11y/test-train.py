#!/usr/bin/python3
"""The Train dialog as a keyboard and screen-reader user meets it: opened with Ctrl+Shift+T on the
XOR scenario, every field named, filled by mnemonics (30 steps, every step recorded, SGD's arguments typed), run
with Enter; the Training page then says the run's sub-steps and its view describes the last one;
the main timeline's Sub-step slider (Alt+U, Home) shows the new run's first sub-step on the loss
curve's axis; the page's Contact Sheet dialog (Alt+C) and Export Over Sub-steps dialog (Alt+P) are
dialogs to a screen reader and close on Escape; the Contact Sheet has named fields reached by
mnemonics, says a bad list and opens the file chooser for a good one. Real key events in (xdotool), the AT-SPI tree
out (pyatspi).
Usage: test-train.py PATH/TO/paramscope"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a11y  # noqa: E402
from a11y import find, texts, unnamed_controls  # noqa: E402

RECIPE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "train-xor.json")


def shown(app, part):
    return [s for s in texts(app.main_window()) if part in s]


def window_named(app, name):
    return next((w for w in app.windows() if w.name == name), None)


def run(binary, tap):
    app = a11y.App(binary, os.path.abspath(RECIPE))
    try:
        app.wait_for(lambda: "train-xor" in app.main_window().name, "the XOR scenario to open")
        app.key("ctrl+shift+t")
        d = app.wait_dialog("Train")
        bad = unnamed_controls(d)
        tap.ok(not bad, "every field of the Train dialog has an accessible name" + (": missing " + ", ".join(bad) if bad else ""))
        app.key("alt+c", "ctrl+a")
        app.type("30")                            # Count: 30 optimizer steps
        app.key("alt+v", "ctrl+a")
        app.type("1")                             # Record every 1
        args = find(d, "text", "Optimizer arguments")
        tap.ok(args is not None, "the optimizer's arguments field is named")
        app.key("alt+r", "ctrl+a")
        app.type("lr=0.05, momentum=0.5")         # SGD's arguments, typed as in Python
        app.key("Return")                         # from a text field, Enter trains
        app.wait_no_dialog()
        status = app.wait_for(lambda: shown(app, "50 recorded sub-steps"), "the run to finish", timeout=120)
        tap.ok(bool(status), "the Training page counts the run's sub-steps: " + status[0])
        view = app.wait_for(lambda: find(app.main_window(), "image", "Training view"), "the Training view")
        desc = app.wait_for(lambda: "Sub-step 50 of 50" in view.description and view.description,
                            "the view to describe the last sub-step")
        tap.ok("optimizer step 30 of its run" in desc and "lr 0.05" in desc,
               "the Training view describes the last sub-step: " + desc)
        slider = find(app.main_window(), "slider", contains="Sub-step")
        tap.ok(slider is not None, "the main timeline offers the train step's sub-steps")
        app.key("alt+u", "Home")
        first = app.wait_for(lambda: shown(app, "Sub-step 1 of 30"), "the first sub-step")
        tap.ok("training step 21 (optimizer step 1 of its run)" in first[0],
               "the main timeline's first sub-step counts on the loss curve's axis: " + first[0])
        # the Training page's Contact Sheet… (Alt+C): a window of its own, its two fields named and
        # reached by their mnemonics; a bad list is said in it, a good one leads to the file chooser
        # both of the page's dialogs are announced as dialogs, and Escape closes them
        for mnemonic, title in (("alt+p", "Export Over Sub-steps"), ("alt+c", "Contact Sheet of Sub-steps")):
            app.key(mnemonic)
            dlg = app.wait_for(lambda: window_named(app, title), "the %s dialog" % title)
            tap.ok(dlg.getRoleName() == "dialog", "the %s window is a dialog to screen readers (role %s)"
                   % (title, dlg.getRoleName()))
            app.key("Escape")
            gone = app.wait_for(lambda: window_named(app, title) is None, "Escape to close the %s dialog" % title)
            tap.ok(gone, "Escape closes the %s dialog" % title)
        app.key("alt+c")
        sheet = app.wait_for(lambda: window_named(app, "Contact Sheet of Sub-steps"), "the Contact Sheet dialog")
        bad = unnamed_controls(sheet)
        tap.ok(not bad, "every field of the Contact Sheet dialog has an accessible name" + (": missing " + ", ".join(bad) if bad else ""))
        steps = find(sheet, "text", "Sub-steps")
        columns = find(sheet, "spin button", "Columns")
        tap.ok(steps is not None and columns is not None, "the Contact Sheet's fields are named Sub-steps and Columns")
        app.key("alt+s", "ctrl+a")
        app.type("0, 5")
        app.key("Return")                         # Enter in the list is Choose File
        note = app.wait_for(lambda: [t for t in texts(sheet) if "does not exist" in t], "the bad list to be said")
        tap.ok("sub-step 0 does not exist (they are 1 to 50)" in note[0], "a bad list is said in the dialog: " + note[0])
        app.key("alt+u", "ctrl+a")
        app.type("2")
        app.key("alt+s", "ctrl+a")
        app.type("1, last")
        app.key("Return")
        chooser = app.wait_for(lambda: window_named(app, "Export Contact Sheet"), "the file chooser")
        tap.ok(chooser is not None and window_named(app, "Contact Sheet of Sub-steps") is None,
               "a good list closes the dialog and asks where to write")
        app.key("Escape")
        app.wait_for(lambda: window_named(app, "Export Contact Sheet") is None, "the file chooser to close")
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(a11y.main(run))
