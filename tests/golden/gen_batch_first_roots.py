#!/usr/bin/python3
"""Train runs whose model output is, in torch, a view with dims 0 and 1 swapped, into the loss
(tests/doc/test-batch-first-roots.c): a batch_first RNN, LSTM or GRU as the model root (its output
is output.transpose(0, 1)) and a batch_first MultiheadAttention or GRU followed by Sigmoid into
BCELoss (binary_cross_entropy allocates its element-wise loss as empty_like(input), so the mean/sum
adds in the view's memory order, as MSELoss's TensorIterator result does). A Linear after the RNN
gives a contiguous output again (a control).

Also "layouts": for layers Paramscope has, whether torch's output of a swapped (4, 5, 8) input is
still swapped (element-wise layers, Dropout and Identity keep it; src/core/ps-loss.c keeps_layout).

Run with Debian's torch 1.13.1:
  OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tests/golden/gen_batch_first_roots.py
writes tests/data/batch-first/{X,Y8,Y16,Y32,Y1,…,Y33}.npy, the recipes NAME.recipe.json and layouts.json; then
`PS_EXPORT_WRITE=1 build/tests/test-batch-first-roots` writes their exported scripts NAME.export.py, and
  /usr/bin/python3 tests/golden/gen_batch_first_roots.py --export
runs those scripts with torch (tests/golden/run_export.py) into NAME.export.json.
"""
import json
import os
import subprocess
import sys

import numpy
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = os.path.join(HERE, "..", "data", "batch-first")


def m(mid, typ, **args):
    return {"op": "module", "id": mid, "type": typ, "args": args}


def seq(children):
    return {"op": "module", "id": "m", "type": "Sequential", "children": {c: c for c in children}}


LSTM = dict(input_size=8, hidden_size=16, batch_first=True)
# name → (modules (the last one "m", the root), Y file, loss, optimizer)
RUNS = {
    "lstm-mse": ([m("m", "LSTM", **LSTM)], "Y16", {"type": "MSELoss", "args": {}},
                 {"type": "SGD", "args": {"lr": 0.05, "momentum": 0.9}}),
    "gru-l1-sum": ([m("m", "GRU", input_size=8, hidden_size=16, num_layers=2, batch_first=True)], "Y16",
                   {"type": "L1Loss", "args": {"reduction": "sum"}}, {"type": "Adam", "args": {"lr": 0.01}}),
    "rnn-bi-smooth-l1": ([m("m", "RNN", input_size=8, hidden_size=16, bidirectional=True, batch_first=True)], "Y32",
                         {"type": "SmoothL1Loss", "args": {"beta": 0.5}}, {"type": "RMSprop", "args": {"lr": 0.01}}),
    "lstm-huber": ([m("m", "LSTM", input_size=8, hidden_size=16, num_layers=2, batch_first=True)], "Y16",
                   {"type": "HuberLoss", "args": {"delta": 0.3}}, {"type": "SGD", "args": {"lr": 0.1}}),
    "gru-bce-logits": ([m("m", "GRU", **LSTM)], "Y16", {"type": "BCEWithLogitsLoss", "args": {}},
                       {"type": "SGD", "args": {"lr": 0.1}}),
    "mha-sigmoid-bce": ([m("attn", "MultiheadAttention", embed_dim=8, num_heads=2, batch_first=True),
                         m("act", "Sigmoid"), seq(["attn", "act"])], "Y8",
                        {"type": "BCELoss", "args": {}}, {"type": "SGD", "args": {"lr": 0.1, "momentum": 0.5}}),
    "gru-sigmoid-bce-sum": ([m("gru", "GRU", **LSTM), m("act", "Sigmoid"), seq(["gru", "act"])], "Y16",
                            {"type": "BCELoss", "args": {"reduction": "sum"}}, {"type": "Adam", "args": {"lr": 0.01}}),
    "lstm-tanh-mse": ([m("lstm", "LSTM", **LSTM), m("act", "Tanh"), m("same", "Identity"),
                       seq(["lstm", "act", "same"])], "Y16", {"type": "MSELoss", "args": {"reduction": "sum"}},
                      {"type": "SGD", "args": {"lr": 0.01}}),
    "lstm-linear-mse": ([m("lstm", "LSTM", **LSTM), m("fc", "Linear", in_features=16, out_features=16),
                         seq(["lstm", "fc"])], "Y16", {"type": "MSELoss", "args": {}},
                        {"type": "SGD", "args": {"lr": 0.05}}),
}

