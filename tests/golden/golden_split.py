"""Splits a golden fixture per layer type (no torch needed), so a new layer type adds one small
file instead of regenerating a large one. Used by layers_split.py (tests/data/layers/),
gen_conv.py (tests/data/conv/), gen_backward.py (tests/data/backward/, tests/data/backward-avx512/)
gen_rnn.py (tests/data/rnn/), gen_pool.py (tests/data/pool/, tests/data/pool-avx512/),
gen_train_seq.py (tests/data/train-seq-golden/), gen_loss_capability.py
(tests/data/loss-golden-capabilities/), gen_loss_legacy.py (tests/data/loss-legacy-golden/),
gen_sched_args.py (tests/data/sched-args-golden/), gen_train.py (tests/data/train-golden/) and
gen_train_nonfinite.py (tests/data/train-nonfinite-golden/).

A fixture {"meta": ..., SECTION: [case, ...], ...} becomes DIR/<Type>.json files, each holding
"meta" and that type's cases under the same section names, in generation order; keys listed in
`shared` go to DIR/_shared.json. The tests read the folder and concatenate the sections in
file-name order (tests/support/gen-golden-util.h: golden_load_dir).

  /usr/bin/python3 tests/golden/golden_split.py conv OLD.json            # split (migration)
  /usr/bin/python3 tests/golden/golden_split.py --verify conv OLD.json   # every case byte-identical
"""
import json
import os
import sys

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")

# name → (sections, keys for _shared.json, type of the cases of sections whose cases carry none)
LAYOUTS = {
    "layers": (("forward", "dropout", "linear", "modules", "repr", "errors"), ("inputs",),
               {"dropout": "Dropout", "linear": "Linear"}),
    "conv": (("cases", "errors", "reprs"), (), {}),
    # gen_backward.py: the layers' backward cases per type; the end-to-end runs (and, at AVX512,
    # the sums and losses) in _shared.json
    "backward": (("cases",), ("runs",), {}),
    "backward-avx512": (("cases",), ("runs", "sums", "losses"), {}),
    "rnn": (("init", "init_default", "forward", "repr", "errors"), (), {}),
    "pool": (("cases", "errors", "reprs", "backward"), (), {}),
    "pool-avx512": (("cases", "errors", "reprs", "backward"), (), {}),
    # gen_train_seq.py (no "meta"): the losses', the recurrent layers' and attention's training cases
    # per type; the end-to-end runs in _shared.json
    "train-seq-golden": (("losses", "rnn", "attention"), ("runs",), {}),
    # gen_loss_capability.py: each loss type's cases; the list of capabilities in _shared.json
    "loss-golden-capabilities": (("losses",), ("capabilities",), {}),
    # gen_loss_legacy.py, gen_sched_args.py: the cases per loss / scheduler type
    "loss-legacy-golden": (("cases",), (), {}),
    "sched-args-golden": (("cases",), (), {}),
    # gen_train.py: the losses', optimizers', schedulers' and toy data sets' cases per type; the
    # loader cases and the end-to-end runs in _shared.json
    "train-golden": (("losses", "optim", "sched", "toy"), ("loader", "runs"), {}),
    # gen_train_nonfinite.py: the optimizers', schedulers' and losses' cases per type
    "train-nonfinite-golden": (("cases",), (), {}),
}
# the keys every file repeats: "meta", or where a fixture has none, its "torch" version
EVERY_FILE = {"loss-legacy-golden": ("torch",), "sched-args-golden": ("torch",), "train-golden": ("torch",),
              "train-nonfinite-golden": ("torch",)}


def dump(obj):
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


def split(data, layout):
    sections, shared, section_type = LAYOUTS[layout]
    files = {}
    meta = {k: data[k] for k in EVERY_FILE.get(layout, ("meta",)) if k in data}
    if shared:
        files["_shared"] = dict(meta, **{k: data[k] for k in shared})
    for sec in sections:
        for case in data[sec]:
            t = case.get("type", section_type.get(sec))
            files.setdefault(t, dict(meta)).setdefault(sec, []).append(case)
    return files


def write(data, layout):
    out = os.path.join(DATA, layout)
    os.makedirs(out, exist_ok=True)
    files = split(data, layout)
    for name in os.listdir(out):   # a type that is gone leaves no stale file
        if name.endswith(".json") and name[:-5] not in files:
            os.unlink(os.path.join(out, name))
    for name, obj in files.items():
        with open(os.path.join(out, name + ".json"), "w") as f:
            f.write(dump(obj))
            f.write("\n")
    print("wrote %d files in %s" % (len(files), out))


def verify(old, layout):
    """Every old case (serialized) stands in the new files exactly once, and nothing else does."""
    sections, shared, _ = LAYOUTS[layout]
    out = os.path.join(DATA, layout)
    new = {}
    for name in sorted(os.listdir(out)):
        with open(os.path.join(out, name)) as f:
            obj = json.load(f)
        for k in EVERY_FILE.get(layout, ("meta",)):
            assert obj.get(k) == old.get(k), (name, k)
        if name == "_shared.json":
            for k in shared:
                assert dump(obj[k]) == dump(old[k]), k
        for sec in sections:
            new.setdefault(sec, []).extend(dump(c) for c in obj.get(sec, []))
    for sec in sections:
        a = sorted(dump(c) for c in old[sec])
        assert a == sorted(new[sec]), sec
        print("%-8s %3d cases identical" % (sec, len(a)))


if __name__ == "__main__":
    args = sys.argv[1:]
    with open(args[-1]) as f:
        old = json.load(f)
    verify(old, args[-2]) if args[0] == "--verify" else write(old, args[-2])
