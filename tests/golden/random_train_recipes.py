#!/usr/bin/python3
"""Random training recipes (issue 12's "a random set of training recipes … replay in the CLI with
every recorded tensor equal to torch's"): tests/doc/test-train-random.c.

Run with Debian's torch 1.13.1, pinned as tests/meson.build pins the C side:
  ONEDNN_MAX_CPU_ISA=AVX2 OMP_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 \\
    /usr/bin/python3 tests/golden/random_train_recipes.py [--seed S] [--count N]
    ... random_train_recipes.py --capability avx512    (torch at ATEN_CPU_CAPABILITY=avx512)
    ... random_train_recipes.py --capability default   (torch at ATEN_CPU_CAPABILITY=default)
Writes tests/data/train-random/NAME.recipe.json (+ NAME.npz for file data) and
tests/data/train-random-golden.json; with --capability avx512 the same recipes (seed 12) and
tests/data/train-random-golden-avx512.json (test-train-random-avx512); with --capability default other
recipes (seed 13) carrying "flavour": "default" in tests/data/train-random-default/ and
tests/data/train-random-default-golden.json (test-train-random-default, -default-avx512). Each golden is
{"seed", "capability", "runs": [{"name", "summary", "steps", "record": [{"step", "loss", "lr",
"lr_after", "params", "grads", "buffers", "state"}], "final", "probe"}]}; "final" is
model.state_dict() after the loop (`paramscope-cli run --state-dict` must write it).

A Python random.Random(seed) picks each recipe: an architecture (MLP with ReLU/Tanh/GELU/Sigmoid/
LeakyReLU, optionally LayerNorm/BatchNorm1d/Dropout; a Conv2d or Conv1d net with pooling and
optionally BatchNorm2d; an LSTM/GRU over sequences; Embedding + Linear; and, in the last --rnn-act
recipes (12, from their own Random(seed + 1000)), a batch_first RNN/LSTM/GRU root of an odd hidden
size 1–33 followed by one or two of every element-wise activation (SiLU and GELU('tanh') too, a
Dropout or Identity among them) into a float loss on per-step targets — torch's swapped view), a data set (the xor/circles/
blobs toy sets drawn from the global generator, or an .npz of features / images / sequences / tokens),
a loss (CrossEntropyLoss with label_smoothing/weight, NLLLoss on the head or after LogSoftmax or Softmax,
MSELoss, L1Loss,
HuberLoss, SmoothL1Loss, BCEWithLogitsLoss with pos_weight; mean or sum), an optimizer with
non-default arguments (SGD momentum/nesterov/dampening/weight_decay/maximize, Adam, AdamW with
amsgrad, RMSprop centered/momentum, Adagrad lr_decay/initial_accumulator_value), sometimes a
scheduler (per step, or per epoch in "epochs" runs), clip_grad_norm, record_every, shuffle and
drop_last. Each recipe is then run as the torch code docs/recipe-format.md gives for its ops:

  torch.manual_seed(seed); X, y = <data set>; model = Seq(*layers)   (layers built in op order)
  opt = torch.optim.<T>(model.parameters(), **args); [sch = lr_scheduler.<S>(opt, **args)]
  loader = DataLoader(TensorDataset(X, y), batch_size, shuffle, drop_last)
  per batch: opt.zero_grad(); loss = loss_fn(model(xb), yb); loss.backward();
             [clip_grad_norm_(model.parameters(), c)]; opt.step(); [sch.step()]
  (float-target losses train on y.float().unsqueeze(1)).

Every record_every-th step records the loss, the lr the step used and the lr after it, every
parameter, .grad, float buffer (BatchNorm running stats) and optimizer state (opt.state[p]); the
generator's end is probed with torch.randint(0, 2**31, (2,)). Tensors of up to 32 elements are
{"shape", "hex"} (the float32 bit patterns), larger ones {"shape", "sha256"} of the little-endian
float32 bytes; doubles 16 hex digits.
"""
import argparse
import hashlib
import json
import os
import random
import struct
import sys
import warnings

from capability_arg import CAPABILITY  # noqa: E402  (before torch: it sets ATEN_CPU_CAPABILITY)
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from train_golden import Seq, dhex, toy  # noqa: E402

