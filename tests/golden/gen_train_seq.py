#!/usr/bin/python3
"""Golden data for the sequence-model half of training (tests/core/test-loss.c "losses",
tests/core/test-rnn-backward.c "rnn"), kept apart from gen_train.py so that file's random stream
stays as it is.

Run with Debian's torch 1.13.1 (OpenBLAS as tests/meson.build pins it):
  OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tests/golden/gen_train_seq.py
Writes tests/data/train-seq-golden/ (split per layer or loss type by golden_split.py: <Type>.json holds
that type's "losses", "rnn" or "attention" cases, _shared.json the "runs"), tensors as in gen_train.py
({"shape", "hex"}), and the
recipes and data files of tests/data/train-seq. With --export (after
`PS_EXPORT_WRITE=1 build/tests/test-train-seq` wrote NAME.export.py) it only runs those exported
scripts with torch into NAME.export.json.

Sections:
  losses  as gen_train.py's: CrossEntropyLoss with label_smoothing (class indices, weight,
          ignore_index) and with probability targets (± label_smoothing, weight); loss and x.grad
          after loss.backward()
  attention  as rnn for MultiheadAttention self-attention (h = emb(x); y = mha(h, h, h)[0]), with
          "emb_dim" and "train"
  rnn     {"type", "args", "params": {name: tensor}, "xi", "xshape", "gy", "y", "grads": {name: tensor},
          "fwd_seed"?}: m = Sequential(Embedding(10, input_size), rnn); y = m(x)[0]; y.backward(gy);
          every parameter's .grad
"""
import json
import os
import sys
import warnings

import torch
import torch.nn as nn

import golden_split
from train_golden import Seq, attention_case, loss_case, run_exports, tens, train_record

warnings.simplefilter("ignore")
torch.set_num_threads(1)
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")


g = torch.Generator().manual_seed(4321)


def randn(*shape, scale=1.0):
    return torch.randn(*shape, generator=g) * scale


# ---------------- losses ----------------
LOSSES = []


for (N, C) in [(1, 2), (7, 3), (8, 9), (32, 10), (33, 17), (100, 5)]:
    x = randn(N, C, scale=3.0)
    t = torch.randint(0, C, (N,), generator=g)
    if N > 2:
        t[1] = -100
    w = (torch.rand(C, generator=g) + 0.5).tolist()
    probs = torch.softmax(randn(N, C, scale=2.0), 1)
    for red in ["mean", "sum", "none"]:
        for ls in [0.1, 0.25, 1.0]:
            loss_case(LOSSES, "CrossEntropyLoss", {"reduction": red, "label_smoothing": ls}, x, t)
        loss_case(LOSSES, "CrossEntropyLoss", {"reduction": red, "label_smoothing": 0.2, "weight": w}, x, t)
        t2 = t.clone()
        t2[t2 == -100] = 0
        t2[0] = C - 1
        loss_case(LOSSES, "CrossEntropyLoss", {"reduction": red, "label_smoothing": 0.3, "ignore_index": C - 1}, x, t2)
        loss_case(LOSSES, "CrossEntropyLoss", {"reduction": red, "label_smoothing": 0.3, "ignore_index": C - 1,
                                       "weight": w}, x, t2)
        for ls in [0.0, 0.2]:
            loss_case(LOSSES, "CrossEntropyLoss", {"reduction": red, "label_smoothing": ls}, x, probs)
            loss_case(LOSSES, "CrossEntropyLoss", {"reduction": red, "label_smoothing": ls, "weight": w}, x, probs)

# ---------------- RNN / LSTM / GRU backward ----------------
# m = Sequential(Embedding(10, input_size), rnn): the Embedding makes the RNN's input require
# grad, so its weight gradient (rows summed in occurrence order) checks the RNN's grad_input.
# Dropout cases reseed the global generator with fwd_seed right before the forward.
RNNS = []


def rnn_case(typ, args, shape, fwd_seed=None):
    torch.manual_seed(len(RNNS) + 100)
    rnn = getattr(nn, typ)(**args)
    emb = nn.Embedding(10, args["input_size"])
    m = nn.Sequential(emb, rnn)
    with torch.no_grad():   # larger weights than the default init: saturated gates too
        for p in rnn.parameters():
            p.mul_(2.5)
    x = torch.randint(0, 10, shape[:-1], generator=g)
    if fwd_seed is not None:
        torch.manual_seed(fwd_seed)
    out = m(x)
    y = out[0] if isinstance(out, tuple) else out
    gy = randn(*y.shape)
    y.backward(gy)
    c = {"type": typ, "args": args, "xi": x.flatten().tolist(), "xshape": list(x.shape), "gy": tens(gy),
         "y": tens(y), "params": {k: tens(v) for k, v in m.state_dict().items()},
         "grads": {k: tens(v.grad) for k, v in m.named_parameters()}}
    if fwd_seed is not None:
        c["fwd_seed"] = fwd_seed
    RNNS.append(c)


