#!/usr/bin/python3
"""The seed article's three examples built by hand from an empty window, through real key events
only, checked through the accessibility tree — the way a keyboard or screen-reader user meets the
app; answers the unsaved-changes prompt and exports a picture through the file chooser. Fails if a
control it needs has no accessible name. Counts the user actions (key chords and
typed texts) each example takes through the PyTorch line and asserts the article's example 2 takes
at most 12; example 2 is also built through the dialogs (Add Layer, Initialize, Forward).
Usage: test-build-examples.py PATH/TO/paramscope"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a11y  # noqa: E402
from a11y import find, texts, unnamed_controls  # noqa: E402


def add_linear(app, ident, n_in, n_out):
    app.key("ctrl+l")
    app.wait_dialog("Add a Layer")
    app.key("alt+i")
    app.type(ident)
    app.key("Tab", "Tab")          # Name in parent → in_features
    app.type(n_in)
    app.key("Tab")
    app.type(n_out)
    app.key("Return")              # Enter applies
    app.wait_no_dialog()


def add_sequential(app, children, class_name=None):
    app.key("ctrl+l")
    app.wait_dialog("Add a Layer")
    app.choose("alt+t", "Sequential")
    if class_name:
        app.key("alt+c")
        app.type(class_name)
    app.key("alt+h")
    app.type(children)
    app.key("Return")
    app.wait_no_dialog()


def forward(app):
    app.key("ctrl+f")
    app.wait_dialog("Forward Pass")
    app.key("Return")
    app.wait_no_dialog()


def pytorch(app, *lines):
    """The PyTorch line under the tree: Ctrl+K goes there, each line is typed and Enter applies it
    (two actions a line; the focus stays for the next). Waits until each line was taken (the
    field empties) before typing the next."""
    app.key("ctrl+k")
    for line in lines:
        app.type(line)
        app.key("Return")
        app.wait_for(lambda: entry_text(app) == "", "“%s” to be applied" % line, timeout=60)


def entry_text(app):
    e = find(app.main_window(), "text", "PyTorch")
    if e is None:
        return None
    t = e.queryText()
    return t.getText(0, t.characterCount)


def tree_text(app):
    return texts(find(app.main_window(), "tree table", "Model"))


def names(binary, tap):
    app = a11y.App(binary, "--demo")
    try:
        bad = unnamed_controls(app.main_window())
        tap.ok(not bad, "every control of the main window has an accessible name" + (": missing " + ", ".join(bad) if bad else ""))
        for keys, title in (("ctrl+l", "Add a Layer"), ("ctrl+shift+i", "Initialize"), ("ctrl+f", "Forward Pass"),
                            ("ctrl+e", "Export Picture")):
            app.key(keys)
            d = app.wait_dialog(title)
            bad = unnamed_controls(d)
            tap.ok(not bad, "every field of “%s” has an accessible name" % title + (": missing " + ", ".join(bad) if bad else ""))
            app.key("Escape")
            app.wait_no_dialog()
        # Enter in the Export dialog's Width field (a spin button) applies it: the file chooser opens
        app.key("ctrl+e")
        d = app.wait_dialog("Export Picture")
        app.key("alt+w", "Return")
        chooser = app.wait_for(lambda: [w for w in app.windows() if w.name == "Export Picture (PNG, SVG or PDF)"],
                               "the file chooser after Enter (windows: %s)"
                               % [(w.getRoleName(), w.name) for w in app.windows()])
        tap.ok(chooser is not None, "Enter in the Export dialog's Width field opens the file chooser")
        app.key("Escape")
        app.wait_no_dialog()
        plot = find(app.main_window(), "image", contains="Heatmap of")
        tap.ok(plot is not None and "shape [16, 4]" in plot.description,
               "the heatmap is an image named by what it shows, described by its numbers")
    finally:
        app.close()


def example_1(binary, tap):
    app = a11y.App(binary)
    try:
        app.actions = 0
        app.key("ctrl+n")
        pytorch(app, "fc = nn.Linear(10, 5)")
        n = app.actions
        t = tree_text(app)
        tap.ok("fc" in t and "[5, 10]" in t and "[5]" in t,
               "example 1: fc = nn.Linear(10, 5) has its weight [5, 10] and bias [5] right after construction")
        plot = find(app.main_window(), "image", "Heatmap of fc.weight")
        tap.ok(plot is not None and "shape [5, 10]" in plot.description, "example 1: the heatmap shows fc.weight")
        print("# example 1 took %d actions" % n)
        tap.ok(n <= 4, "example 1 takes %d actions (at most 4: Ctrl+N, Ctrl+K, the line, Enter)" % n)
        # a typo is refused with a message naming it, the text stays to be fixed, nothing changes
        app.type("fc2 = nn.Linaer(5, 2)")
        app.key("Return")
        err = app.wait_for(lambda: find(app.main_window(), "label", contains="nn.Linaer is not a layer"), "the error")
        tap.ok(err is not None and "fc2" not in tree_text(app) and entry_text(app) == "fc2 = nn.Linaer(5, 2)",
               "example 1: a mistyped layer is refused by name and changes nothing: " + err.name)
    finally:
        app.close()


def example_2(binary, tap):
    """The article's example 2 in at most 12 actions: five typed lines, the loop as one step."""
    app = a11y.App(binary)
    try:
        app.actions = 0
        app.key("ctrl+n")
        pytorch(app, "linear1 = nn.Linear(10, 5)", "linear2 = nn.Linear(5, 2)")
        t = tree_text(app)
        tap.ok("Not in the model" in t and "linear1" in t and "linear2" in t,
               "example 2: linear1 and linear2 are visible before the model exists")
        # the layer just typed is selected: its weights are shown (it used to stay on linear1.weight)
        plot = app.wait_for(lambda: find(app.main_window(), "image", "Heatmap of linear2.weight"),
                            "linear2.weight selected after its line")
        tap.ok(plot is not None and "shape [2, 5]" in plot.description,
               "example 2: the layer typed last (linear2) is selected, its weight [2, 5] shown")
        app.type("model = CustomModel(linear1, linear2)")
        app.key("Return")
        t = app.wait_for(lambda: [x for x in tree_text(app) if x == "CustomModel"] and tree_text(app), "CustomModel")
        tap.ok("CustomModel" in t and "Not in the model" not in t, "example 2: CustomModel holds both layers")
        app.type("for m in model.modules(): if isinstance(m, nn.Linear): "
                 "nn.init.xavier_uniform_(m.weight); nn.init.zeros_(m.bias)")
        app.key("Return")
        story = app.wait_for(lambda: [s for s in texts(app.main_window()) if "init loop over" in s],
                             "the story of the init step")
        tap.ok(any("xavier_uniform_" in s and "zeros_" in s for s in story),
               "example 2: the init loop over model.modules() is one step")
        app.type("y = model(torch.randn(1, 10))")
        app.key("Return")
        app.wait_for(lambda: find(app.main_window(), "image", "Heatmap of y"), "the output y", timeout=60)
        n = app.actions
        plot = find(app.main_window(), "image", "Heatmap of y")
        tap.ok("shape [1, 2]" in plot.description, "example 2: y = model(torch.randn(1, 10)) has shape [1, 2]")
        print("# example 2 took %d actions" % n)
        tap.ok(n <= 12, "example 2 takes %d actions from an empty window (at most 12)" % n)
        # one line is one undo step: Ctrl+Z takes back the forward, then the whole loop
        app.key("ctrl+z")
        app.wait_for(lambda: "y" not in tree_text(app), "the forward to be undone")
        app.key("ctrl+z")
        app.wait_for(lambda: not [s for s in texts(app.main_window()) if "init loop over" in s and "zeros_" in s]
                     or None, "the loop to be undone")
        t = tree_text(app)
        tap.ok("CustomModel" in t and "linear2" in t, "example 2: each typed line is one undo step (the loop went as a whole)")
    finally:
        app.close()


