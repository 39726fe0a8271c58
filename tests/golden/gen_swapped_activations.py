#!/usr/bin/python3
"""Every element-wise activation with a backward after a batch_first LSTM root (torch's output is
output.transpose(0, 1): a view with dims 0 and 1 swapped), × the losses, × hidden sizes that are not
multiples of the vector width: tests/doc/test-swapped-activations.c.

torch runs an element-wise layer on the swapped view in the view's memory order (TensorIterator
coalesces input and output, which share the layout: vector blocks from the start of the (T, B, H)
buffer, a scalar tail at its end); GELU(approximate='none') takes oneDNN only for a contiguous input
(use_mkldnn), so here it is ATen's GeluKernel / GeluBackwardKernel. In the backward the loss's
gradient is contiguous for MSELoss, L1Loss(mean), SmoothL1Loss, HuberLoss and
BCEWithLogitsLoss(pos_weight) — the kernel then cannot coalesce and runs one row of H at a time —
and swapped like the input for L1Loss(sum) and BCEWithLogitsLoss() (memory order again).

Run with Debian's torch 1.13.1 at each capability:
  OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tests/golden/gen_swapped_activations.py
  ... gen_swapped_activations.py --capability avx512
  ... gen_swapped_activations.py --capability default
writes tests/data/swapped-activations-{avx2,avx512,default}/<Type>.json (swapped_split.py: one file per
activation type, a run of two activations in the later one's file): {"torch", "capability", "runs":
[{"name", "recipe" (a version 3 recipe whose data files are tests/data/batch-first/X.npy and
Y<H>.npy; "flavour": "default" for the default capability), "losses" (the float32 bit patterns of
every step's loss), "state" {key: sha256 of its float32 bytes}, "out_grads" [sha256 of the LSTM's
output .grad, of the activation's] — the output-gradient figure's (src/render/ps-train-figures.c)
loss of the first 8 samples after the run, backward}]}. Each run is the train op's torch
code (docs/recipe-format.md): torch.manual_seed(seed); the modules in op order; SGD(momentum 0.9);
DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True); 2 epochs of zero_grad, loss, backward,
step. Then 196 runs with two activations (every ordered pair of them × MSELoss, L1Loss(sum) × H = 7,
17): after a ReLU or LeakyReLU the gradient is swapped again (their backwards take the saved
tensor as the TensorIterator's first input).

Seeds: the first FIRST activations of ACTS keep the seeds they were drawn with (100 on, in the old
order: sizes, activation, loss; then the pairs); an activation appended later draws from its own
block (seed_of), so adding one writes its file and leaves the others byte for byte.
"""
import hashlib
import json
import os
import struct
import sys
import warnings

from capability_arg import CAPABILITY  # noqa: E402  (before torch: it sets ATEN_CPU_CAPABILITY)
import numpy  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from swapped_split import ACTS, write  # noqa: E402  (the activations; one file per type)
from train_golden import Seq  # noqa: E402

warnings.simplefilter("ignore")
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")

SIZES = [1, 3, 7, 15, 17, 33]
CHAIN_SIZES = [7, 17]


def losses(e):
    """(short name, type, args): contiguous gradients first, then two whose gradient is swapped."""
    return [("mse", "MSELoss", {}), ("l1", "L1Loss", {}), ("smoothl1", "SmoothL1Loss", {"beta": 0.5}),
            ("huber", "HuberLoss", {"delta": 0.3}),
            ("bcelogits-pw", "BCEWithLogitsLoss", {"pos_weight": [0.5 + 0.25 * (i % 5) for i in range(e)]}),
            ("l1-sum", "L1Loss", {"reduction": "sum"}), ("bcelogits", "BCEWithLogitsLoss", {})]


def act_name(typ, args):
    return typ.lower() + ("-tanh" if args.get("approximate") == "tanh" else "")


def ids(acts):
    return ["act", "act2"][:len(acts)]


def recipe(name, seed, e, acts, loss):
    r = {"format": "paramscope-recipe", "version": 3, "seed": seed}
    if CAPABILITY == "default":
        r["flavour"] = "default"
    r.update({
        "root": "m",
        "description": "%s: a batch_first LSTM, then %s on its swapped output (tests/golden/gen_swapped_activations.py)"
                       % (name, " then ".join(a[0] for a in acts)),
        "ops": [
            {"op": "module", "id": "lstm", "type": "LSTM",
             "args": {"input_size": 8, "hidden_size": e, "batch_first": True}},
        ] + [{"op": "module", "id": i, "type": a[0], "args": a[1]} for i, a in zip(ids(acts), acts)] + [
            {"op": "module", "id": "m", "type": "Sequential", "children": {i: i for i in ["lstm"] + ids(acts)}},
            {"op": "dataset", "id": "d", "file": "X.npy", "y": "Y%d.npy" % e},
            {"op": "optimizer", "id": "opt", "type": "SGD", "params": "m", "args": {"lr": 0.05, "momentum": 0.9}},
            {"op": "train", "model": "m", "optimizer": "opt", "data": "d", "loss": {"type": loss[1], "args": loss[2]},
             "batch_size": 4, "shuffle": True, "epochs": 2},
        ]})
    return r