for typ in ["RNN", "LSTM", "GRU"]:
    rnn_case(typ, {"input_size": 4, "hidden_size": 5}, (6, 3, 4))
    rnn_case(typ, {"input_size": 4, "hidden_size": 20, "num_layers": 2, "bidirectional": True}, (5, 2, 4))
    rnn_case(typ, {"input_size": 4, "hidden_size": 6, "batch_first": True, "bias": False}, (3, 7, 4))
    rnn_case(typ, {"input_size": 4, "hidden_size": 18}, (4, 4))   # unbatched (T, in)
    rnn_case(typ, {"input_size": 5, "hidden_size": 7, "num_layers": 3, "dropout": 0.3}, (4, 2, 5), fwd_seed=7)
    rnn_case(typ, {"input_size": 1, "hidden_size": 1}, (3, 1, 1))
    rnn_case(typ, {"input_size": 8, "hidden_size": 33, "batch_first": True}, (16, 12, 8))
rnn_case("RNN", {"input_size": 4, "hidden_size": 5, "nonlinearity": "relu", "num_layers": 2}, (6, 3, 4))
rnn_case("LSTM", {"input_size": 4, "hidden_size": 6, "proj_size": 3}, (5, 2, 4))
rnn_case("LSTM", {"input_size": 4, "hidden_size": 6, "proj_size": 1, "num_layers": 2, "bidirectional": True,
                  "batch_first": True}, (2, 5, 4))
for typ in ["RNNCell", "LSTMCell", "GRUCell"]:
    rnn_case(typ, {"input_size": 4, "hidden_size": 5}, (3, 4))
    rnn_case(typ, {"input_size": 4, "hidden_size": 17, "bias": False}, (4,))
rnn_case("RNNCell", {"input_size": 4, "hidden_size": 5, "nonlinearity": "relu"}, (6, 4))

# ---------------- end-to-end sequence runs, as recipes ----------------
# Each run writes tests/data/train-seq/<name>.npz (numpy.savez) and <name>.recipe.json (version 3:
# module ops in torch's construction order, the file data set, optimizer, train with record_every
# 1); "runs" holds every step's loss, parameters and gradients from the torch loop the train op
# documents: loader = DataLoader(TensorDataset(X, y), batch_size, shuffle, drop_last); per batch
# opt.zero_grad(); loss = loss_fn(m(xb), yb); loss.backward(); [clip_grad_norm_]; opt.step().
import numpy as np
from torch.utils.data import DataLoader, TensorDataset

SEQ_DIR = os.path.join(DATA, "train-seq")
RUNS = []



def seq_run(name, seed, X, y, layers, loss, opt, steps, bs=16, shuffle=True, drop_last=False, clip=None, csv=False):
    os.makedirs(SEQ_DIR, exist_ok=True)
    if csv:
        # a header line, then each float32 value with 9 significant digits (float() and a float32
        # rounding give it back exactly)
        with open(os.path.join(SEQ_DIR, name + ".csv"), "w") as f:
            f.write(",".join(["f%d" % j for j in range(X.shape[1])] + ["label"]) + "\n")
            for i in range(X.shape[0]):
                f.write(",".join(["%.9g" % v for v in X[i].tolist()] + ["%d" % int(y[i])]) + "\n")
    else:
        np.savez(os.path.join(SEQ_DIR, name + ".npz"), X=X.numpy(), y=y.numpy())
    torch.manual_seed(seed)
    model = Seq(*[getattr(nn, t)(**a) for t, a in layers])
    optim = getattr(torch.optim, opt[0])(model.parameters(), **opt[1])
    loss_fn = getattr(nn, loss[0])(**loss[1])
    loader = DataLoader(TensorDataset(X, y), batch_size=bs, shuffle=shuffle, drop_last=drop_last)
    rec = train_record(model, optim, loss_fn, loader, steps,
                       lambda l: {"loss": tens(l), "params": {k: tens(v) for k, v in model.named_parameters()},
                                  "grads": {k: tens(v.grad) for k, v in model.named_parameters()}}, clip)
    ops = [{"op": "module", "id": "l%d" % i, "type": t, "args": a} for i, (t, a) in enumerate(layers)]
    ops.append({"op": "module", "id": "model", "type": "Sequential", "children": ["l%d" % i for i in range(len(layers))]})
    ops.append({"op": "dataset", "id": "data", "file": name + ".csv", "x": "*", "y": "label"} if csv
               else {"op": "dataset", "id": "data", "file": name + ".npz", "x": "X", "y": "y"})
    ops.append({"op": "optimizer", "id": "opt", "type": opt[0], "params": "model", "args": opt[1]})
    train = {"op": "train", "model": "model", "optimizer": "opt", "data": "data",
             "loss": {"type": loss[0], "args": loss[1]}, "batch_size": bs, "shuffle": shuffle,
             "drop_last": drop_last, "steps": steps, "record_every": 1}
    if clip is not None:
        train["clip_grad_norm"] = clip
    ops.append(train)
    recipe = {"format": "paramscope-recipe", "version": 3, "seed": seed, "root": "model",
              "description": "tests/golden/gen_train_seq.py: " + name, "ops": ops}
    with open(os.path.join(SEQ_DIR, name + ".recipe.json"), "w") as f:
        json.dump(recipe, f, indent=1)
        f.write("\n")
    RUNS.append({"name": name, "record": rec, "probe": torch.randint(0, 2 ** 31, (2,)).tolist()})


