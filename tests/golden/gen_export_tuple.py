#!/usr/bin/python3
"""Sequentials holding an RNN, LSTMCell or MultiheadAttention (exported as UnpackSequential) and
ending in MaxPool1d(return_indices=True): the exported script must return the (output, indices)
tuple as the model does (tests/doc/test-export-tuple.c).

Run with Debian's torch 1.13.1:
  /usr/bin/python3 tests/golden/gen_export_tuple.py            writes tests/data/export-tuple/NAME.recipe.json
  PS_EXPORT_WRITE=1 build/tests/test-export-tuple              writes NAME.export.py (the C exporter's script)
  /usr/bin/python3 tests/golden/gen_export_tuple.py --export   runs each NAME.export.py with torch
      (tests/golden/run_export.py) into NAME.export.json, and checks the script's model against the
      module calls written out by hand on a fresh input: the RNN's / attention's [0] passed on, the
      pool's (output, indices) returned whole (bits and dtypes equal).
"""
import json
import os
import runpy
import subprocess
import sys

# torch's oneDNN (Conv1d/2d) capped at AVX2 and OpenBLAS pinned as tests/meson.build does, so the
# scripts' outputs are the ones the C replay computes in the tests (Conv1d differs under AVX-512)
os.environ["ONEDNN_MAX_CPU_ISA"] = "AVX2"
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = os.path.join(HERE, "..", "data", "export-tuple")


def mod(mid, typ, **args):
    return {"op": "module", "id": mid, "type": typ, "args": args}


def seq(mid, children, cls=None):
    op = {"op": "module", "id": mid, "type": "Sequential", "children": {c: c for c in children}}
    if cls:
        op["class"] = cls
    return op


def recipe(seed, ops):
    return {"format": "paramscope-recipe", "version": 1, "seed": seed, "root": "model", "ops": ops}