# Feature sizes that are not a multiple of 16 (nor of 8, but 1): the swapped output's memory-order
# loss sums and the layout-keeping layer's element-wise kernels over their vector tails. A batch_first
# LSTM of hidden size E, then a layer that keeps the swapped layout, into a loss.
SIZES = [(1, "ReLU", {"type": "MSELoss", "args": {}}),
         (3, "Tanh", {"type": "L1Loss", "args": {"reduction": "sum"}}),
         (7, "Sigmoid", {"type": "BCELoss", "args": {}}),
         (15, "SiLU", {"type": "SmoothL1Loss", "args": {"beta": 0.5}}),
         (17, "GELU", {"type": "HuberLoss", "args": {"delta": 0.3}}),
         (33, "LeakyReLU", {"type": "MSELoss", "args": {"reduction": "sum"}})]
for e, act, loss in SIZES:
    RUNS["size%d-lstm-%s-%s" % (e, act.lower(), loss["type"].lower())] = (
        [m("lstm", "LSTM", input_size=8, hidden_size=e, batch_first=True), m("act", act), seq(["lstm", "act"])],
        "Y%d" % e, loss, {"type": "SGD", "args": {"lr": 0.05, "momentum": 0.9}})

# layer → constructor args (Paramscope's recipe args = torch's keywords), on a swapped (4, 5, 8) input
LAYOUT_LAYERS = [
    ("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("Tanh", {}), ("Sigmoid", {}), ("SiLU", {}),
    ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("Dropout", {"p": 0.3}), ("Identity", {}),
    ("PReLU", {}), ("Softmax", {"dim": -1}), ("LogSoftmax", {"dim": -1}), ("LayerNorm", {"normalized_shape": 8}),
    ("Linear", {"in_features": 8, "out_features": 3}), ("Flatten", {}), ("BatchNorm1d", {"num_features": 5}),
    ("InstanceNorm1d", {"num_features": 5}), ("MaxPool1d", {"kernel_size": 2}), ("AvgPool1d", {"kernel_size": 2}),
    ("Conv1d", {"in_channels": 5, "out_channels": 2, "kernel_size": 3}),
]


def layouts():
    out = []
    for typ, args in LAYOUT_LAYERS:
        kw = {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}
        for train in (True, False):
            layer = getattr(nn, typ)(**kw).train(train)
            x = torch.randn(5, 4, 8, requires_grad=True).transpose(0, 1)
            y = layer(x)
            swapped = y.dim() == 3 and y.stride(0) < y.stride(1)
            out.append({"type": typ, "args": args, "train": train, "swapped": swapped})
    return out


def write_data():
    g = torch.Generator().manual_seed(777)
    X = torch.randn(16, 5, 8, generator=g)
    numpy.save(os.path.join(DIR, "X.npy"), X.numpy())
    for e in (8, 16, 32) + tuple(e for e, _, _ in SIZES):   # the later ones do not change the first three
        w = torch.randn(8, e, generator=g)
        Y = torch.sigmoid(X.flip(1).cumsum(1) @ w * 0.2)   # in (0, 1) for BCELoss
        numpy.save(os.path.join(DIR, "Y%d.npy" % e), Y.numpy())
    for i, (name, (mods, yfile, loss, opt)) in enumerate(RUNS.items()):
        recipe = {
            "format": "paramscope-recipe", "version": 3, "seed": 50 + i, "root": "m",
            "description": "%s with a batch_first recurrent or attention layer (tests/golden/gen_batch_first_roots.py): "
                           "torch's output is a transposed view, its loss adds in its memory order" % loss["type"],
            "ops": mods + [
                {"op": "dataset", "id": "d", "file": "X.npy", "y": yfile + ".npy"},
                {"op": "optimizer", "id": "opt", "type": opt["type"], "params": "m", "args": opt["args"]},
                {"op": "train", "model": "m", "optimizer": "opt", "data": "d", "loss": loss,
                 "batch_size": 4, "shuffle": True, "epochs": 2},
            ]}
        with open(os.path.join(DIR, name + ".recipe.json"), "w") as f:
            json.dump(recipe, f, indent=1)
            f.write("\n")
    with open(os.path.join(DIR, "layouts.json"), "w") as f:
        json.dump({"torch": torch.__version__, "layouts": layouts()}, f, indent=1)
        f.write("\n")


def export_results():
    for name in RUNS:
        result = os.path.join(DIR, name + ".export.json")
        subprocess.run([sys.executable, os.path.join(HERE, "run_export.py"), os.path.join(DIR, name + ".recipe.json"),
                        os.path.join(DIR, name + ".export.py"), result], check=True)
        with open(result) as f:
            err = json.load(f)["error"]
        if err is not None:
            raise SystemExit("%s: the exported script failed: %s" % (name, err))


if __name__ == "__main__":
    if "--export" in sys.argv:
        export_results()
    else:
        write_data()