# Embedding bag of 6 tokens → 3 classes (label smoothing)
Xt = torch.randint(0, 20, (96, 6), generator=g)
yt = Xt.sum(1) % 3
seq_run("embedding-bag", 11, Xt, yt,
        [("Embedding", {"num_embeddings": 20, "embedding_dim": 8}), ("Flatten", {}),
         ("Linear", {"in_features": 48, "out_features": 16}), ("ReLU", {}),
         ("Linear", {"in_features": 16, "out_features": 3})],
        ("CrossEntropyLoss", {"label_smoothing": 0.1}), ("Adam", {"lr": 0.01}), 20)
# LSTM sequence classification: is the sum of feature 0 over 7 steps positive?
Xs = randn(64, 7, 4)
ys = (Xs[:, :, 0].sum(1) > 0).long()
seq_run("lstm-seq", 12, Xs, ys,
        [("LSTM", {"input_size": 4, "hidden_size": 8, "batch_first": True}), ("Flatten", {}),
         ("Linear", {"in_features": 56, "out_features": 2})],
        ("CrossEntropyLoss", {}), ("SGD", {"lr": 0.1, "momentum": 0.9}), 20)
# Embedding → 2-layer bidirectional GRU with dropout (draws interleaved with the loader's) → Linear
Xg = torch.randint(0, 12, (48, 5), generator=g)
yg = (Xg[:, 0] > Xg[:, -1]).long()
seq_run("embedding-gru", 13, Xg, yg,
        [("Embedding", {"num_embeddings": 12, "embedding_dim": 4}),
         ("GRU", {"input_size": 4, "hidden_size": 6, "num_layers": 2, "batch_first": True, "bidirectional": True,
                  "dropout": 0.25}),
         ("Flatten", {}), ("Linear", {"in_features": 60, "out_features": 2})],
        ("CrossEntropyLoss", {}), ("RMSprop", {"lr": 0.01}), 20, bs=12, drop_last=True, clip=1.0)

# An MLP on a CSV table (3 float columns and an integer label)
Xc = randn(80, 3)
yc = ((Xc[:, 0] * Xc[:, 1] - Xc[:, 2]) > 0).long()
seq_run("csv-mlp", 14, Xc, yc,
        [("Linear", {"in_features": 3, "out_features": 8}), ("Tanh", {}),
         ("Linear", {"in_features": 8, "out_features": 2})],
        ("CrossEntropyLoss", {}), ("Adam", {"lr": 0.02}), 12, bs=16, csv=True)

# ---------------- MultiheadAttention backward (self-attention; after the runs: g's stream) ----------------
# As "rnn": Sequential(Embedding(10, embed_dim), mha) names the parameters; the forward is
# h = emb(x); y = mha(h, h, h)[0] (need_weights=True, the default: F.multi_head_attention_forward's
# bmm/softmax path); y.backward(gy).
ATTN = []


def attn_case(args, shape, fwd_seed=None, train=True):
    c = attention_case(args, shape, len(ATTN) + 300, g, fwd_seed, train)
    if fwd_seed is not None:
        c["fwd_seed"] = fwd_seed
    ATTN.append(c)


