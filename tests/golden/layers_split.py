"""Splits the layer golden data per layer type (used by gen_layers.py; no torch needed).

tests/data/layers/_shared.json holds "meta" and the shared "inputs"; tests/data/layers/<Type>.json
holds that type's cases, under the same section names as before ("forward", "dropout", "linear",
"modules", "repr", "errors"), in generation order. tests/test-layers.c reads the folder and
concatenates the sections, so adding a layer type adds one small file.

  /usr/bin/python3 tests/golden/layers_split.py OLD.json   # split a single-file golden (migration)
  /usr/bin/python3 tests/golden/layers_split.py --verify OLD.json   # every case byte-identical
"""
import json
import os
import sys

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "layers")
SECTIONS = ("forward", "dropout", "linear", "modules", "repr", "errors")
# sections whose cases carry no "type": all one type
SECTION_TYPE = {"dropout": "Dropout", "linear": "Linear"}


def dump(obj):
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


def split(data):
    files = {"_shared": {"meta": data["meta"], "inputs": data["inputs"]}}
    for sec in SECTIONS:
        for case in data[sec]:
            t = case.get("type", SECTION_TYPE.get(sec))
            files.setdefault(t, {"meta": data["meta"]}).setdefault(sec, []).append(case)
    return files


def write(data, out=DIR):
    os.makedirs(out, exist_ok=True)
    for name, obj in split(data).items():
        path = os.path.join(out, name + ".json")
        with open(path, "w") as f:
            f.write(dump(obj))
            f.write("\n")
    print("wrote %d files in %s" % (len(split(data)), out))


def verify(old, out=DIR):
    """Every old case (serialized) stands in the new files exactly once, and nothing else does."""
    new = {}
    for name in sorted(os.listdir(out)):
        with open(os.path.join(out, name)) as f:
            obj = json.load(f)
        assert obj["meta"] == old["meta"], name
        if name == "_shared.json":
            assert dump(obj["inputs"]) == dump(old["inputs"])
        for sec in SECTIONS:
            new.setdefault(sec, []).extend(dump(c) for c in obj.get(sec, []))
    for sec in SECTIONS:
        a = sorted(dump(c) for c in old[sec])
        assert a == sorted(new[sec]), sec
        print("%-8s %3d cases identical" % (sec, len(a)))


if __name__ == "__main__":
    args = sys.argv[1:]
    with open(args[-1]) as f:
        old = json.load(f)
    verify(old) if args[0] == "--verify" else write(old)
