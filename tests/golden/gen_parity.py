#!/usr/bin/python3
"""gen_parity.py — writes the recipe parity fixtures into tests/data/recipes/.

For every recipe NAME:
  NAME.recipe.json   the recipe (what tests/doc/test-parity.c replays in C)
  NAME.torch.json    torch_recipe.py's result: state after every step, outputs, error, probe
and, with --export BUILDDIR (a built tree):
  NAME.export.py     the C exporter's script for the recipe (= `paramscope-cli to-pytorch`;
                     written by tests/doc/test-export-pytorch with PS_EXPORT_WRITE=1), the golden text
                     tests/doc/test-export-pytorch.c compares with
  NAME.export.json   the result of running that script with torch (tests/golden/run_export.py
                     runs it and reads its modules from outside; SHA-256 digests); checked here
                     to equal NAME.torch.json's final state, outputs, error and probe.

Recipes: the repository's examples/*.json (if present), the hand-written article recipes below,
and random_recipes.generate(seed) for seeds 0..N-1.

Usage: /usr/bin/python3 tests/golden/gen_parity.py [--random 40] [--export build]
"""

import argparse
import fnmatch
import glob
import hashlib
import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import random_recipes  # noqa: E402
import torch_recipe  # noqa: E402

TOP = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(TOP, "tests", "data", "recipes")


def R(seed, root, ops, **kw):
    d = {"format": "paramscope-recipe", "version": 1, "seed": seed, "root": root}
    d.update(kw)
    d["ops"] = ops
    return d


def mod(mid, typ, children=None, cls=None, **args):
    op = {"op": "module", "id": mid, "type": typ}
    if args:
        op["args"] = args
    if children is not None:
        op["children"] = children
    if cls:
        op["class"] = cls
    return op


def fwd(target, inp, name=None):
    op = {"op": "forward", "target": target, "input": inp}
    if name:
        op["name"] = name
    return op


def init(target, fn, **args):
    op = {"op": "init", "target": target, "fn": fn}
    if args:
        op["args"] = args
    return op