POOL = {"kernel_size": 2, "return_indices": True}
RECIPES = {
    "lstm-pool": recipe(1, [
        mod("lstm", "LSTM", input_size=4, hidden_size=6, batch_first=True),
        mod("pool", "MaxPool1d", **POOL),
        seq("model", ["lstm", "pool"]),
        {"op": "forward", "target": "model", "input": {"randn": [2, 5, 4]}, "name": "y"}]),
    "mha-pool": recipe(2, [
        mod("attn", "MultiheadAttention", embed_dim=4, num_heads=2),
        mod("pool", "MaxPool1d", **POOL),
        seq("model", ["attn", "pool"]),
        {"op": "forward", "target": "model", "input": {"randn": [3, 2, 4]}, "name": "y"}]),
    "gru-nested-pool": recipe(3, [
        mod("gru", "GRU", input_size=3, hidden_size=4, num_layers=2),
        mod("fc", "Linear", in_features=4, out_features=7),
        mod("pool", "MaxPool1d", kernel_size=3, stride=2, return_indices=True),
        seq("head", ["fc", "pool"]),
        mod("same", "Identity"),
        seq("model", ["gru", "head", "same"]),
        {"op": "forward", "target": "model", "input": {"randn": [5, 2, 3]}, "name": "y"}]),
    "lstmcell-pool": recipe(4, [
        mod("cell", "LSTMCell", input_size=3, hidden_size=8),
        mod("pool", "MaxPool1d", **POOL),
        seq("model", ["cell", "pool"]),
        {"op": "forward", "target": "model", "input": {"randn": [4, 3]}, "name": "y"},
        {"op": "forward", "target": "cell", "input": {"randn": [4, 3]}, "name": "h"}]),
    # user classes: an explicit forward (self.lstm(x)[0]) and a generic one (child names that are not
    # identifiers: it loops over _modules)
    "class-lstm": recipe(5, [
        mod("lstm", "LSTM", input_size=4, hidden_size=6),
        mod("fc", "Linear", in_features=6, out_features=2),
        seq("model", ["lstm", "fc"], cls="Net"),
        {"op": "forward", "target": "model", "input": {"randn": [3, 2, 4]}, "name": "y"}]),
    "class-generic-mha-pool": recipe(6, [
        mod("attn", "MultiheadAttention", embed_dim=4, num_heads=2),
        mod("pool", "MaxPool1d", **POOL),
        {"op": "module", "id": "model", "type": "Sequential", "class": "Block",
         "children": {"self-attention": "attn", "max pool": "pool"}},
        {"op": "forward", "target": "model", "input": {"randn": [3, 2, 4]}, "name": "y"}]),
    # a plain Sequential that gets its LSTM from a later attach: still UnpackSequential
    "attach-lstm": recipe(7, [
        mod("same", "Identity"),
        seq("model", ["same"]),
        mod("lstm", "LSTM", input_size=4, hidden_size=6),
        mod("fc", "Linear", in_features=6, out_features=2),
        {"op": "attach", "parent": "model", "name": "lstm", "child": "lstm"},
        {"op": "attach", "parent": "model", "name": "fc", "child": "fc"},
        {"op": "forward", "target": "model", "input": {"randn": [3, 2, 4]}, "name": "y"}]),
    # plain nn.Sequential (no RNN: not UnpackSequential) ending in MaxPool1d/2d(return_indices=True)
    "linear-pool": recipe(8, [
        mod("fc", "Linear", in_features=4, out_features=6),
        mod("pool", "MaxPool1d", **POOL),
        seq("model", ["fc", "pool"]),
        {"op": "forward", "target": "model", "input": {"randn": [2, 3, 4]}, "name": "y"}]),
    "conv-pool2d": recipe(9, [
        mod("conv", "Conv2d", in_channels=2, out_channels=3, kernel_size=3, padding=1),
        mod("act", "ReLU"),
        mod("pool", "MaxPool2d", kernel_size=2, return_indices=True),
        seq("model", ["conv", "act", "pool"]),
        {"op": "forward", "target": "model", "input": {"randn": [1, 2, 4, 4]}, "name": "y"}]),
    # nested: the pair comes from an inner Sequential, past an Identity and an empty Sequential
    "nested-pool": recipe(10, [
        mod("conv", "Conv1d", in_channels=2, out_channels=3, kernel_size=3),
        mod("pool", "MaxPool1d", **POOL),
        seq("block", ["conv", "pool"]),
        mod("same", "Identity"),
        seq("empty", []),
        seq("model", ["block", "same", "empty"]),
        {"op": "forward", "target": "model", "input": {"randn": [2, 2, 7]}, "name": "y"},
        {"op": "forward", "target": "block", "input": {"randn": [2, 2, 7]}, "name": "b"}]),
    # a user class (explicit forward) whose last child is a plain Sequential ending in the pool
    "class-seq-pool": recipe(11, [
        mod("fc", "Linear", in_features=4, out_features=6),
        mod("pool", "MaxPool1d", **POOL),
        seq("body", ["fc", "pool"]),
        {"op": "module", "id": "model", "type": "Sequential", "class": "Net", "children": {"body": "body"}},
        {"op": "forward", "target": "model", "input": {"randn": [2, 3, 4]}, "name": "y"}]),
    # the last child is a Sequential holding only an Identity: it passes the pair on
    "seq-identity-pool": recipe(12, [
        mod("fc", "Linear", in_features=4, out_features=6),
        mod("pool", "MaxPool1d", **POOL),
        seq("block", ["fc", "pool"]),
        mod("same", "Identity"),
        seq("tail", ["same"]),
        seq("model", ["block", "tail"]),
        {"op": "forward", "target": "model", "input": {"randn": [2, 3, 4]}, "name": "y"}]),
    # the pool attached later, then detached: the pair follows the children at each forward
    "attach-pool": recipe(13, [
        mod("fc", "Linear", in_features=4, out_features=6),
        mod("pool", "MaxPool1d", **POOL),
        seq("model", ["fc"]),
        {"op": "attach", "parent": "model", "name": "pool", "child": "pool"},
        {"op": "forward", "target": "model", "input": {"randn": [2, 3, 4]}, "name": "y"},
        {"op": "detach", "parent": "model", "name": "pool"},
        {"op": "forward", "target": "model", "input": {"randn": [2, 3, 4]}, "name": "z"}]),
}