warnings.simplefilter("ignore")
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
# avx2: the recipes (flavour "avx2", the default) and torch's runs at AVX2; avx512: the same recipes
# run by torch at AVX512 (a second golden, no new recipes); default: other recipes (their own seed)
# with "flavour": "default", run by torch at its DEFAULT capability (the portable build).
OUT = os.path.join(HERE, "..", "data", {"avx2": "train-random-golden.json",
                                        "avx512": "train-random-golden-avx512.json",
                                        "default": "train-random-default-golden.json"}[CAPABILITY])
DIR = os.path.join(HERE, "..", "data", "train-random-default" if CAPABILITY == "default" else "train-random")
FLOAT_LOSSES = ("MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCEWithLogitsLoss")


def tens(t):
    t = t.detach().contiguous().to(torch.float32)
    if t.numel() > 32:
        b = struct.pack("<%df" % t.numel(), *t.reshape(-1).tolist())
        return {"shape": list(t.shape), "sha256": hashlib.sha256(b).hexdigest()}
    return {"shape": list(t.shape),
            "hex": [format(struct.unpack("<I", struct.pack("<f", v))[0], "08x") for v in t.reshape(-1).tolist()]}



def r3(r, lo, hi):
    """A float in [lo, hi] with 3 significant digits (exact in the recipe's JSON and in Python)."""
    return float("%.3g" % r.uniform(lo, hi))


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.g = torch.Generator().manual_seed(seed)   # the .npz data (not the recipe's generator)

    # ---- data: (spec, X or None, y or None, n_classes, input kind) ----
    def data(self, kind):
        r, g = self.r, self.g
        if kind == "toy":
            typ = r.choice(["xor", "circles", "blobs"])
            return {"type": typ, "n": r.choice([24, 37, 50, 64])}, None, None, 3 if typ == "blobs" else 2
        n = r.choice([24, 30, 40, 48])
        if kind == "tab":
            F = r.randint(2, 6)
            X = torch.randn(n, F, generator=g)
            C = r.randint(2, 4)
            y = ((X[:, 0] - X[:, -1]) * 1.5 + 1.5 + 0.3 * torch.randn(n, generator=g)).clamp(0, C - 1).long()
        elif kind == "img":
            X = torch.randn(n, 1, 6, 6, generator=g) * 0.5
            y = torch.randint(0, 2, (n,), generator=g)
            X[y == 1, :, 1:4, 1:4] += 1.0
            C = 2
        elif kind == "seq1d":
            X = torch.randn(n, 2, 10, generator=g)
            y = (X[:, 0, :5].sum(1) > X[:, 1, 5:].sum(1)).long()
            C = 2
        elif kind == "seq":
            X = torch.randn(n, r.randint(3, 5), 3, generator=g)
            y = (X[:, :, 0].sum(1) > 0).long()
            C = 2
        elif kind == "seq3":
            # per-step float targets of an odd width H (self.H), in (0, 1) for BCEWithLogitsLoss too
            X = torch.randn(n, r.randint(3, 6), 3, generator=g)
            self.H = r.choice([1, 3, 5, 7, 9, 15, 17, 33])
            w = torch.randn(3, self.H, generator=g)
            # in numpy float64: the same bits whatever ATen capability this process runs at (the
            # avx2 and avx512 runs write the same .npz)
            z = np.cumsum(X.numpy().astype(np.float64), 1) @ w.numpy().astype(np.float64) * 0.3
            y = torch.from_numpy((1.0 / (1.0 + np.exp(-z))).astype(np.float32))
            C = None
        else:   # tok
            V = r.randint(6, 12)
            X = torch.randint(0, V, (n, r.randint(3, 5)), generator=g)
            C = 3
            y = X.sum(1) % 3
        return {"file": True}, X, y, C

    def act(self):
        t = self.r.choice(["ReLU", "Tanh", "GELU", "Sigmoid", "LeakyReLU"])
        return (t, {"negative_slope": r3(self.r, 0.01, 0.3)} if t == "LeakyReLU" else {})

    def any_act(self):
        """Every element-wise activation with a backward (the ones act() draws for the older recipes,
        and SiLU, GELU('tanh'))."""
        t = self.r.choice(["ReLU", "Tanh", "GELU", "GELU-tanh", "Sigmoid", "LeakyReLU", "SiLU"])
        if t == "GELU-tanh":
            return ("GELU", {"approximate": "tanh"})
        return (t, {"negative_slope": r3(self.r, 0.01, 0.3)} if t == "LeakyReLU" else {})

    # ---- architecture: (layers, data kind) with the head's width left as None ----
    def arch(self):
        r = self.r
        a = r.choice(["mlp", "mlp", "mlp-norm", "conv2d", "conv1d", "rnn", "embed"])
        if a in ("mlp", "mlp-norm"):
            kind = r.choice(["toy", "tab"])
            return a, kind, None
        return a, {"conv2d": "img", "conv1d": "seq1d", "rnn": "seq", "embed": "tok"}[a], None

    def layers(self, a, X, n_in, n_out):
        r = self.r
        L = []
        if a in ("mlp", "mlp-norm"):
            d = n_in
            for i in range(r.randint(1, 2)):
                h = r.randint(3, 12)
                L.append(("Linear", {"in_features": d, "out_features": h}))
                if r.random() < 0.15:
                    L[-1][1]["bias"] = False
                if a == "mlp-norm" and i == 0:
                    if r.random() < 0.5:
                        L.append(("LayerNorm", {"normalized_shape": [h]} if r.random() < 0.5 else
                                  {"normalized_shape": [h], "eps": 1e-3}))
                    else:
                        L.append(("BatchNorm1d", {"num_features": h, "momentum": r3(r, 0.05, 0.5)}))
                L.append(self.act())
                if r.random() < 0.2:
                    L.append(("Dropout", {"p": r3(r, 0.1, 0.4)}))
                d = h
            L.append(("Linear", {"in_features": d, "out_features": n_out}))
        elif a == "conv2d":
            c = r.randint(2, 4)
            pad = r.choice([0, 1])
            L.append(("Conv2d", {"in_channels": 1, "out_channels": c, "kernel_size": 3, "padding": pad}))
            if r.random() < 0.5:
                L.append(("BatchNorm2d", {"num_features": c}))
            L.append(self.act())
            L.append(r.choice([("MaxPool2d", {"kernel_size": 2}), ("AvgPool2d", {"kernel_size": 2})]))
            s = (6 + 2 * pad - 2) // 2
            L.append(("Flatten", {}))
            L.append(("Linear", {"in_features": c * s * s, "out_features": n_out}))
        elif a == "conv1d":
            c = r.randint(2, 4)
            L.append(("Conv1d", {"in_channels": 2, "out_channels": c, "kernel_size": 3, "stride": r.choice([1, 2])}))
            L.append(self.act())
            lo = (10 - 3) // L[0][1]["stride"] + 1
            L.append(("Flatten", {}))
            L.append(("Linear", {"in_features": c * lo, "out_features": n_out}))
        elif a == "rnn-act":
            # a batch_first RNN/LSTM/GRU as the root (torch's output is a swapped view), then 1–2
            # element-wise activations (a Dropout or Identity among them sometimes), the loss on the
            # (batch, T, H) output: the element-wise kernels' vector tails in torch's memory order
            args = {"input_size": 3, "hidden_size": self.H, "batch_first": True}
            if r.random() < 0.3:
                args["num_layers"] = 2
            L.append((r.choice(["LSTM", "GRU", "RNN"]), args))
            for i in range(r.randint(1, 2)):
                L.append(self.any_act())
                u = r.random()
                if u < 0.15:
                    L.append(("Dropout", {"p": r3(r, 0.1, 0.4)}))
                elif u < 0.25:
                    L.append(("Identity", {}))
        elif a == "rnn":
            T = X.shape[1]
            H = r.randint(2, 5)
            args = {"input_size": 3, "hidden_size": H, "batch_first": True}
            if r.random() < 0.4:
                args["num_layers"] = 2
                if r.random() < 0.5:
                    args["dropout"] = r3(r, 0.1, 0.4)   # draws between the layers, among the loader's
            L.append((r.choice(["LSTM", "GRU", "LSTM", "GRU", "RNN"]), args))
            L.append(("Flatten", {}))
            L.append(("Linear", {"in_features": T * H, "out_features": n_out}))
        else:
            V = int(X.max()) + 1 + self.r.randint(0, 2)
            D = r.randint(2, 5)
            Lt = X.shape[1]
            L.append(("Embedding", {"num_embeddings": V, "embedding_dim": D}))
            if r.random() < 0.4:
                L.append(("LayerNorm", {"normalized_shape": [D]}))
            L.append(("Flatten", {}))
            if r.random() < 0.5:
                h = r.randint(3, 8)
                L.append(("Linear", {"in_features": Lt * D, "out_features": h}))
                L.append(self.act())
                L.append(("Linear", {"in_features": h, "out_features": n_out}))
            else:
                L.append(("Linear", {"in_features": Lt * D, "out_features": n_out}))
        return L

    def loss(self, C):
        r = self.r
        if C is None:   # per-step float targets (seq3): the float losses, pos_weight over the last dim
            t = r.choice(list(FLOAT_LOSSES))
            a = {"reduction": "sum"} if r.random() < 0.3 else {}
            if t == "HuberLoss" and r.random() < 0.6:
                a["delta"] = r3(r, 0.3, 2.0)
            elif t == "SmoothL1Loss" and r.random() < 0.6:
                a["beta"] = r3(r, 0.3, 2.0)
            elif t == "BCEWithLogitsLoss" and r.random() < 0.5:
                a["pos_weight"] = [r3(r, 0.5, 3.0) for _ in range(self.H)]
            return t, a
        t = r.choice(["CrossEntropyLoss", "CrossEntropyLoss", "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "HuberLoss",
                      "SmoothL1Loss", "BCEWithLogitsLoss"])
        if t == "BCEWithLogitsLoss" and C != 2:
            t = "CrossEntropyLoss"
        a = {}
        if r.random() < 0.3:
            a["reduction"] = "sum"
        if t == "CrossEntropyLoss":
            if r.random() < 0.5:
                a["label_smoothing"] = r3(r, 0.05, 0.3)
            if r.random() < 0.3:
                a["weight"] = [r3(r, 0.5, 2.0) for _ in range(C)]
        elif t == "NLLLoss" and r.random() < 0.3:
            a["weight"] = [r3(r, 0.5, 2.0) for _ in range(C)]
        elif t == "HuberLoss" and r.random() < 0.6:
            a["delta"] = r3(r, 0.3, 2.0)
        elif t == "SmoothL1Loss" and r.random() < 0.6:
            a["beta"] = r3(r, 0.3, 2.0)
        elif t == "BCEWithLogitsLoss" and r.random() < 0.5:
            a["pos_weight"] = [r3(r, 0.5, 3.0)]
        return t, a

    def optimizer(self):
        r = self.r
        t = r.choice(["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
        a = {}
        if t == "SGD":
            a["lr"] = r3(r, 0.01, 0.2)
            if r.random() < 0.7:
                a["momentum"] = r3(r, 0.5, 0.95)
                if r.random() < 0.4:
                    a["nesterov"] = True
                elif r.random() < 0.4:
                    a["dampening"] = r3(r, 0.1, 0.5)
            if r.random() < 0.4:
                a["weight_decay"] = r3(r, 1e-4, 1e-2)
            if r.random() < 0.1:
                a["maximize"] = True
        elif t in ("Adam", "AdamW"):
            a["lr"] = r3(r, 0.001, 0.05)
            if r.random() < 0.5:
                a["betas"] = [r3(r, 0.8, 0.95), r3(r, 0.95, 0.9995)]
            if r.random() < 0.3:
                a["eps"] = r3(r, 1e-7, 1e-5)
            if r.random() < 0.5:
                a["weight_decay"] = r3(r, 1e-3, 0.1)
            if r.random() < 0.3:
                a["amsgrad"] = True
        elif t == "RMSprop":
            a["lr"] = r3(r, 0.001, 0.02)
            if r.random() < 0.5:
                a["alpha"] = r3(r, 0.8, 0.98)
            if r.random() < 0.4:
                a["momentum"] = r3(r, 0.3, 0.9)
            if r.random() < 0.4:
                a["centered"] = True
            if r.random() < 0.3:
                a["weight_decay"] = r3(r, 1e-4, 1e-2)
        else:
            a["lr"] = r3(r, 0.01, 0.2)
            if r.random() < 0.5:
                a["lr_decay"] = r3(r, 1e-3, 0.1)
            if r.random() < 0.4:
                a["initial_accumulator_value"] = r3(r, 0.01, 0.5)
            if r.random() < 0.3:
                a["weight_decay"] = r3(r, 1e-4, 1e-2)
            if r.random() < 0.3:
                a["eps"] = r3(r, 1e-9, 1e-6)
        return t, a

    def scheduler(self, opt, n_sched):
        r = self.r
        t = r.choice(["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "OneCycleLR"])
        if t == "StepLR":
            return t, {"step_size": r.randint(1, 3), "gamma": r3(r, 0.3, 0.9)}
        if t == "MultiStepLR":
            return t, {"milestones": sorted(r.sample(range(1, max(3, n_sched)), 2)), "gamma": r3(r, 0.2, 0.8)}
        if t == "ExponentialLR":
            return t, {"gamma": r3(r, 0.8, 0.99)}
        if t == "CosineAnnealingLR":
            a = {"T_max": r.randint(2, 8)}
            if r.random() < 0.5:
                a["eta_min"] = r3(r, 1e-4, 1e-3)
            return t, a
        if t == "LinearLR":
            return t, {"start_factor": r3(r, 0.1, 0.6), "total_iters": r.randint(2, 6)}
        momentum = opt[0] in ("Adam", "AdamW") or (opt[0] in ("SGD", "RMSprop") and opt[1].get("momentum", 0) > 0)
        a = {"max_lr": round(opt[1]["lr"] * 2, 6), "total_steps": n_sched + r.randint(0, 3)}
        if not momentum:
            a["cycle_momentum"] = False
        if r.random() < 0.4:
            a["anneal_strategy"] = "linear"
        return t, a


def build_and_run(name, seed, r, spec, arch=None):
    g = Gen(seed * 7919 + 1)
    g.r = r
    a, kind, _ = g.arch() if arch is None else (arch, "seq3", None)
    dspec, X, y, C = g.data(kind)
    loss = g.loss(C)
    n_out = 1 if loss[0] in FLOAT_LOSSES else C
    os.makedirs(DIR, exist_ok=True)
    if X is not None:
        np.savez(os.path.join(DIR, name + ".npz"), X=X.numpy(), y=y.numpy())
    # the layers need the data's shape; toy sets have 2 features
    layers = g.layers(a, X, 2 if X is None else (X.shape[1] if X.dim() == 2 else None), n_out)
    if loss[0] == "NLLLoss":
        # NLLLoss after LogSoftmax (the usual classifier pair), after Softmax (-p[y]) or on the raw head;
        # one draw either way, so the other recipes keep the draws they had before LogSoftmax existed
        u = r.random()
        if u < 0.75:
            layers.append(("Softmax" if u < 0.5 else "LogSoftmax", {"dim": 1}))
    opt = g.optimizer()
    n = dspec["n"] if X is None else X.shape[0]
    bs = r.choice([8, 10, 16])
    shuffle = r.random() < 0.8
    drop_last = r.random() < 0.3
    per_epoch = n // bs if drop_last else (n + bs - 1) // bs
    use_epochs = r.random() < 0.3
    if use_epochs:
        epochs = r.randint(1, 3)
        steps = epochs * per_epoch
    else:
        steps = r.randint(4, 9)
    sched, sched_every = None, "step"
    if r.random() < 0.45:
        sched_every = "epoch" if use_epochs and r.random() < 0.5 else "step"
        sched = g.scheduler(opt, steps if sched_every == "step" else epochs)
    clip = r3(r, 0.2, 2.0) if r.random() < 0.3 else None
    every = r.choice([1, 1, 2, 3])

    # ---- the torch run ----
    torch.manual_seed(seed)
    if X is None:
        X, y = toy(dspec["type"], dspec["n"])
    model = Seq(*[getattr(nn, t)(**la) for t, la in layers])
    optim = getattr(torch.optim, opt[0])(model.parameters(), **opt[1])
    sch = getattr(torch.optim.lr_scheduler, sched[0])(optim, **sched[1]) if sched else None
    largs = {k: (torch.tensor(v) if k in ("weight", "pos_weight") else v) for k, v in loss[1].items()}
    loss_fn = getattr(nn, loss[0])(**largs)
    target = y.float().unsqueeze(1) if loss[0] in FLOAT_LOSSES and y.dim() == 1 else y
    loader = DataLoader(TensorDataset(X, target), batch_size=bs, shuffle=shuffle, drop_last=drop_last)
    names = [k for k, _ in model.named_parameters()]
    rec, step = [], 0
    for epoch in range(epochs if use_epochs else 1 << 30):
        for xb, yb in loader:
            optim.zero_grad()
            lval = loss_fn(model(xb), yb)
            lval.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            lr_used = optim.param_groups[0]["lr"]
            optim.step()
            step += 1
            if sch is not None and sched_every == "step":
                sch.step()
            if step % every == 0:
                state = {}
                for k, p in zip(names, model.parameters()):
                    d = {}
                    for sk, sv in optim.state[p].items():
                        if sv is None:   # SGD without momentum: momentum_buffer None
                            continue
                        if torch.is_tensor(sv):
                            d[sk] = tens(sv)
                        else:
                            d[sk] = {"int": int(sv)}
                    state[k] = d
                rec.append({"step": step, "loss": tens(lval), "lr": dhex(lr_used),
                            "lr_after": dhex(optim.param_groups[0]["lr"]),
                            "params": {k: tens(v) for k, v in model.named_parameters()},
                            "grads": {k: tens(v.grad) for k, v in model.named_parameters()},
                            "buffers": {k: tens(v) for k, v in model.named_buffers() if v.is_floating_point()},
                            "state": state})
            if not use_epochs and step >= steps:
                break
        else:
            if sch is not None and sched_every == "epoch":
                sch.step()
            continue
        break

    # ---- the recipe ----
    ops = []
    if isinstance(dspec.get("type"), str):
        ops.append({"op": "dataset", "id": "data", "type": dspec["type"], "args": {"n": dspec["n"]}})
    else:
        ops.append({"op": "dataset", "id": "data", "file": name + ".npz", "x": "X", "y": "y"})
    ops += [{"op": "module", "id": "l%d" % i, "type": t, "args": la} for i, (t, la) in enumerate(layers)]
    ops.append({"op": "module", "id": "model", "type": "Sequential", "children": ["l%d" % i for i in range(len(layers))]})
    ops.append({"op": "optimizer", "id": "opt", "type": opt[0], "params": "model", "args": opt[1]})
    if sched:
        ops.append({"op": "scheduler", "id": "sch", "type": sched[0], "optimizer": "opt", "args": sched[1]})
    train = {"op": "train", "model": "model", "optimizer": "opt", "data": "data",
             "loss": {"type": loss[0], "args": loss[1]}, "batch_size": bs, "shuffle": shuffle,
             "drop_last": drop_last}
    if use_epochs:
        train["epochs"] = epochs
    else:
        train["steps"] = steps
    if sched:
        train["scheduler"] = "sch"
        train["scheduler_every"] = sched_every
    if clip is not None:
        train["clip_grad_norm"] = clip
    train["record_every"] = every
    ops.append(train)
    recipe = {"format": "paramscope-recipe", "version": 3, "seed": seed, "root": "model",
              "description": "tests/golden/random_train_recipes.py: " + name, "ops": ops}
    if CAPABILITY == "default":
        recipe["flavour"] = "default"
    with open(os.path.join(DIR, name + ".recipe.json"), "w") as f:
        json.dump(recipe, f, indent=1)
        f.write("\n")
    summary = "%s %s %s %s%s%s" % (a, dspec.get("type", kind), loss[0], opt[0],
                                   " " + sched[0] + "/" + sched_every if sched else "", " clip" if clip else "")
    final = {k: tens(v) if v.is_floating_point() else {"int": int(v)} for k, v in model.state_dict().items()}
    return {"name": name, "summary": summary, "steps": step, "record": rec, "final": final, "probe": torch.randint(0, 2 ** 31, (2,)).tolist()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=None, help="12 (avx2, avx512) or 13 (default)")
    ap.add_argument("--count", type=int, default=48)
    ap.add_argument("--rnn-act", type=int, default=12,
                    help="then this many recipes of batch_first recurrent roots followed by activations "
                         "(their own Random(seed + 1000): the first --count recipes stay as they were)")
    ap.add_argument("--capability", choices=("avx2", "avx512", "default"), default="avx2",
                    help="ATEN_CPU_CAPABILITY torch runs at (read before torch is imported)")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = 13 if CAPABILITY == "default" else 12
    want = {"avx2": "AVX2", "avx512": "AVX512", "default": "NO AVX"}[CAPABILITY]   # DEFAULT shows as "NO AVX"
    assert "CPU capability usage: %s\n" % want in torch.__config__.show(), \
        "torch does not run at %s here (ATEN_CPU_CAPABILITY unset for avx2; AVX-512 needs such a CPU)" % want
    r = random.Random(args.seed)
    runs = []
    for i in range(args.count):
        name = "random-train-%02d" % i
        runs.append(build_and_run(name, 100 + i, r, None))
        print(name, runs[-1]["summary"], len(runs[-1]["record"]), "records", file=sys.stderr)
    r = random.Random(args.seed + 1000)
    for i in range(args.count, args.count + args.rnn_act):
        name = "random-train-%02d" % i
        runs.append(build_and_run(name, 100 + i, r, None, arch="rnn-act"))
        print(name, runs[-1]["summary"], len(runs[-1]["record"]), "records", file=sys.stderr)
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "seed": args.seed, "capability": CAPABILITY, "runs": runs}, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT, os.path.getsize(OUT), "bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