HAND = {
    # the article: one Linear, its default init, one forward
    "article-linear": R(0, "fc", [
        mod("fc", "Linear", in_features=10, out_features=5),
        fwd("fc", {"randn": [1, 10]}, "y"),
    ]),
    # the article's shared-module example, which fails with torch's shape error
    "article-shared-fails": R(0, "model", [
        mod("fc", "Linear", in_features=10, out_features=5),
        mod("model", "Sequential", ["fc", "fc"]),
        dict(fwd("model", {"randn": [1, 10]}, "y"), description="the second use sees a 1x5 input"),
    ]),
    # shared square layer: one set of parameters, four state_dict keys
    "article-shared-square": R(0, "model", [
        mod("fc", "Linear", in_features=8, out_features=8),
        mod("act", "Tanh"),
        mod("model", "Sequential", ["fc", "act", "fc"]),
        init("model.0.weight", "xavier_uniform_", gain=1.0),
        init("fc.bias", "zeros_"),
        fwd("model", {"randn": [3, 8]}, "y"),
        init("model.2.weight", "orthogonal_"),
        fwd("model", {"randn": [8]}, "y1d"),
    ]),
    # the article's CustomModel with named children, init_modules and reset
    "article-custom-model": R(42, "model", [
        mod("l1", "Linear", in_features=10, out_features=20),
        mod("relu", "ReLU"),
        mod("l2", "Linear", in_features=20, out_features=5),
        mod("model", "Sequential", {"linear1": "l1", "act": "relu", "linear2": "l2"}, cls="CustomModel"),
        {"op": "init_modules", "target": "model", "match": "Linear",
         "weight": {"fn": "xavier_uniform_", "args": {"gain": 1.0}}, "bias": {"fn": "zeros_"}},
        fwd("model", {"randn": [4, 10]}, "logits"),
        {"op": "reset_parameters", "target": "model"},
        fwd("model", {"randn": [4, 10]}, "logits2"),
    ]),
    # lazy vs eager: the lazy module draws at its first forward, after the input's draws
    "article-lazy-contrast": R(0, "model", [
        mod("eager", "Linear", in_features=7, out_features=5),
        mod("lazy", "LazyLinear", out_features=5),
        mod("model", "ModuleDict", {"eager": "eager", "lazy": "lazy"}),
        {"op": "reset_parameters", "target": "lazy", "description": "a no-op before materialization"},
        fwd("model.lazy", {"randn": [2, 7]}, "y_lazy"),
        fwd("model.eager", {"randn": [2, 7]}, "y_eager"),
        {"op": "init_modules", "target": "model", "match": "Linear", "bias": {"fn": "ones_"}},
    ]),
    # every init function once, seeds in between (incl. negative and > 2^32 seeds)
    "init-gallery": R(7, "model", [
        mod("fc", "Linear", in_features=6, out_features=4),
        mod("conv", "Conv2d", in_channels=4, out_channels=6, kernel_size=3),
        mod("emb", "Embedding", num_embeddings=5, embedding_dim=3),
        mod("model", "Sequential", {"fc": "fc", "conv": "conv", "emb": "emb"}, cls="Gallery"),
        init("fc.weight", "uniform_", a=-0.3, b=0.7),
        init("fc.bias", "normal_", mean=0.5, std=0.02),
        init("conv.weight", "normal_"),
        init("conv.bias", "constant_", val=0.25),
        init("fc.weight", "ones_"),
        init("fc.bias", "zeros_"),
        init("fc.weight", "eye_"),
        init("conv.weight", "dirac_", groups=2),
        init("conv.weight", "xavier_uniform_", gain=1.4142135623730951),
        init("fc.weight", "xavier_normal_"),
        {"op": "manual_seed", "seed": -1},
        init("conv.weight", "kaiming_uniform_", a=0.2, mode="fan_out", nonlinearity="leaky_relu"),
        init("conv.weight", "kaiming_normal_", mode="fan_in", nonlinearity="relu"),
        init("fc.weight", "kaiming_uniform_", nonlinearity="tanh"),
        {"op": "manual_seed", "seed": 4294967301},
        init("conv.weight", "trunc_normal_", mean=0.1, std=0.5, a=-1.0, b=1.0),
        init("fc.weight", "orthogonal_", gain=2.0),
        init("conv.weight", "orthogonal_"),
        init("emb.weight", "sparse_", sparsity=0.4, std=0.1),
        init("emb.weight", "normal_"),
        {"op": "reset_parameters", "target": "model"},
    ]),
    # MultiheadAttention: reset touches only out_proj; out_proj's class is not "Linear"
    "attention-reset": R(0, "attn", [
        mod("attn", "MultiheadAttention", embed_dim=8, num_heads=2),
        fwd("attn", {"randn": [3, 2, 8]}, "y"),
        {"op": "init_modules", "target": "attn", "match": "Linear", "weight": {"fn": "ones_"}},
        {"op": "reset_parameters", "target": "attn"},
        mod("attn2", "MultiheadAttention", embed_dim=6, num_heads=3, add_bias_kv=True, batch_first=True),
        fwd("attn2", {"randn": [2, 4, 6]}, "y2"),
        mod("attn3", "MultiheadAttention", embed_dim=4, num_heads=2, kdim=3, vdim=5),
        init("attn3.q_proj_weight", "xavier_normal_"),
    ]),
    # BatchNorm running statistics in train and eval mode, reset
    "batchnorm-modes": R(1, "model", [
        mod("fc", "Linear", in_features=5, out_features=4),
        mod("bn", "BatchNorm1d", num_features=4),
        mod("model", "Sequential", ["fc", "bn"]),
        fwd("model", {"randn": [6, 5]}, "train1"),
        fwd("model", {"randn": [6, 5]}, "train2"),
        {"op": "mode", "target": "model", "train": False},
        fwd("model", {"randn": [2, 5]}, "eval"),
        {"op": "reset_parameters", "target": "bn"},
        {"op": "mode", "target": "model", "train": True},
        fwd("model", {"randn": [1, 5]}, "fails"),
    ]),
    # recurrent layers and cells
    "rnn-family": R(3, "model", [
        mod("lstm", "LSTM", input_size=4, hidden_size=5, proj_size=2, num_layers=2),
        mod("gru", "GRU", input_size=3, hidden_size=4, bidirectional=True, batch_first=True),
        mod("rnn", "RNN", input_size=2, hidden_size=3, nonlinearity="relu"),
        mod("cell", "LSTMCell", input_size=3, hidden_size=2),
        mod("gcell", "GRUCell", input_size=2, hidden_size=3, bias=False),
        mod("rcell", "RNNCell", input_size=2, hidden_size=2),
        mod("model", "ModuleList", ["lstm", "gru", "rnn", "cell", "gcell", "rcell"]),
        fwd("model.0", {"randn": [3, 2, 4]}, "lstm"),
        fwd("model.1", {"randn": [2, 3, 3]}, "gru"),
        fwd("model.2", {"randn": [4, 2]}, "rnn_unbatched"),
        fwd("model.3", {"randn": [2, 3]}, "cell"),
        fwd("model.4", {"randn": [2, 2]}, "gcell"),
        fwd("model.5", {"randn": [2]}, "rcell"),
        init("lstm.weight_hh_l1", "orthogonal_"),
        {"op": "reset_parameters", "target": "model"},
        fwd("model", {"randn": [1, 4]}, "modulelist_has_no_forward"),
    ]),
    # Dropout draws in training mode only
    "dropout-modes": R(0, "model", [
        mod("fc", "Linear", in_features=6, out_features=20),
        mod("drop", "Dropout", p=0.5),
        mod("model", "Sequential", ["fc", "drop"]),
        fwd("model", {"randn": [2, 6]}, "train"),
        {"op": "mode", "target": "model", "train": False},
        fwd("model", {"randn": [2, 6]}, "eval"),
        {"op": "mode", "target": "drop", "train": True},
        fwd("model", {"value": [[0.5, -1.0, 2.0, 0.0, 1.5, -0.25]], "dtype": "float32"}, "value_input"),
    ]),
    # attach / detach on a Sequential; a conv net with Flatten
    "attach-detach": R(5, "model", [
        mod("conv", "Conv2d", in_channels=1, out_channels=2, kernel_size=3),
        mod("relu", "ReLU"),
        mod("flat", "Flatten"),
        mod("model", "Sequential", ["conv", "relu", "flat"]),
        fwd("model", {"ones": [1, 1, 5, 5]}, "y"),
        {"op": "detach", "parent": "model", "name": "1"},
        mod("head", "Linear", in_features=18, out_features=3),
        {"op": "attach", "parent": "model", "name": "head", "child": "head"},
        fwd("model", {"rand": [2, 1, 5, 5]}, "y2"),
        mod("embed", "Embedding", num_embeddings=6, embedding_dim=4, padding_idx=-1),
        fwd("embed", {"randint": {"low": 0, "high": 6, "size": [2, 3]}}, "tokens"),
        fwd("embed", {"value": [0, 5, 6], "dtype": "int64"}, "out_of_range"),
    ]),
    # rename / move / attach at an index on a Sequential: forward order and state_dict keys follow
    "restructure-sequential": R(11, "model", version=2, ops=[
        mod("l1", "Linear", in_features=4, out_features=6),
        mod("act", "ReLU"),
        mod("l2", "Linear", in_features=6, out_features=6),
        mod("l3", "Linear", in_features=6, out_features=2),
        mod("model", "Sequential", ["l1", "act", "l2", "l3"]),
        fwd("model", {"randn": [2, 4]}, "before"),
        {"op": "move", "parent": "model", "name": "1", "index": 2},
        fwd("model", {"randn": [2, 4]}, "moved"),
        {"op": "rename", "parent": "model", "name": "3", "new_name": "head"},
        mod("tanh", "Tanh"),
        {"op": "attach", "parent": "model", "name": "squash", "child": "tanh", "index": 1},
        init("model.head.weight", "xavier_uniform_"),
        {"op": "move", "parent": "model", "name": "head", "index": 3},
        {"op": "move", "parent": "model", "name": "head", "index": 4},
        fwd("model", {"randn": [3, 4]}, "after"),
    ]),
    # a ModuleDict reordered before a tree-wide reset: modules() order decides the draw order
    "restructure-dict-reset": R(12, "d", version=2, ops=[
        mod("a", "Linear", in_features=3, out_features=2),
        mod("b", "Linear", in_features=2, out_features=4),
        mod("d", "ModuleDict", {"first": "a", "second": "b"}),
        {"op": "move", "parent": "d", "name": "second", "index": 0},
        {"op": "reset_parameters", "target": "d"},
        {"op": "rename", "parent": "d", "name": "first", "new_name": "last"},
        {"op": "init_modules", "target": "d", "match": "Linear", "weight": {"fn": "kaiming_normal_"}},
    ]),
    # a user class with a shared child: renamed and reordered, its forward runs the new order
    "restructure-custom-shared": R(13, "model", version=2, ops=[
        mod("l", "Linear", in_features=5, out_features=5),
        mod("n", "LayerNorm", normalized_shape=5),
        mod("model", "Sequential", {"linear1": "l", "norm": "n", "linear2": "l"}, cls="CustomModel"),
        fwd("model", {"randn": [2, 5]}, "before"),
        {"op": "rename", "parent": "model", "name": "linear2", "new_name": "tied"},
        {"op": "move", "parent": "model", "name": "norm", "index": 0},
        init("model.tied.weight", "orthogonal_"),
        fwd("model", {"randn": [2, 5]}, "after"),
    ]),
    # batched convolutions torch runs on oneDNN (Mkldnn backend), then BatchNorm running statistics
    # computed from their outputs: all compared bit for bit (tests/doc/test-parity.c, "onednn-" fixtures;
    # oneDNN capped at AVX2 on both sides)
    "onednn-conv2d-bn": R(3, "model", [
        mod("c1", "Conv2d", in_channels=3, out_channels=8, kernel_size=3, padding=1),
        mod("b1", "BatchNorm2d", num_features=8),
        mod("r1", "ReLU"),
        mod("c2", "Conv2d", in_channels=8, out_channels=16, kernel_size=3, stride=2, groups=2, bias=False),
        mod("b2", "BatchNorm2d", num_features=16),
        mod("c3", "Conv2d", in_channels=16, out_channels=16, kernel_size=[3, 2], dilation=[2, 1], padding=[2, 0]),
        mod("c4", "Conv2d", in_channels=16, out_channels=16, kernel_size=3, groups=16, padding=1),
        mod("b4", "BatchNorm2d", num_features=16),
        mod("model", "Sequential", ["c1", "b1", "r1", "c2", "b2", "c3", "c4", "b4"]),
        fwd("model", {"randn": [4, 3, 12, 11]}, "y"),
        fwd("model", {"randn": [2, 3, 9, 13]}, "y2"),
        {"op": "mode", "target": "model", "train": False},
        fwd("model", {"randn": [3, 3, 10, 10]}, "y_eval"),
    ]),
    "onednn-conv1d-bn": R(5, "model", [
        mod("c1", "Conv1d", in_channels=4, out_channels=8, kernel_size=5, padding=2),
        mod("b1", "BatchNorm1d", num_features=8),
        mod("c2", "Conv1d", in_channels=8, out_channels=8, kernel_size=3, stride=2, dilation=2, groups=4),
        mod("b2", "BatchNorm1d", num_features=8),
        mod("c3", "Conv1d", in_channels=8, out_channels=6, kernel_size=3, padding="same", bias=False),
        mod("model", "Sequential", ["c1", "b1", "c2", "b2", "c3"]),
        fwd("model", {"randn": [8, 4, 40]}, "y"),
        fwd("model", {"randn": [3, 4, 33]}, "y2"),
    ]),
    "onednn-conv3d": R(9, "model", [
        mod("c1", "Conv3d", in_channels=2, out_channels=4, kernel_size=3, padding=1),
        mod("c2", "Conv3d", in_channels=4, out_channels=8, kernel_size=[1, 3, 3], stride=[1, 2, 2], groups=2),
        mod("c3", "Conv3d", in_channels=8, out_channels=4, kernel_size=2, dilation=2, bias=False),
        mod("model", "Sequential", ["c1", "c2", "c3"]),
        fwd("model", {"randn": [2, 2, 7, 8, 9]}, "y"),
        fwd("c1", {"randn": [3, 2, 5, 5, 5]}, "y_c1"),
    ]),
    "onednn-conv-same-even": R(11, "conv", [
        mod("conv", "Conv2d", in_channels=3, out_channels=5, kernel_size=4, padding="same"),
        fwd("conv", {"randn": [2, 3, 9, 8]}, "y"),
    ]),
}