def example_2_dialogs(binary, tap):
    """The same example through the dialogs (Add Layer, Initialize, Forward): mnemonics, Enter applies."""
    app = a11y.App(binary)
    try:
        app.actions = 0
        app.key("ctrl+n")
        add_linear(app, "linear1", "10", "5")
        add_linear(app, "linear2", "5", "2")
        add_sequential(app, "linear1, linear2", "CustomModel")
        t = app.wait_for(lambda: [x for x in tree_text(app) if x == "CustomModel"] and tree_text(app), "CustomModel")
        tap.ok("CustomModel" in t and "Not in the model" not in t, "example 2 by dialogs: CustomModel holds both layers")
        app.key("ctrl+shift+i")
        app.wait_dialog("Initialize")
        app.choose("alt+f", "xavier_uniform")
        app.key("alt+b", "Down", "Return")     # Biases: zeros_
        app.key("alt+m", "Return")             # from a text field, Enter applies
        app.wait_no_dialog()
        story = app.wait_for(lambda: [s for s in texts(app.main_window()) if "init loop over" in s],
                             "the story of the init step")
        tap.ok(any("xavier_uniform_" in s for s in story), "example 2 by dialogs: the init loop is one step")
        forward(app)
        app.wait_for(lambda: find(app.main_window(), "image", "Heatmap of y"), "the output y")
        plot = find(app.main_window(), "image", "Heatmap of y")
        tap.ok("shape [1, 2]" in plot.description, "example 2 by dialogs: y has shape [1, 2]")
        print("# example 2 by dialogs took %d actions" % app.actions)
    finally:
        app.close()


