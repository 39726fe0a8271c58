"""The swapped-activation fixtures, one file per activation type (no torch needed): written by
gen_swapped_activations.py, read by tests/doc/test-swapped-activations.c (golden_merge_dir).

tests/data/swapped-activations-<capability>/<Type>.json holds {"torch", "capability", "runs": [...]}
with one run a line, ordered by seed: the runs with that activation alone, and the runs of two
activations in a row whose later one in ACTS is of that type. So an activation appended to ACTS
writes one new file at each capability and leaves the others as they are (gen_swapped_activations.py
gives it seeds of its own).

  /usr/bin/python3 tests/golden/swapped_split.py avx2 OLD.json            # split (migration)
  /usr/bin/python3 tests/golden/swapped_split.py --verify avx2 OLD.json   # every run byte-identical
"""
import json
import os
import sys

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")

# every element-wise layer Paramscope has with a backward (and that keeps the swapped layout), in
# the order the fixture was made: append new ones at the end
ACTS = [("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("Tanh", {}), ("Sigmoid", {}), ("SiLU", {}),
        ("GELU", {}), ("GELU", {"approximate": "tanh"})]


def folder(capability):
    return os.path.join(DATA, "swapped-activations-%s" % capability)


def file_type(run):
    """The type whose file holds the run: its activation's, or the later one's in ACTS."""
    acts = [(op["type"], op["args"]) for op in run["recipe"]["ops"] if op.get("id") in ("act", "act2")]
    assert acts, run["name"]
    return ACTS[max(ACTS.index(a) for a in acts)][0]


def header(torch_version, capability):
    return '{"torch": %s, "capability": %s, "runs": [\n' % (json.dumps(torch_version), json.dumps(capability))


def write(torch_version, capability, runs):
    out = folder(capability)
    os.makedirs(out, exist_ok=True)
    files = {}
    for r in runs:
        files.setdefault(file_type(r), []).append(r)
    for name in os.listdir(out):   # a type that is gone leaves no stale file
        if name.endswith(".json") and name[:-5] not in files:
            os.unlink(os.path.join(out, name))
    for t, rs in files.items():
        rs.sort(key=lambda r: r["recipe"]["seed"])
        with open(os.path.join(out, t + ".json"), "w") as f:
            f.write(header(torch_version, capability))
            f.write(",\n".join(json.dumps(r, separators=(",", ":")) for r in rs))
            f.write("\n]}\n")
    print("%s: %d runs in %d files" % (out, len(runs), len(files)))


def run_lines(path):
    """The header and the runs' lines (as written: one run a line) of a fixture file."""
    with open(path) as f:
        lines = f.read().split("\n")
    assert lines[-1] == "" and lines[-2] == "]}", path
    return lines[0], [line.rstrip(",") for line in lines[1:-2]]


def verify(old_path, capability):
    """Every run line of the old file stands in exactly one new file, unchanged, and nothing else does."""
    head, old = run_lines(old_path)
    new = []
    for name in sorted(os.listdir(folder(capability))):
        h, lines = run_lines(os.path.join(folder(capability), name))
        assert h == head, name
        for line in lines:
            assert file_type(json.loads(line)) == name[:-5], (name, line[:60])
        new.extend(lines)
    assert sorted(old) == sorted(new)
    print("%s: %d runs identical, %d files" % (folder(capability), len(old), len(os.listdir(folder(capability)))))


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[0] == "--verify":
        verify(args[2], args[1])
    else:
        with open(args[1]) as f:
            old = json.load(f)
        assert old["capability"] == args[0]
        write(old["torch"], old["capability"], old["runs"])
