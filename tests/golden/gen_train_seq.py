#!/usr/bin/python3
"""Golden data for the sequence-model half of training (tests/core/test-loss.c "losses",
tests/core/test-rnn-backward.c "rnn"), kept apart from gen_train.py so that file's random stream
stays as it is.

Run with Debian's torch 1.13.1 (OpenBLAS as tests/meson.build pins it):
  OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tests/golden/gen_train_seq.py
Writes tests/data/train-seq-golden.json, tensors as in gen_train.py ({"shape", "hex"}).

Sections:
  losses  as gen_train.py's: CrossEntropyLoss with label_smoothing (class indices, weight,
          ignore_index) and with probability targets (± label_smoothing, weight); loss and x.grad
          after loss.backward()
  rnn     {"type", "args", "train", "params": {name: tensor}, "x", "gy", "y", "grads": {name: tensor},
          "gx"}: y = m(x)[0]; y.backward(gy); the parameters' .grad and x.grad (x requires grad)
"""
import json
import os
import struct
import sys
import warnings

import torch
import torch.nn as nn

warnings.simplefilter("ignore")
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "train-seq-golden.json")


def tens(t):
    t = t.detach().contiguous().to(torch.float32)
    return {"shape": list(t.shape),
            "hex": [format(struct.unpack("<I", struct.pack("<f", v))[0], "08x") for v in t.flatten().tolist()]}


g = torch.Generator().manual_seed(4321)


def randn(*shape, scale=1.0):
    return torch.randn(*shape, generator=g) * scale


# ---------------- losses ----------------
LOSSES = []


def loss_case(typ, args, x, t):
    x = x.clone().requires_grad_(True)
    fn = getattr(nn, typ)(**{k: (torch.tensor(v) if k in ("weight", "pos_weight") else v) for k, v in args.items()})
    out = fn(x, t)
    c = {"type": typ, "args": args, "x": tens(x)}
    if t.dtype == torch.int64:
        c["ti"] = t.tolist()
    else:
        c["t"] = tens(t)
    c["loss"] = tens(out)
    if out.dim() == 0:
        out.backward()
        c["grad"] = tens(x.grad)
    LOSSES.append(c)


for (N, C) in [(1, 2), (7, 3), (8, 9), (32, 10), (33, 17), (100, 5)]:
    x = randn(N, C, scale=3.0)
    t = torch.randint(0, C, (N,), generator=g)
    if N > 2:
        t[1] = -100
    w = (torch.rand(C, generator=g) + 0.5).tolist()
    probs = torch.softmax(randn(N, C, scale=2.0), 1)
    for red in ["mean", "sum", "none"]:
        for ls in [0.1, 0.25, 1.0]:
            loss_case("CrossEntropyLoss", {"reduction": red, "label_smoothing": ls}, x, t)
        loss_case("CrossEntropyLoss", {"reduction": red, "label_smoothing": 0.2, "weight": w}, x, t)
        t2 = t.clone()
        t2[t2 == -100] = 0
        t2[0] = C - 1
        loss_case("CrossEntropyLoss", {"reduction": red, "label_smoothing": 0.3, "ignore_index": C - 1}, x, t2)
        loss_case("CrossEntropyLoss", {"reduction": red, "label_smoothing": 0.3, "ignore_index": C - 1,
                                       "weight": w}, x, t2)
        for ls in [0.0, 0.2]:
            loss_case("CrossEntropyLoss", {"reduction": red, "label_smoothing": ls}, x, probs)
            loss_case("CrossEntropyLoss", {"reduction": red, "label_smoothing": ls, "weight": w}, x, probs)

SECTIONS = {"losses": LOSSES}

if __name__ == "__main__":
    with open(OUT, "w") as f:
        json.dump(SECTIONS, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT, {k: len(v) for k, v in SECTIONS.items()}, file=sys.stderr)