def example_3(binary, tap):
    app = a11y.App(binary)
    try:
        app.actions = 0
        app.key("ctrl+n")
        pytorch(app, "l = nn.Linear(10, 5)", "model = nn.Sequential(l, l)")
        t = tree_text(app)
        tap.ok(sum(1 for s in t if s == "shared ×2") >= 2, "example 3: nn.Sequential(l, l) shows l shared at two places")
        app.type("y = model(torch.randn(1, 10))")
        app.key("Return")
        err = app.wait_for(lambda: find(app.main_window(), "label", contains="mat1 and mat2"), "the error banner")
        n = app.actions
        tap.ok(err.name.startswith("Step 3: ") and "(1x5 and 10x5)" in err.name,
               "example 3: the forward fails as in PyTorch, counted as step 3: " + err.name)
        print("# example 3 took %d actions" % n)
        tap.ok(n <= 8, "example 3 takes %d actions (at most 8)" % n)
    finally:
        app.close()


def heatmap(app):
    return find(app.main_window(), "image", contains="Heatmap of")


def zoom_and_pan(binary, tap):
    """Ctrl+scroll over the heatmap zooms (the plot's description says so), a drag pans, a
    double-click and Ctrl+0 show it whole again, another tensor starts whole — real pointer and
    key events through XTest, the state read from the accessibility tree."""
    import subprocess
    app = a11y.App(binary, "--demo")
    try:
        # GTK 4.8 reports positions in window coordinates only: the window goes to the screen's origin
        subprocess.run(["xdotool", "getactivewindow", "windowmove", "--sync", "0", "0"], check=True)
        a11y.pause(0.5)
        plot = heatmap(app)
        ext = plot.queryComponent().getExtents(1)
        cx, cy = ext.x + ext.width // 2, ext.y + ext.height // 2

        def zoomed():
            p = heatmap(app)
            return p is not None and "zoomed" in p.description and p.description

        def whole():
            p = heatmap(app)
            return p is not None and "shape" in p.description and "zoomed" not in p.description

        def ctrl_scroll(button, times):
            subprocess.run(["xdotool", "mousemove", str(cx), str(cy), "keydown", "ctrl"], check=True)
            for _ in range(times):
                subprocess.run(["xdotool", "click", button], check=True)
                a11y.pause(0.1)
            subprocess.run(["xdotool", "keyup", "ctrl"], check=True)
            app.actions += 1

        ctrl_scroll("4", 3)
        d = app.wait_for(zoomed, "the heatmap to be zoomed")
        tap.ok("zoomed 1.5×" in d and "shape [16, 4]" in d, "Ctrl+scroll zooms the heatmap: " + d)
        subprocess.run(["xdotool", "mousedown", "1", "mousemove_relative", "--", "-60", "-30", "mouseup", "1"],
                       check=True)
        a11y.pause(0.5)
        tap.ok(zoomed(), "a drag pans and stays zoomed")
        subprocess.run(["xdotool", "mousemove", str(cx), str(cy), "click", "--repeat", "2", "--delay", "80", "1"], check=True)
        tap.ok(app.wait_for(whole, "a double-click to show the whole heatmap") is True, "a double-click shows it whole")
        ctrl_scroll("4", 5)
        app.wait_for(zoomed, "the heatmap to be zoomed again")
        app.key("ctrl+0")
        tap.ok(app.wait_for(whole, "Ctrl+0 to show the whole heatmap") is True, "Ctrl+0 shows it whole")
        ctrl_scroll("4", 2)
        app.wait_for(zoomed, "the heatmap to be zoomed before another tensor is chosen")
        tree = find(app.main_window(), "tree table", "Model")
        bias = find(tree, "label", "bias")   # the first: 0.bias
        be = bias.queryComponent().getExtents(1)
        subprocess.run(["xdotool", "mousemove", str(be.x + be.width // 2), str(be.y + be.height // 2), "click", "1"],
                       check=True)
        app.actions += 1
        tap.ok(app.wait_for(lambda: heatmap(app) is not None and "0.bias" in heatmap(app).name and whole(), "another tensor")
               is True, "another tensor's heatmap starts whole")
    finally:
        app.close()


def unsaved_and_export(binary, tap):
    """The unsaved-changes prompt answered by keyboard (Escape keeps the work, Discard replaces
    it), then a picture exported through the Export dialog and GTK's file chooser to a file."""
    import tempfile
    out_dir = tempfile.mkdtemp(prefix="ps-a11y-export-")
    out = os.path.join(out_dir, "fc-weight.png")
    app = a11y.App(binary)
    try:
        app.key("ctrl+n")
        pytorch(app, "fc = nn.Linear(10, 5)")
        app.key("ctrl+n")
        d = app.wait_for(lambda: app.dialog(), "the unsaved-changes prompt")
        said = " ".join(texts(d))
        tap.ok("Save Changes?" in (d.name + " " + said),
               "unsaved work: File → New asks first (%r: %s)" % (d.name, said[:120]))
        app.key("Escape")
        app.wait_no_dialog()
        tap.ok("fc" in tree_text(app), "unsaved work: Escape answers Cancel, the model is kept")
        app.key("ctrl+n")
        app.wait_for(lambda: app.dialog(), "the unsaved-changes prompt again")
        app.key("alt+d")
        app.wait_no_dialog()
        kept = app.wait_for(lambda: "fc" not in tree_text(app) or None, "the document to be replaced")
        tap.ok(kept is not None, "unsaved work: Discard (Alt+D) replaces the document with an empty one")
        pytorch(app, "fc = nn.Linear(10, 5)")
        app.key("ctrl+e")
        app.wait_dialog("Export Picture")
        app.key("alt+w", "Return")
        app.wait_for(lambda: [w for w in app.windows() if w.name == "Export Picture (PNG, SVG or PDF)"],
                     "the export file chooser")
        app.key("ctrl+a")
        app.type(out)
        app.key("Return")
        app.wait_for(lambda: os.path.exists(out) and os.path.getsize(out) > 1000 or None, "the exported picture %s" % out,
                     timeout=30)
        with open(out, "rb") as f:
            head = f.read(8)
        tap.ok(head == b"\x89PNG\r\n\x1a\n", "export: the heatmap of fc.weight written to %s as a PNG (%d bytes)"
               % (out, os.path.getsize(out)))
    finally:
        app.close()
        shutil.rmtree(out_dir, ignore_errors=True)


def run(binary, tap):
    names(binary, tap)
    if os.environ.get("PS_A11Y_ONLY_NAMES"):
        return
    zoom_and_pan(binary, tap)
    example_1(binary, tap)
    example_2(binary, tap)
    example_3(binary, tap)
    example_2_dialogs(binary, tap)
    unsaved_and_export(binary, tap)


if __name__ == "__main__":
    sys.exit(a11y.main(run))
