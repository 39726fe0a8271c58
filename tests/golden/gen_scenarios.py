#!/usr/bin/python3
"""Golden numbers for the training scenarios' claims (examples/tanh-saturation.json,
shared-module-grad.json, lazy-then-train.json), each written as plain PyTorch code doing what the
recipe says, in the recipe's order (so the generator draws the same numbers).

Run with Debian's torch 1.13.1 (OpenBLAS as tests/meson.build pins it):
  OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tests/golden/gen_scenarios.py
Writes tests/data/scenario-golden.json; read by tests/app/test-training.c. float32 tensors are
{"shape", "hex": [8-hex-digit bit patterns]}; shares are doubles as 16-hex-digit strings.

  tanh-saturation  "loss": per step (80: 40 default init, 40 after the ×5 re-init), "sat": per step
                   [share of |tanh1| > 0.97, share of |tanh2| > 0.97] on the step's batch (float32
                   compare, as (h.abs() > 0.97)), "grad1": fc1.weight.grad at steps 1 and 41,
                   "out_grads": after steps 40 and 80, the gradient of each layer's output
                   (out.retain_grad()) of CrossEntropyLoss on the first 64 points, the model as it
                   is after that step (the Training page's output gradients, ps-train-figures)
  shared           "loss" per step; "grad", "grad_first", "grad_second": at step 1 l.weight.grad and
                   the gradients through the first and the second use alone (l.weight used twice)
  lazy             "w_after_dry_run": fc1.weight after the dry run; "loss" per step; "w_end"
  lr-too-high      "loss" per step (60; NaN/inf as their bit patterns), "first_nonfinite": the 1-based
                   step whose loss is first not finite, "w_last_finite": fc1.weight after the last step
                   with a finite loss
"""
import copy
import json
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from train_golden import batches, dhex, tens

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "scenario-golden.json")


def xor(n):
    X = torch.rand(n, 2) * 2 - 1
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).long()
    X = X + 0.1 * torch.randn(n, 2)
    return X, y


def tanh_saturation():
    torch.manual_seed(0)
    X, y = xor(200)
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2))
    outs = {}
    model[1].register_forward_hook(lambda m, i, o: outs.__setitem__(1, o))
    model[3].register_forward_hook(lambda m, i, o: outs.__setitem__(3, o))
    loss_fn = nn.CrossEntropyLoss()
    losses, sat, grad1, out_grads = [], [], [], []

    def probe(rows=64):
        m = copy.deepcopy(model)
        h, outs = X[:rows], []
        for layer in m:
            h = layer(h)
            h.retain_grad()
            outs.append(h)
        loss_fn(h, y[:rows]).backward()
        return [tens(o.grad) for o in outs]

    def train(opt):
        loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=False)
        for xb, yb in batches(loader, 40):
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(tens(loss)["hex"][0])
            sat.append([dhex((outs[k].abs() > 0.97).sum().item() / outs[k].numel()) for k in (1, 3)])
            if len(losses) in (1, 41):
                grad1.append(tens(model[0].weight.grad))
            if len(losses) in (40, 80):
                out_grads.append(probe())

    train(torch.optim.SGD(model.parameters(), lr=0.1))
    a, b = 3.5355339059327378, 0.8838834764831844
    nn.init.uniform_(model[0].weight, -a, a)
    nn.init.uniform_(model[0].bias, -a, a)
    for p in (model[2].weight, model[2].bias, model[4].weight, model[4].bias):
        nn.init.uniform_(p, -b, b)
    train(torch.optim.SGD(model.parameters(), lr=0.1))
    return {"loss": losses, "sat": sat, "grad1": grad1, "out_grads": out_grads}


def shared():
    torch.manual_seed(0)
    X, y = xor(200)
    l = nn.Linear(2, 2)
    model = nn.Sequential(l, l)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    losses, first = [], None
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=False)
    for xb, yb in batches(loader, 20):
        if first is None:
            # the two uses apart: the same values as two leaves
            w1 = l.weight.detach().clone().requires_grad_()
            w2 = l.weight.detach().clone().requires_grad_()
            b = l.bias.detach()
            h = nn.functional.linear(xb, w1, b)
            out = nn.functional.linear(h, w2, b)
            loss_fn(out, yb).backward()
            first = (w1.grad, w2.grad)
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        if len(losses) == 0:
            grad = l.weight.grad.clone()
        opt.step()
        losses.append(tens(loss)["hex"][0])
    return {"loss": losses, "grad": tens(grad), "grad_first": tens(first[0]), "grad_second": tens(first[1])}


def lazy():
    torch.manual_seed(0)
    X, y = xor(200)
    fc1 = nn.LazyLinear(16)
    model = nn.Sequential(fc1, nn.Tanh(), nn.Linear(16, 2))
    model(torch.randn(1, 2))
    w0 = tens(fc1.weight)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=False)
    for xb, yb in batches(loader, 60):
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(tens(loss)["hex"][0])
    return {"w_after_dry_run": w0, "loss": losses, "w_end": tens(fc1.weight)}


def lr_too_high():
    torch.manual_seed(0)
    X, y = xor(200)
    model = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(), nn.Linear(16, 2))
    opt = torch.optim.SGD(model.parameters(), lr=100.0)
    loss_fn = nn.CrossEntropyLoss()
    losses, first, w = [], None, None
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=False)
    for xb, yb in batches(loader, 60):
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(tens(loss)["hex"][0])
        if first is None and not torch.isfinite(loss):
            first = len(losses)
        if first is None:
            w = tens(model[0].weight)
    return {"loss": losses, "first_nonfinite": first, "w_last_finite": w}


result = {"torch": torch.__version__, "tanh-saturation": tanh_saturation(), "shared": shared(), "lazy": lazy(),
          "lr-too-high": lr_too_high()}
with open(OUT, "w") as f:
    json.dump(result, f, separators=(",", ":"))
print("wrote", OUT, os.path.getsize(OUT), "bytes")
