#!/usr/bin/python3
"""Every built-in scenario played the way a class sees it: opened as a file (as from Files: the
scenarios are examples/*.json), then stepped through with the keyboard (Alt+Home, Alt+Right, Alt+Left) while the
story panel — read through the accessibility tree — shows each step's heading and teaching note
(the recipe's own text). Scenario 2 at step 1 shows linear1 under “Not in the
model”: the weights exist before the model does. Two scenarios are also chosen from the Scenarios
menu by keyboard (F10, arrows, Return), after which the keys must still step them.
Usage: test-play-scenarios.py PATH/TO/paramscope"""
import html
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import a11y  # noqa: E402
from a11y import find, name_of, texts, walk  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")

# the Scenarios menu, in its order: (label, name) read from ui/ps-window.ui, so a scenario added
# there is played too
def scenarios():
    ui = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "ui", "ps-window.ui")
    with open(ui, encoding="utf-8") as f:
        text = f.read()
    found = re.findall(r'<attribute name="label"[^>]*>([^<]*)</attribute><attribute name="action">win\.scenario'
                       r'</attribute><attribute name="target">([^<]*)</attribute>', text)
    return [(html.unescape(label), name) for label, name in found]


def story(app):
    """(heading, body) of the story panel: its two labels found once (a walk of the whole tree
    is slow on a loaded machine), then only read."""
    cached = getattr(app, "story_labels", None)
    if cached is not None and re.fullmatch(r"Step \d+ of \d+", name_of(cached[0])):
        return name_of(cached[0]), name_of(cached[1])
    w = app.main_window()
    labels = [n for n in walk(w) if n.getRoleName() == "label"]
    heading = next((n for n in labels if re.fullmatch(r"Step \d+ of \d+", name_of(n))), None)
    if heading is None:
        return None, None
    for i, n in enumerate(labels):
        if n == heading and i + 1 < len(labels):
            app.story_labels = (heading, labels[i + 1])
            return name_of(heading), name_of(labels[i + 1])
    return name_of(heading), None


def heading_is(app, text):
    try:
        return app.wait_for(lambda: story(app)[0] == text and story(app), "", timeout=60)
    except AssertionError:
        raise AssertionError("timed out waiting for the story heading “%s” (shown: %r)" % (text, story(app)[0]))


def menu_by_keyboard(binary, tap):
    """Scenarios chosen from the main menu by keyboard only — F10, Up to “Scenarios” (the fifth item
    from the bottom), Right opens the submenu on its first item, Down, Return — and then the keys
    must still work: Alt+Home, Alt+Right step through the chosen scenario. (GTK 4.8 sent every key
    to the closed menu after a sliding submenu's item was activated: the main menu's submenus are
    nested popovers now.)"""
    found = scenarios()
    app = a11y.App(binary)
    try:
        for index in (1, 2):
            label, name = found[index]
            with open(os.path.join(EXAMPLES, name + ".json"), encoding="utf-8") as f:
                n = len(json.load(f)["ops"])
            app.key("F10", "Up", "Up", "Up", "Up", "Up", "Right")
            app.key(*(["Down"] * index))
            app.key("Return")
            app.wait_for(lambda: name in app.main_window().name, "the window title “%s”" % name, timeout=60)
            reached = False
            for attempt in range(8):   # the recipe replays in the background first
                app.key("alt+Home")
                try:
                    app.wait_for(lambda: story(app)[0] == "Step 0 of %d" % n, "step 0", timeout=5)
                    reached = True
                    break
                except AssertionError:
                    pass
            if reached:
                app.key("alt+Right")
                try:
                    heading_is(app, "Step 1 of %d" % n)
                except AssertionError:
                    reached = False
            tap.ok(reached, "“%s” chosen from the Scenarios menu by keyboard; then Alt+Home and Alt+Right step it (shown: %r)"
                   % (label, story(app)[0]))
    finally:
        app.close()


def play(binary, tap):
    menu_by_keyboard(binary, tap)
    found = scenarios()
    tap.ok(len(found) >= 10, "the Scenarios menu lists %d scenarios" % len(found))
    for label, name in found:
        path = os.path.join(EXAMPLES, name + ".json")
        with open(path, encoding="utf-8") as f:
            recipe = json.load(f)
        ops = recipe["ops"]
        # opened as a file (as from Files); menu_by_keyboard picks two through the menu
        app = a11y.App(binary, path)
        try:
            # the title names the document; training scenarios run their steps first
            app.wait_for(lambda: name in app.main_window().name, "the window title “%s”" % name, timeout=120)
            n = len(ops) - (1 if name == "article-3-shared" else 0)   # example 3's forward fails
            # the recipe replays in the background (stepping waits for it): press again until it moves
            body = None
            for attempt in range(8):
                app.key("alt+Home")
                try:
                    _, body = app.wait_for(lambda: story(app)[0] == "Step 0 of %d" % n and story(app),
                                           "step 0", timeout=5)
                    break
                except AssertionError:
                    if attempt == 7:
                        raise AssertionError("%s: Alt+Home does not reach step 0 of %d (shown: %r)"
                                             % (name, n, story(app)[0]))
            ok = body is not None and (not recipe.get("description") or recipe["description"] in body)
            for k in range(1, n + 1):
                app.key("alt+Right")
                _, body = heading_is(app, "Step %d of %d" % (k, n))
                note = ops[k - 1].get("description")
                if note and (body is None or note not in body):
                    ok = False
                    tap.ok(False, "%s step %d: the story shows the step's note (shown: %r)" % (name, k, body))
                if name == "article-2-custom-init" and k == 1:
                    t = texts(find(app.main_window(), "tree table", "Model"))
                    tap.ok("Not in the model" in t and "linear1" in t and "[5, 10]" in t,
                           "scenario 2, step 1: linear1 and its weight [5, 10] are shown before the model exists")
            if n > 1:
                app.key("alt+Left")
                heading_is(app, "Step %d of %d" % (n - 1, n))
            tap.ok(ok, "%s (“%s”): played step by step, %d steps, each with its heading and note" % (name, label, n))
            if name == "article-3-shared":
                err = find(app.main_window(), "label", contains="mat1 and mat2")
                tap.ok(err is not None, "article-3-shared: the forward's error is shown as in PyTorch")
        finally:
            app.close()


if __name__ == "__main__":
    sys.exit(a11y.main(play))