# the scale op (version 4): makemore's `layer.weight *= 5/3` and a less confident last layer,
# an int64 buffer times an integer, NaN and inf factors
HAND["scale-init"] = R(0, "m", [
    mod("l1", "Linear", in_features=6, out_features=8),
    mod("t", "Tanh"),
    mod("l2", "Linear", in_features=8, out_features=3),
    mod("bn", "BatchNorm1d", num_features=3),
    mod("m", "Sequential", children=["l1", "t", "l2", "bn"]),
    {"op": "scale", "target": "m.0.weight", "factor": 5 / 3},
    {"op": "scale", "target": "m.2.weight", "factor": 0.1},
    {"op": "scale", "target": "m.2.bias", "factor": -2},
    fwd("m", {"randn": [4, 6]}, "y"),
    {"op": "scale", "target": "m.3.num_batches_tracked", "factor": 3},
    {"op": "scale", "target": "m.3.running_var", "factor": "inf"},
    {"op": "scale", "target": "m.3.weight", "factor": "nan"},
    {"op": "scale", "target": "l1.bias", "factor": 1e39},
], version=4)

# one recipe per error torch raises, each stopping at its failing op (the message must match)
_ERRORS = {
    "conv-groups": [mod("c", "Conv2d", in_channels=3, out_channels=4, kernel_size=3, groups=2)],
    "conv-out-groups": [mod("c", "Conv1d", in_channels=4, out_channels=3, kernel_size=3, groups=2)],
    "attention-heads": [mod("a", "MultiheadAttention", embed_dim=5, num_heads=2)],
    "groupnorm-groups": [mod("g", "GroupNorm", num_groups=4, num_channels=6)],
    "linear-negative": [mod("fc", "Linear", in_features=-1, out_features=5)],
    "dropout-p": [mod("d", "Dropout", p=1.5)],
    "layernorm-shape": [mod("ln", "LayerNorm", normalized_shape=8), fwd("ln", {"randn": [2, 5]})],
    "conv-channels": [mod("c", "Conv2d", in_channels=3, out_channels=8, kernel_size=3),
                      fwd("c", {"randn": [1, 4, 8, 8]})],
    "conv-too-small": [mod("c", "Conv2d", in_channels=3, out_channels=8, kernel_size=3),
                       fwd("c", {"randn": [1, 3, 2, 2]})],
    "normal-std": [mod("fc", "Linear", in_features=3, out_features=2), init("fc.weight", "normal_", std=-1)],
    "uniform-range": [mod("fc", "Linear", in_features=3, out_features=2), init("fc.bias", "uniform_", a=0.9545, b=-0.9545)],
    "rnn-input-size": [mod("r", "RNN", input_size=3, hidden_size=4), fwd("r", {"randn": [2, 1, 5]})],
    "lstm-input-dims": [mod("r", "LSTM", input_size=3, hidden_size=4), fwd("r", {"randn": [2, 1, 3, 3]})],
    "embedding-float-input": [mod("e", "Embedding", num_embeddings=4, embedding_dim=3),
                              fwd("e", {"value": [0.5, 1.0], "dtype": "float32"})],
    "batchnorm-channels": [mod("bn", "BatchNorm2d", num_features=3), fwd("bn", {"randn": [2, 4, 3, 3]})],
    "groupnorm-input": [mod("g", "GroupNorm", num_groups=2, num_channels=6), fwd("g", {"randn": [2, 4]})],
    "kaiming-mode": [mod("fc", "Linear", in_features=3, out_features=2),
                     init("fc.weight", "kaiming_uniform_", mode="fan_avg")],
    "bilinear-shape": [mod("b", "Bilinear", in1_features=3, in2_features=3, out_features=2),
                       fwd("b", {"randn": [2, 4]})],
    "scale-long": [mod("bn", "BatchNorm1d", num_features=3),
                   {"op": "scale", "target": "bn.num_batches_tracked", "factor": 0.5}],
}
for _name, _ops in _ERRORS.items():
    HAND["error-" + _name] = R(0, None, _ops, **({"version": 4} if _name.startswith("scale") else {}))