def f32hex(v):
    return format(struct.unpack("<I", struct.pack("<f", v))[0], "08x")


def run(seed, e, acts, loss):
    """The recipe's torch code."""
    torch.manual_seed(seed)
    lstm = nn.LSTM(input_size=8, hidden_size=e, batch_first=True)
    layers = [getattr(nn, a[0])(**a[1]) for a in acts]
    m = Seq()
    m.add_module("lstm", lstm)
    for i, a in zip(ids(acts), layers):
        m.add_module(i, a)
    X = torch.as_tensor(numpy.load(os.path.join(DATA, "batch-first", "X.npy")))
    Y = torch.as_tensor(numpy.load(os.path.join(DATA, "batch-first", "Y%d.npy" % e)))
    opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
    fn = getattr(nn, loss[1])(**{k: (torch.tensor(v) if k == "pos_weight" else v) for k, v in loss[2].items()})
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True, drop_last=False)
    out = []
    for _ in range(2):
        for xb, yb in loader:
            opt.zero_grad()
            l = fn(m(xb), yb)
            l.backward()
            opt.step()
            out.append(f32hex(l.item()))
    state = {"m." + k: sha(v) for k, v in m.state_dict().items()}
    # the output-gradient figure's torch code after the run: the loss of the first 8 samples,
    # backward, each layer output's .grad (out.retain_grad())
    h, _ = lstm(X[:8])
    outs = [h]
    for a in layers:
        outs.append(a(outs[-1]))
    for o in outs:
        o.retain_grad()
    fn(outs[-1], Y[:8]).backward()
    return out, state, [sha(o.grad) for o in outs]


def sha(t):
    return hashlib.sha256(t.detach().contiguous().numpy().astype("<f4").tobytes()).hexdigest()


FIRST = 7   # the activations the fixture was first made with


def seed_of(ei, act_idx, li, chain):
    """The run's seed, by the indices of its hidden size (in SIZES or CHAIN_SIZES), its activations
    (in ACTS) and its loss (in losses(), or 0/1 for the pairs' mse/l1-sum)."""
    k = max(act_idx)
    if k < FIRST:
        if not chain:
            return 100 + (ei * FIRST + act_idx[0]) * 7 + li
        return 100 + len(SIZES) * FIRST * 7 + ((ei * FIRST + act_idx[0]) * FIRST + act_idx[1]) * 2 + li
    # a later activation k: its single runs, then its pairs (the other one at either end)
    if not chain:
        return 1000 * (k - FIRST + 1) + ei * 7 + li
    other = act_idx[0] if act_idx[1] == k else act_idx[1]
    first = 1 if act_idx[1] == k else 0
    return 1000 * (k - FIRST + 1) + len(SIZES) * 7 + ((ei * (k + 1) + other) * 2 + first) * 2 + li


def main():
    runs = []
    for ei, e in enumerate(SIZES):
        for ai, act in enumerate(ACTS):
            for li, loss in enumerate(losses(e)):
                name = "size%d-%s-%s" % (e, act_name(*act), loss[0])
                seed = seed_of(ei, [ai], li, False)
                l, s, g = run(seed, e, [act], loss)
                runs.append({"name": name, "recipe": recipe(name, seed, e, [act], loss), "losses": l, "state": s,
                             "out_grads": g})
    # two activations: ReLU/LeakyReLU hand the layer before them a swapped gradient again under a
    # contiguous-gradient loss (ps_loss_mark_grad_rows); the others pass the loss's layout on
    for ei, e in enumerate(CHAIN_SIZES):
        for i1, a1 in enumerate(ACTS):
            for i2, a2 in enumerate(ACTS):
                for li, loss in enumerate([lo for lo in losses(e) if lo[0] in ("mse", "l1-sum")]):
                    name = "chain%d-%s-%s-%s" % (e, act_name(*a1), act_name(*a2), loss[0])
                    seed = seed_of(ei, [i1, i2], li, True)
                    l, s, g = run(seed, e, [a1, a2], loss)
                    runs.append({"name": name, "recipe": recipe(name, seed, e, [a1, a2], loss), "losses": l,
                                 "state": s, "out_grads": g})
    assert len(set(r["recipe"]["seed"] for r in runs)) == len(runs)
    write(torch.__version__, CAPABILITY, runs)


if __name__ == "__main__":
    main()