INPUTS = {"attach-lstm": (3, 2, 4), "lstm-pool": (2, 5, 4), "mha-pool": (3, 2, 4), "gru-nested-pool": (5, 2, 3), "lstmcell-pool": (4, 3),
          "class-lstm": (3, 2, 4), "class-generic-mha-pool": (3, 2, 4),
          "linear-pool": (2, 3, 4), "conv-pool2d": (1, 2, 4, 4), "nested-pool": (2, 2, 7),
          "class-seq-pool": (2, 3, 4), "seq-identity-pool": (2, 3, 4), "attach-pool": (2, 3, 4)}


def by_hand(name, ns, x):
    """The model's call written out module by module (the script's own modules)."""
    m = ns["model"]
    if name == "lstm-pool":
        return m.pool(m.lstm(x)[0])
    if name == "mha-pool":
        return m.pool(m.attn(x, x, x)[0])
    if name == "gru-nested-pool":
        return m.same(m.head.pool(m.head.fc(m.gru(x)[0])))
    if name == "attach-lstm":
        return m.fc(m.lstm(m.same(x))[0])
    if name == "class-lstm":
        return m.fc(m.lstm(x)[0])
    if name == "class-generic-mha-pool":
        attn, pool = m._modules["self-attention"], m._modules["max pool"]
        return pool(attn(x, x, x)[0])
    if name == "linear-pool":
        return m[1](m[0](x))
    if name == "conv-pool2d":
        return m[2](m[1](m[0](x)))
    if name == "nested-pool":
        return m[2](m[1](m[0][1](m[0][0](x))))
    if name == "class-seq-pool":
        return m.body[1](m.body[0](x))
    if name == "seq-identity-pool":
        return m[1][0](m[0][1](m[0][0](x)))
    if name == "attach-pool":   # the model after the detach
        return m.fc(x)
    return m.pool(m.cell(x)[0])


def check_by_hand(name, script):
    import torch
    ns = runpy.run_path(script, run_name="__main__")
    torch.manual_seed(99)
    x = torch.randn(*INPUTS[name])
    with torch.no_grad():
        got, want = ns["model"](x), by_hand(name, ns, x)
    if not isinstance(want, tuple):   # no MaxPool at the end
        got, want = (got,), (want,)
    assert isinstance(got, tuple) and len(got) == len(want), (name, type(got))
    for a, b in zip(got, want):   # bit for bit
        assert a.dtype == b.dtype and a.shape == b.shape, name
        assert a.contiguous().numpy().tobytes() == b.contiguous().numpy().tobytes(), name
    print(name, "model(x) =", [tuple(t.shape) for t in got], "as written by hand", file=sys.stderr)


def main():
    if "--export" in sys.argv:
        for name in RECIPES:
            recipe_path = os.path.join(DIR, name + ".recipe.json")
            script = os.path.join(DIR, name + ".export.py")
            result = os.path.join(DIR, name + ".export.json")
            subprocess.run([sys.executable, os.path.join(HERE, "run_export.py"), recipe_path, script, result],
                           check=True)
            with open(result) as f:
                res = json.load(f)
            if res["error"] is not None:
                raise SystemExit("%s: the exported script failed: %s" % (name, res["error"]))
            outs = res["outputs"]
            if "y[1]" in outs or "pool" in name:
                assert outs["y"]["dtype"] == "float32" and outs["y[1]"]["dtype"] == "int64", (name, outs)
                assert outs["y"]["shape"] == outs["y[1]"]["shape"], (name, outs)
            check_by_hand(name, script)
        return
    os.makedirs(DIR, exist_ok=True)
    for name, r in RECIPES.items():
        with open(os.path.join(DIR, name + ".recipe.json"), "w") as f:
            json.dump(r, f, indent=1)
            f.write("\n")
    print("wrote", len(RECIPES), "recipes to", DIR, file=sys.stderr)


if __name__ == "__main__":
    main()