# the same article recipes in the DEFAULT CPU flavour
for _name in ("init-gallery", "article-custom-model"):
    HAND[_name + "-default"] = dict(HAND[_name], flavour="default")


def examples():
    """The examples torch_recipe.py replays (recipe versions 1 and 2). A version 3 example (training
    ops, e.g. examples/train-xor.json) is not a fixture here: tests/golden/gen_train.py makes its
    golden run (train-golden/_shared.json), which tests/doc/test-train-recipe.c and tests/cli/test-cli-train.c
    compare it with."""
    out = {}
    for path in sorted(glob.glob(os.path.join(TOP, "examples", "*.json"))):
        with open(path) as f:
            rec = json.load(f)
        if rec.get("format") != "paramscope-recipe":
            continue
        name = "example-" + os.path.splitext(os.path.basename(path))[0]
        if rec.get("version") not in torch_recipe.VERSIONS:
            print("%-28s version %s: not replayed here (see gen_train.py)" % (name, rec.get("version")))
            continue
        out[name] = rec
    return out


def dump(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def final_state(res):
    if res.get("error_state") is not None:
        return res["error_state"]
    return res["steps"][-1]["state"] if res["steps"] else {}


def digest(t):
    """SHA-256 of the raw little-endian bytes, as the exported script computes it."""
    if t is None:
        return None
    if t["dtype"] == "float32":
        raw = b"".join(struct.pack("<I", int(h, 16)) for h in t["hex"])
    else:
        raw = b"".join(struct.pack("<q", v) for v in t["int"])
    return {"shape": t["shape"], "dtype": t["dtype"], "sha256": hashlib.sha256(raw).hexdigest()}


def digests(res, mapping):
    return {k: (None if i < 0 else digest(res["tensors"][i])) for k, i in mapping.items()}


def check_export(name, res, exp):
    """The exported script's result must equal torch_recipe's, bit for bit."""
    problems = []
    if digests(res, final_state(res)) != exp["state"]:
        problems.append("final state differs")
    if digests(res, res["outputs"]) != exp["outputs"]:
        problems.append("outputs differ")
    want_err = res["error"] and {k: res["error"][k] for k in ("step", "type", "message")}
    if want_err != exp["error"]:
        problems.append("error differs: %r vs %r" % (want_err, exp["error"]))
    if res.get("probe_after_raw", res["probe_after"]) != exp["probe_after"]:
        problems.append("probe differs")
    if problems:
        raise SystemExit("%s: exported script: %s" % (name, "; ".join(problems)))


def export(build, names):
    """Writes NAME.export.py with the C exporter (test-export-pytorch in write mode), runs each
    with torch into NAME.export.json and checks it against the torch replay."""
    env = dict(os.environ, PS_EXPORT_WRITE="1", PS_TEST_DATA=os.path.join(TOP, "tests", "data"))
    subprocess.run([os.path.join(build, "tests", "test-export-pytorch")], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    for name in names:
        spath = os.path.join(OUT, name + ".export.py")
        epath = os.path.join(OUT, name + ".export.json")
        if not os.path.exists(spath):   # a recipe Paramscope cannot load (test-parity's known[])
            print("%-28s not exported" % name)
            continue
        if os.path.exists(epath):
            os.unlink(epath)
        env = dict(os.environ)
        env.pop("ATEN_CPU_CAPABILITY", None)
        # OpenBLAS's kernel set and thread count decide torch's sgemm bits: the settings the
        # torch replays were made with (see tests/meson.build)
        env.update(OPENBLAS_CORETYPE="Haswell", OPENBLAS_NUM_THREADS="2")
        rpath = os.path.join(OUT, name + ".recipe.json")
        p = subprocess.run([sys.executable, os.path.join(HERE, "run_export.py"), rpath, spath, epath],
                           capture_output=True, text=True, env=env)
        if not os.path.exists(epath):
            raise SystemExit("%s: exported script wrote no result:\n%s" % (name, p.stderr))
        with open(epath) as f:
            exp = json.load(f)
        with open(os.path.join(OUT, name + ".torch.json")) as f:
            res = json.load(f)
        check_export(name, res, exp)
        print("%-28s export ok" % name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--random", type=int, default=40)
    ap.add_argument("--export", metavar="BUILDDIR")
    ap.add_argument("--only", help="only recipes whose name matches this pattern")
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    recipes = dict(examples())
    recipes.update(HAND)
    for s in range(a.random):
        recipes["random-%02d" % s] = random_recipes.generate(s)
    total = 0
    for name, rec in recipes.items():
        if a.only and not fnmatch.fnmatch(name, a.only):
            continue
        rpath = os.path.join(OUT, name + ".recipe.json")
        with open(rpath, "w") as f:
            json.dump(rec, f, indent=1)
            f.write("\n")
        res = torch_recipe.result_for_recipe(rec)
        dump(res, os.path.join(OUT, name + ".torch.json"))
        err = res["error"]
        print("%-28s %3d ops %s" % (name, len(rec["ops"]),
                                   "error at %d: %s" % (err["step"], err["message"][:60]) if err else "ok"))
    if a.export:
        export(a.export, [n for n in recipes if not a.only or fnmatch.fnmatch(n, a.only)])
    for p in glob.glob(os.path.join(OUT, "*")):
        total += os.path.getsize(p)
    print("fixtures: %d recipes, %.0f KB" % (len(recipes), total / 1024))


if __name__ == "__main__":
    main()