attn_case({"embed_dim": 8, "num_heads": 2}, (5, 3, 8))
attn_case({"embed_dim": 8, "num_heads": 2, "batch_first": True}, (3, 5, 8))
attn_case({"embed_dim": 8, "num_heads": 2}, (5, 8))
attn_case({"embed_dim": 6, "num_heads": 3, "bias": False}, (4, 2, 6))
attn_case({"embed_dim": 8, "num_heads": 1}, (7, 2, 8))
attn_case({"embed_dim": 16, "num_heads": 4}, (12, 3, 16))          # bmm through sgemm (K·M·N ≥ 400)
attn_case({"embed_dim": 64, "num_heads": 8, "batch_first": True}, (4, 20, 64))
attn_case({"embed_dim": 24, "num_heads": 2}, (9, 2, 24))            # softmax rows of 9: lanes + tail
attn_case({"embed_dim": 8, "num_heads": 2, "dropout": 0.3}, (6, 3, 8), fwd_seed=17)
attn_case({"embed_dim": 16, "num_heads": 4, "dropout": 0.2, "batch_first": True}, (2, 11, 16), fwd_seed=18)
attn_case({"embed_dim": 8, "num_heads": 2, "dropout": 0.5}, (5, 2, 8), train=False)
attn_case({"embed_dim": 8, "num_heads": 2, "add_bias_kv": True}, (5, 3, 8))
attn_case({"embed_dim": 8, "num_heads": 2, "add_zero_attn": True}, (5, 3, 8))
attn_case({"embed_dim": 8, "num_heads": 4, "add_bias_kv": True, "add_zero_attn": True, "batch_first": True}, (2, 4, 8))
attn_case({"embed_dim": 16, "num_heads": 2, "add_zero_attn": True, "add_bias_kv": True}, (12, 2, 16))  # sgemm
attn_case({"embed_dim": 16, "num_heads": 4, "dropout": 0.2, "add_bias_kv": True, "batch_first": True}, (3, 6, 16),
          fwd_seed=19)

# One step dissected (exported and run by torch only: tests/doc/test-train-seq.c /train-seq/export)
DISSECTED = {"format": "paramscope-recipe", "version": 3, "seed": 5, "root": "m",
             "description": "tests/golden/gen_train_seq.py: the dissected step, twice, with a scheduler",
             "ops": [
                 {"op": "module", "id": "lstm", "type": "LSTM", "args": {"input_size": 4, "hidden_size": 5}},
                 {"op": "module", "id": "fc", "type": "Linear", "args": {"in_features": 5, "out_features": 3}},
                 {"op": "module", "id": "m", "type": "Sequential", "children": ["lstm", "fc"]},
                 {"op": "optimizer", "id": "opt", "type": "Adam", "params": "m", "args": {"lr": 0.05, "amsgrad": True}},
                 {"op": "scheduler", "id": "s", "type": "StepLR", "optimizer": "opt", "args": {"step_size": 1, "gamma": 0.5}},
                 {"op": "forward", "target": "m", "input": {"randn": [6, 4]}, "name": "loss",
                  "loss": {"type": "CrossEntropyLoss", "args": {"label_smoothing": 0.2},
                           "target": {"randint": {"low": 0, "high": 3, "size": [6]}}}},
                 {"op": "backward", "output": "loss"},
                 {"op": "step", "optimizer": "opt"},
                 {"op": "scheduler_step", "scheduler": "s"},
                 {"op": "zero_grad", "optimizer": "opt"},
                 {"op": "forward", "target": "m", "input": {"randn": [6, 4]}, "name": "loss2",
                  "loss": {"type": "MSELoss", "args": {"reduction": "sum"}, "target": {"randn": [6, 3]}}},
                 {"op": "backward", "output": "loss2"},
                 {"op": "step", "optimizer": "opt"},
             ]}
with open(os.path.join(SEQ_DIR, "dissected.recipe.json"), "w") as f:
    json.dump(DISSECTED, f, indent=1)
    f.write("\n")

SECTIONS = {"losses": LOSSES, "rnn": RNNS, "attention": ATTN, "runs": RUNS}

def export_results():
    """NAME.export.json: each golden NAME.export.py (written by the C exporter: PS_EXPORT_WRITE=1
    build/tests/test-train-seq) run by torch through run_export.py."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    run_exports([(os.path.join(src, "examples", "train-xor.json") if name == "train-xor"
                  else os.path.join(SEQ_DIR, name + ".recipe.json"),
                  os.path.join(SEQ_DIR, name + ".export.py"), os.path.join(SEQ_DIR, name + ".export.json"))
                 for name in [r["name"] for r in RUNS] + ["train-xor", "dissected"]])


if __name__ == "__main__" and "--export" in sys.argv:
    export_results()
elif __name__ == "__main__":
    golden_split.write(SECTIONS, "train-seq-golden")
    print("wrote", {k: len(v) for k, v in SECTIONS.items()}, file=sys.stderr)
