#!/usr/bin/python3
"""The seed article's three examples built by hand from an empty window, through real key events
only, checked through the accessibility tree — the way a keyboard or screen-reader user meets the
app. Fails if a control it needs has no accessible name. Prints the number of user actions (key
chords and typed texts) each example took. Usage: test-build-examples.py PATH/TO/paramscope"""
import os
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
        add_linear(app, "fc", "10", "5")
        t = tree_text(app)
        tap.ok("fc" in t and "[5, 10]" in t and "[5]" in t,
               "example 1: fc = nn.Linear(10, 5) has its weight [5, 10] and bias [5] right after construction")
        plot = find(app.main_window(), "image", "Heatmap of fc.weight")
        tap.ok(plot is not None and "shape [5, 10]" in plot.description, "example 1: the heatmap shows fc.weight")
        print("# example 1 took %d actions" % app.actions)
    finally:
        app.close()


def example_2(binary, tap):
    app = a11y.App(binary)
    try:
        app.actions = 0
        app.key("ctrl+n")
        add_linear(app, "linear1", "10", "5")
        add_linear(app, "linear2", "5", "2")
        t = tree_text(app)
        tap.ok("Not in the model" in t and "linear1" in t and "linear2" in t,
               "example 2: linear1 and linear2 are visible before the model exists")
        add_sequential(app, "linear1, linear2", "CustomModel")
        t = app.wait_for(lambda: [x for x in tree_text(app) if x == "CustomModel"] and tree_text(app), "CustomModel")
        tap.ok("CustomModel" in t and "Not in the model" not in t, "example 2: CustomModel holds both layers")
        app.key("ctrl+shift+i")
        app.wait_dialog("Initialize")
        app.choose("alt+f", "xavier_uniform")
        app.key("alt+b", "Down", "Return")     # Biases: zeros_
        app.key("alt+m", "Return")             # from a text field, Enter applies
        app.wait_no_dialog()
        story = app.wait_for(lambda: [s for s in texts(app.main_window()) if "init loop over" in s],
                             "the story of the init step")
        tap.ok(any("xavier_uniform_" in s for s in story), "example 2: the init loop over model.modules() is one step")
        forward(app)
        app.wait_for(lambda: find(app.main_window(), "image", "Heatmap of y"), "the output y")
        plot = find(app.main_window(), "image", "Heatmap of y")
        tap.ok("shape [1, 2]" in plot.description, "example 2: y = model(torch.randn(1, 10)) has shape [1, 2]")
        print("# example 2 took %d actions" % app.actions)
    finally:
        app.close()


def example_3(binary, tap):
    app = a11y.App(binary)
    try:
        app.actions = 0
        app.key("ctrl+n")
        add_linear(app, "l", "10", "5")
        add_sequential(app, "l, l")
        t = tree_text(app)
        tap.ok(sum(1 for s in t if s == "shared ×2") >= 2, "example 3: nn.Sequential(l, l) shows l shared at two places")
        forward(app)
        err = app.wait_for(lambda: find(app.main_window(), "label", contains="mat1 and mat2"), "the error banner")
        tap.ok(err.name.startswith("Step 3: ") and "(1x5 and 10x5)" in err.name,
               "example 3: the forward fails as in PyTorch, counted as step 3: " + err.name)
        print("# example 3 took %d actions" % app.actions)
    finally:
        app.close()


def run(binary, tap):
    names(binary, tap)
    if os.environ.get("PS_A11Y_ONLY_NAMES"):
        return
    example_1(binary, tap)
    example_2(binary, tap)
    example_3(binary, tap)


if __name__ == "__main__":
    sys.exit(a11y.main(run))
